// CompareKeys must order keys exactly as the on-disk format says (bytewise unsigned, a shorter
// key first on a common prefix), or a B+tree search or memtable lookup would miss keys.
#include "engine/key_order.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace ringkv {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

TEST(KeyOrderTest, AgreesWithBytewiseCompareOnEdgeBytesAndLengths) {
  // Bytes where signed and unsigned order differ, zeros, and lengths around the 8-byte chunks.
  const std::string alphabet("\x00\x01\x7f\x80\xfe\xff" "ab", 8);
  std::mt19937_64 rng(42);
  auto random_key = [&] {
    std::string k(rng() % 20, '\0');
    for (char& c : k) c = alphabet[rng() % alphabet.size()];
    return k;
  };
  for (int i = 0; i < 200000; ++i) {
    std::string a = random_key();
    // Often a prefix of the other, or equal up to one changed byte.
    std::string b = (i % 3 == 0) ? a.substr(0, rng() % (a.size() + 1)) : random_key();
    if (i % 3 == 1 && !a.empty()) {
      b = a;
      b[rng() % b.size()] = alphabet[rng() % alphabet.size()];
    }
    ASSERT_EQ(Sign(CompareKeys(a, b)), Sign(std::string_view(a).compare(b)))
        << "a=" << testing::PrintToString(a) << " b=" << testing::PrintToString(b);
    ASSERT_EQ(Sign(CompareKeys(b, a)), -Sign(CompareKeys(a, b)));
  }
}

TEST(KeyOrderTest, HighBytesSortAfterLowOnes) {
  EXPECT_LT(CompareKeys(std::string("\x7f"), std::string("\x80")), 0);
  EXPECT_LT(CompareKeys(std::string(9, 'a'), std::string(8, 'a') + "\xff"), 0);
  EXPECT_GT(CompareKeys(std::string(8, '\xff') + "a", std::string(8, '\xff')), 0);
  EXPECT_EQ(CompareKeys("", ""), 0);
  EXPECT_LT(CompareKeys("", std::string(1, '\0')), 0);
}

}  // namespace
}  // namespace ringkv
