// Regression tests for the damage bugs found by the tries and by the damage test, one
// per bug, named after it: each damages one file of a small database in one way and checks that
// the API answers with DataLoss (naming the file) where it used to crash or answer wrongly.
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ringkv/db.h"
#include "ringkv/salvage.h"
#include "tests/support/temp_dir.h"

namespace ringkv {
namespace {

using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;
using ::testing::HasSubstr;

std::string Key(int i) { return absl::StrFormat("k%06d", i); }
std::string Value(int i) { return absl::StrCat("v", i, "v", i, "v", i, "v", i); }

class DamagedDbTest : public ::testing::Test {
 protected:
  // 2000 checkpointed keys, then `log_keys` more in the log only; closed cleanly.
  void Build(int log_keys, size_t log_value_bytes = 100) {
    Options o;
    o.wal_segment_bytes = 256u << 10;
    auto db = DB::Open(o, path());
    ASSERT_TRUE(db.ok()) << db.status();
    WriteBatch b;
    for (int i = 0; i < 2000; ++i) b.Put(Key(i), Value(i));
    ASSERT_TRUE((*db)->Write({}, b).ok());
    ASSERT_TRUE((*db)->Checkpoint().ok());
    for (int i = 0; i < log_keys; ++i) {
      ASSERT_TRUE((*db)->Put({}, Key(10000 + i), std::string(log_value_bytes, 'a' + i % 26)).ok());
    }
    ASSERT_TRUE((*db)->Close().ok());
  }
  std::string path() const { return dir_.Join("db"); }
  absl::StatusOr<std::unique_ptr<DB>> Reopen() {
    Options o;
    o.create_if_missing = false;
    return DB::Open(o, path());
  }
  // The status a full scan ends with, and how many keys it yielded.
  absl::Status Scan(DB& db, int* keys) {
    std::unique_ptr<Iterator> it = db.NewIterator({});
    *keys = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++*keys;
    return it->status();
  }
  TempDir dir_;
};

// The issue: one flipped byte in pages.db, and `ringkv scan` printed a corrupted value with
// exit 0 (the mapped read path skipped the page checksum).
TEST_F(DamagedDbTest, FlippedByteInAPageIsDataLossNotACorruptValue) {
  Build(0);
  std::string pages = ReadFileOrDie(path() + "/pages.db");
  pages[2 * 4096 + 3000] ^= 0x20;
  WriteFileOrDie(path() + "/pages.db", pages);
  auto db = Reopen();
  ASSERT_TRUE(db.ok()) << db.status();
  int keys = 0;
  absl::Status s = Scan(**db, &keys);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), HasSubstr(path() + "/pages.db at offset 8192 fails its checksum"));
  for (int i = 0; i < 2000; ++i) {
    absl::StatusOr<std::string> v = (*db)->Get({}, Key(i));
    if (v.ok()) {
      EXPECT_EQ(*v, Value(i));
    } else {
      EXPECT_EQ(v.status().code(), absl::StatusCode::kDataLoss) << Key(i);
    }
  }
}

// The issue: `rm DB/pages.db`, then `ringkv get DB k000001` died of SIGBUS.
TEST_F(DamagedDbTest, DeletedPageFileIsAnErrorNotABusError) {
  Build(10);
  ASSERT_TRUE(std::filesystem::remove(path() + "/pages.db"));
  auto db = Reopen();
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(path() + "/pages.db is missing"));
}

// Found by the damage test: a flipped byte in one of the last records of the log (within the
// 1 MiB tear window of its end) was taken for a torn write, and the records after it were
// dropped silently. The clean close seals the log, which proves those records durable.
TEST_F(DamagedDbTest, DamagedRecordNearTheEndOfASealedLogIsCorruptionNotAShorterLog) {
  Build(40);
  const std::string seg = path() + "/wal/0000000000000000.log";
  std::string bytes = ReadFileOrDie(seg);
  size_t end = bytes.size();
  while (end > 0 && bytes[end - 1] == 0) --end;
  bytes[end - 300] ^= 0x01;  // inside the last record
  WriteFileOrDie(seg, bytes);
  auto db = Reopen();
  ASSERT_FALSE(db.ok()) << "the log must not be cut quietly";
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("WAL corruption in " + seg));
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("durable"));
}

// Found by the damage test: a zeroed 4 KiB block holding the last records (and the seal, when
// it shared their block) looked like a log that ended there, and `check` said ok. The seal
// now starts a block of its own and names where the records end.
TEST_F(DamagedDbTest, ZeroedLastBlockOfASealedLogIsCorruptionNotAShorterLog) {
  Build(40);
  const std::string seg = path() + "/wal/0000000000000000.log";
  std::string bytes = ReadFileOrDie(seg);
  size_t end = bytes.size();
  while (end > 0 && bytes[end - 1] == 0) --end;
  const size_t seal_block = (end - 1) / 4096 * 4096;
  ASSERT_GT(seal_block, 4096u);
  std::fill(bytes.begin() + seal_block - 4096, bytes.begin() + seal_block, '\0');
  WriteFileOrDie(seg, bytes);
  absl::StatusOr<CheckReport> check = CheckDB(Options(), path());
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_FALSE(check->ok()) << check->Summary();
  EXPECT_EQ(check->log_damage, 1u) << check->Summary();
  auto db = Reopen();
  ASSERT_FALSE(db.ok()) << "the log must not be cut quietly";
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("WAL corruption in " + seg));
}

// Found by the damage test: deleting the WAL segment that holds the checkpoint LSN lost the
// log-only keys silently (replay found no segment and took the log for empty).
TEST_F(DamagedDbTest, DeletedSegmentHoldingTheLogIsCorruptionNotAnEmptyLog) {
  Build(20);
  for (const auto& e : std::filesystem::directory_iterator(path() + "/wal")) {
    if (e.path().filename().string().rfind("retired-", 0) == 0) continue;
    std::string bytes = ReadFileOrDie(e.path().string());
    if (bytes.find_first_not_of('\0', 4096) == std::string::npos) continue;  // no records
    ASSERT_TRUE(std::filesystem::remove(e.path()));
    auto db = Reopen();
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(db.status().message()), HasSubstr(e.path().string() + " is missing"));
    return;
  }
  FAIL() << "no segment holds records";
}

// Found by the damage test: a truncated WAL segment read as zeros past its end, so the log
// ended early without a word.
TEST_F(DamagedDbTest, TruncatedWalSegmentIsCorruptionNotAnEarlyEnd) {
  Build(20);
  const std::string seg = path() + "/wal/0000000000000000.log";
  std::string bytes = ReadFileOrDie(seg);
  bytes.resize(bytes.size() / 2);
  WriteFileOrDie(seg, bytes);
  auto db = Reopen();
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(seg + " is shorter"));
}

}  // namespace
}  // namespace ringkv
