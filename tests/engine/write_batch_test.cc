// WriteBatch encoding: entries come back in order, malformed reps are reported, limits apply.
#include "ringkv/write_batch.h"

#include <string>
#include <vector>

#include "ringkv/size_limits.h"
#include "gtest/gtest.h"

namespace ringkv {
namespace {

struct Entry {
  EntryType type;
  std::string key, value;
};

std::vector<Entry> Collect(const WriteBatch& b, absl::Status* status) {
  std::vector<Entry> out;
  *status = b.Iterate([&](EntryType t, std::string_view k, std::string_view v) {
    out.push_back({t, std::string(k), std::string(v)});
  });
  return out;
}

TEST(WriteBatchTest, RoundTripsInOrder) {
  WriteBatch b;
  EXPECT_TRUE(b.Empty());
  b.Put("a", "1");
  b.Delete("b");
  b.Put(std::string("c\0d", 3), "");
  EXPECT_EQ(b.Count(), 3u);
  WriteBatch copy = WriteBatch::FromRep(b.rep());
  absl::Status s;
  std::vector<Entry> got = Collect(copy, &s);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, EntryType::kPut);
  EXPECT_EQ(got[0].key, "a");
  EXPECT_EQ(got[0].value, "1");
  EXPECT_EQ(got[1].type, EntryType::kDelete);
  EXPECT_EQ(got[1].key, "b");
  EXPECT_EQ(got[2].key, std::string("c\0d", 3));
  EXPECT_TRUE(b.Validate().ok());
  b.Clear();
  EXPECT_EQ(b.Count(), 0u);
}

TEST(WriteBatchTest, TruncatedOrGarbledRepIsDataLoss) {
  WriteBatch b;
  b.Put("key", "value");
  b.Put("key2", "value2");
  const std::string rep = b.rep();
  for (size_t cut = 0; cut < rep.size(); ++cut) {
    absl::Status s;
    Collect(WriteBatch::FromRep(rep.substr(0, cut)), &s);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << "cut at " << cut;
  }
  std::string bad_type = rep;
  bad_type[4] = 7;
  absl::Status s;
  Collect(WriteBatch::FromRep(bad_type), &s);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
}

TEST(WriteBatchTest, ValidateEnforcesLimits) {
  WriteBatch empty_key;
  empty_key.Put("", "v");
  EXPECT_EQ(empty_key.Validate().code(), absl::StatusCode::kInvalidArgument);
  WriteBatch big_key;
  big_key.Delete(std::string(kMaxKeyBytes + 1, 'k'));
  absl::Status s = big_key.Validate();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("16384"), std::string::npos) << s;
  WriteBatch max_key;
  max_key.Put(std::string(kMaxKeyBytes, 'k'), "");
  EXPECT_TRUE(max_key.Validate().ok());
  WriteBatch big_value;
  big_value.Put("k", std::string(kMaxValueBytes + 1, 'v'));
  EXPECT_EQ(big_value.Validate().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ringkv
