// The lifetime contract of iterators and snapshots against Close() and the DB's destruction
// (include/ringkv/db.h): one still alive when the DB closes stops the program with a message
// naming what is left, instead of reading freed memory; readers deleted in time leave a clean
// Close; after Close, new readers and every other call fail with a status instead of crashing.
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ringkv/db.h"
#include "tests/support/temp_dir.h"

namespace ringkv {
namespace {

using ::ringkv::testing::TempDir;
using ::testing::HasSubstr;

class DbLifetimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The DB runs threads: the child re-runs the test up to the death statement, alone.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
  std::unique_ptr<DB> Open(const std::string& name = "db") {
    Options o;
    o.io_backend = IoBackendKind::kPosix;  // the contract does not depend on the backend
    o.memtable_bytes = 64 << 10;
    o.wal_segment_bytes = 128 << 10;
    auto db = DB::Open(o, dir_.Join(name));
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }
  TempDir dir_;
};

// A clean close leaves at most a quarter of a memtable in the log for the next Open to replay:
// a larger memtable is checkpointed by Close, a smaller one stays in the log. Either way every
// write is there after the reopen.
TEST_F(DbLifetimeTest, CloseCheckpointsAMemtablePastAQuarterOfItsBudget) {
  const auto memtable = [](DB& db, const char* what) {
    absl::StatusOr<std::string> v = db.GetProperty(absl::StrCat("ringkv.memtable.", what));
    EXPECT_TRUE(v.ok()) << v.status();
    uint64_t n = 0;
    EXPECT_TRUE(v.ok() && absl::SimpleAtoi(*v, &n)) << *v;
    return n;
  };
  const auto key = [](int i) { return absl::StrCat("key", i); };
  for (const uint64_t fill : {uint64_t{4} << 10, uint64_t{40} << 10}) {  // 1/16 and 5/8 of 64 KiB
    SCOPED_TRACE(fill);
    const std::string name = absl::StrCat("db", fill);
    int written = 0;
    {
      std::unique_ptr<DB> db = Open(name);
      ASSERT_NE(db, nullptr);
      while (memtable(*db, "bytes") < fill) {
        ASSERT_TRUE(db->Put({.sync = false}, key(written), std::string(100, 'v')).ok());
        ++written;
      }
      ASSERT_EQ(memtable(*db, "entries"), static_cast<uint64_t>(written));
      ASSERT_TRUE(db->Close().ok());
    }
    // Checkpointed, the closed log needs only the segment its end is in: no spare segments,
    // none made ahead (they are disk space and nothing else).
    if (fill * 4 >= (64u << 10)) {
      int segments = 0;
      for (const auto& e : std::filesystem::directory_iterator(dir_.Join(name) + "/wal")) {
        segments += e.path().extension() == ".log";
      }
      EXPECT_EQ(segments, 1);
    }
    std::unique_ptr<DB> db = Open(name);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(memtable(*db, "entries"), fill * 4 < (64u << 10) ? static_cast<uint64_t>(written) : 0u);
    for (int i = 0; i < written; ++i) {
      absl::StatusOr<std::string> v = db->Get({}, key(i));
      ASSERT_TRUE(v.ok()) << key(i) << ": " << v.status();
    }
  }
}

TEST_F(DbLifetimeTest, IteratorAliveAtCloseStopsTheProgramNamingIt) {
  EXPECT_DEATH(
      {
        std::unique_ptr<DB> db = Open();
        ASSERT_TRUE(db->Put({}, "k", "v").ok());
        std::unique_ptr<Iterator> it = db->NewIterator({});
        it->SeekToFirst();
        db->Close().IgnoreError();
      },
      "1 iterator\\(s\\) and 0 snapshot\\(s\\) still alive: delete every Iterator");
}

TEST_F(DbLifetimeTest, SnapshotAliveAtDestructionStopsTheProgramNamingIt) {
  EXPECT_DEATH(
      {
        std::unique_ptr<DB> db = Open();
        const Snapshot* snapshot = db->GetSnapshot();
        (void)snapshot;
        db.reset();
      },
      "0 iterator\\(s\\) and 1 snapshot\\(s\\) still alive.*ReleaseSnapshot");
}

TEST_F(DbLifetimeTest, ReadersGoneBeforeCloseLeaveACleanClose) {
  std::unique_ptr<DB> db = Open();
  ASSERT_TRUE(db->Put({}, "a", "1").ok());
  const Snapshot* snapshot = db->GetSnapshot();
  ASSERT_TRUE(db->Put({}, "b", "2").ok());
  ASSERT_TRUE(db->Checkpoint().ok());  // the snapshot's memtable goes into the tree meanwhile
  {
    ReadOptions at_snapshot;
    at_snapshot.snapshot = snapshot;
    std::unique_ptr<Iterator> it = db->NewIterator(at_snapshot);
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "a");
    it->Next();
    EXPECT_FALSE(it->Valid());  // "b" came after the snapshot
    EXPECT_TRUE(it->status().ok()) << it->status();
    EXPECT_TRUE(absl::IsNotFound(db->Get(at_snapshot, "b").status()));
  }
  std::unique_ptr<Iterator> latest = db->NewIterator({});
  latest->Seek("b");
  ASSERT_TRUE(latest->Valid());
  EXPECT_EQ(latest->value(), "2");
  latest.reset();
  db->ReleaseSnapshot(snapshot);
  EXPECT_TRUE(db->Close().ok());
}

TEST_F(DbLifetimeTest, CallsAfterCloseFailWithAStatus) {
  std::unique_ptr<DB> db = Open();
  ASSERT_TRUE(db->Put({}, "k", "v").ok());
  ASSERT_TRUE(db->Close().ok());

  std::unique_ptr<Iterator> it = db->NewIterator({});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsFailedPrecondition(it->status())) << it->status();
  EXPECT_THAT(it->status().message(), HasSubstr("closed"));

  EXPECT_TRUE(absl::IsFailedPrecondition(db->Get({}, "k").status()));
  const Snapshot* snapshot = db->GetSnapshot();
  ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  EXPECT_TRUE(absl::IsFailedPrecondition(db->Get(at_snapshot, "k").status()));
  EXPECT_FALSE(db->NewIterator(at_snapshot)->Valid());
  db->ReleaseSnapshot(snapshot);
  EXPECT_TRUE(absl::IsFailedPrecondition(db->Put({}, "k", "w")));
  EXPECT_TRUE(absl::IsFailedPrecondition(db->VerifyIntegrity().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(db->GetProperty("ringkv.stats").status()));
}

}  // namespace
}  // namespace ringkv
