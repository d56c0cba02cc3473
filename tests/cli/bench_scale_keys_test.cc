// The scale workload's keys and values: what its figures rest on. Key i is the same every time
// (a reader finds what a writer put), keys 0..N-1 are distinct and 16-19 bytes long, and
// values are 100 bytes that do not repeat.
#include "bench/scale/scale_keys.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace ringkv::bench {
namespace {

TEST(ScaleKeysTest, KeysAreDistinctSixteenToNineteenBytesAndRepeatable) {
  constexpr uint64_t kKeys = 200'000;
  std::set<std::string> seen;
  std::string key, again;
  size_t lengths[20] = {};
  for (uint64_t i = 0; i < kKeys; ++i) {
    ScaleKey(i, &key);
    ASSERT_GE(key.size(), 16u);
    ASSERT_LE(key.size(), 19u);
    ++lengths[key.size()];
    ScaleKey(i, &again);
    ASSERT_EQ(key, again) << i;
    ASSERT_TRUE(seen.insert(key).second) << "key " << i << " repeats: " << key;
  }
  for (size_t n = 16; n <= 19; ++n) EXPECT_EQ(lengths[n], kKeys / 4) << n;
}

TEST(ScaleKeysTest, KeysArriveOutOfOrder) {
  std::string previous, key;
  int ascending = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    ScaleKey(i, &key);
    if (i > 0 && key > previous) ++ascending;
    previous = key;
  }
  // Random order: about half the steps go up; sequential keys would be 999 of 999.
  EXPECT_GT(ascending, 400);
  EXPECT_LT(ascending, 600);
}

TEST(ScaleKeysTest, ValuesAreHundredFreshBytes) {
  ScaleRandom rng(1);
  std::set<std::string> seen;
  std::string value;
  std::set<char> bytes;
  for (int i = 0; i < 10'000; ++i) {
    rng.Value(&value);
    ASSERT_EQ(value.size(), kScaleValueBytes);
    ASSERT_TRUE(seen.insert(value).second) << i;
    bytes.insert(value.begin(), value.end());
  }
  EXPECT_EQ(bytes.size(), 256u);  // every byte value occurs: nothing for a compressor to find
}

}  // namespace
}  // namespace ringkv::bench
