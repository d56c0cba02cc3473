// `ringkv check` and salvage on databases with sorted runs (engine/sorted_run.h): a healthy one
// checks clean with every run page reached; a damaged run page is reported with its run and
// key range; salvage keeps the newest version of every key (a run's overwrite, a run's
// tombstone); a damaged catalog is a clear error at open and damage in check.
#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/coding.h"
#include "engine/offline_runs.h"
#include "engine/run_checkpoint.h"
#include "engine/storage_factory.h"
#include "engine/sorted_run_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ringkv/db.h"
#include "ringkv/salvage.h"
#include "tests/damage/run_layout.h"
#include "tests/support/temp_dir.h"

namespace ringkv {
namespace {

using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::ReadRunLayout;
using ::ringkv::testing::RunLayout;
using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;
using ::testing::HasSubstr;

using KeyMap = std::map<std::string, std::string>;

std::string Key(int i) { return absl::StrFormat("k%06d", i); }
std::string Value(int i, int round) {
  return absl::StrCat("v", i, "-r", round, std::string(80, 'x'));
}

Options RunOptions() {
  Options o;
  o.memtable_bytes = 64u << 10;
  // Runs stay unmerged until they are four times the tree: the test's runs all survive.
  o.run_merge_ratio = 4;
  return o;
}

class RunsOfflineTest : public ::testing::Test {
 protected:
  // A tree of 6000 keys, then three checkpoints written as runs: overwrites, then deletions
  // (tombstones only), overwrites of overwritten keys, new keys and a value in an overflow
  // chain, then deletions of keys the older runs overwrote and a tombstone for a key never
  // written.
  void Build() {
    auto db = DB::Open(RunOptions(), path());
    ASSERT_TRUE(db.ok()) << db.status();
    auto write = [&](const WriteBatch& b) { ASSERT_TRUE((*db)->Write({}, b).ok()); };
    {
      WriteBatch b;
      for (int i = 0; i < 6000; ++i) {
        b.Put(Key(i), Value(i, 0));
        model_[Key(i)] = Value(i, 0);
        if (b.Count() == 200) {
          write(b);
          b.Clear();
        }
      }
      write(b);
      ASSERT_TRUE((*db)->Checkpoint().ok());
    }
    {
      WriteBatch b;
      for (int i = 0; i < 300; ++i) {
        b.Put(Key(i * 7), Value(i * 7, 1));
        model_[Key(i * 7)] = Value(i * 7, 1);
      }
      write(b);
      ASSERT_TRUE((*db)->Checkpoint().ok());
    }
    {
      WriteBatch b;
      for (int i = 3000; i < 3200; ++i) {
        b.Delete(Key(i));
        model_.erase(Key(i));
      }
      for (int i = 0; i < 50; ++i) {
        b.Put(Key(i * 7), Value(i * 7, 2));
        model_[Key(i * 7)] = Value(i * 7, 2);
      }
      for (int i = 9000; i < 9100; ++i) {
        b.Put(Key(i), Value(i, 2));
        model_[Key(i)] = Value(i, 2);
      }
      b.Put(Key(9500), std::string(20000, 'o'));
      model_[Key(9500)] = std::string(20000, 'o');
      write(b);
      ASSERT_TRUE((*db)->Checkpoint().ok());
    }
    {
      WriteBatch b;
      for (int i = 300; i < 320; ++i) {
        b.Delete(Key(i * 7));
        model_.erase(Key(i * 7));
      }
      b.Delete("never-written");
      write(b);
      ASSERT_TRUE((*db)->Checkpoint().ok());
    }
    absl::StatusOr<std::string> runs = (*db)->GetProperty("ringkv.runs.count");
    ASSERT_TRUE(runs.ok()) << runs.status();
    ASSERT_GE(std::stoi(*runs), 3) << "the test needs its checkpoints written as runs";
    ASSERT_TRUE((*db)->Close().ok());
  }
  std::string path() const { return dir_.Join("db"); }
  std::string manifest() const { return path() + "/MANIFEST"; }
  static std::string Lines(const CheckReport& r) {
    std::string s;
    for (const Damage& d : r.damage) absl::StrAppend(&s, d.ToString(), "\n");
    return s + r.Summary();
  }
  static KeyMap Contents(DB& db) {
    KeyMap out;
    std::unique_ptr<Iterator> it = db.NewIterator({});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[std::string(it->key())] = std::string(it->value());
    }
    EXPECT_TRUE(it->status().ok()) << it->status();
    return out;
  }

  TempDir dir_;
  KeyMap model_;
};

TEST_F(RunsOfflineTest, HealthyDatabaseWithRunsChecksClean) {
  Build();
  absl::StatusOr<CheckReport> r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  // No damage at all: in particular no run page counted as leaked or unreached.
  EXPECT_TRUE(r->ok()) << Lines(*r);
  EXPECT_GE(r->sorted_runs, 3u);
  EXPECT_GT(r->run_entries, 0u);
  EXPECT_THAT(r->Summary(), HasSubstr("sorted runs"));
}

TEST_F(RunsOfflineTest, FlippedByteInARunLeafIsReportedWithTheRunAndItsKeys) {
  Build();
  const RunLayout layout = ReadRunLayout(path());
  ASSERT_FALSE(layout.runs.empty());
  const ringkv::testing::RunPages& run = layout.runs.back();  // the oldest run
  ASSERT_FALSE(run.leaves.empty());
  const uint64_t leaf = run.leaves[run.leaves.size() / 2];
  const uint32_t ps = layout.manifest.page_size;
  std::string pages = ReadFileOrDie(path() + "/pages.db");
  pages[leaf * ps + ps / 2] ^= 0x10;
  WriteFileOrDie(path() + "/pages.db", pages);

  absl::StatusOr<CheckReport> r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->bad_pages, 1u) << Lines(*r);
  bool named = false;
  for (const Damage& d : r->damage) {
    if (d.offset != leaf * ps) continue;
    EXPECT_EQ(d.file, path() + "/pages.db");
    if (absl::StrContains(d.what, absl::StrCat("sorted run ", run.run.id, ": keys [\"k")) &&
        absl::StrContains(d.what, absl::StrCat("of page ", leaf, " are lost with it"))) {
      named = true;
    }
  }
  EXPECT_TRUE(named) << Lines(*r);
  // The lost leaf is the only problem: nothing counted as leaked or twice.
  EXPECT_EQ(r->other_damage, 0u) << Lines(*r);

  // Salvage says what it lost, from which run; it is not silent about it.
  absl::StatusOr<SalvageReport> s = SalvageDB(Options(), path(), dir_.Join("out"));
  ASSERT_TRUE(s.ok()) << s.status();
  bool reported = false;
  for (const Damage& d : s->lost) {
    reported |= absl::StrContains(d.what, absl::StrCat("sorted run ", run.run.id, ": keys"));
  }
  EXPECT_TRUE(reported) << s->Summary();
}

TEST_F(RunsOfflineTest, SalvageKeepsTheNewestVersionOfEveryKey) {
  Build();
  absl::StatusOr<SalvageReport> s = SalvageDB(Options(), path(), dir_.Join("out"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->lost.empty()) << s->lost[0].ToString();
  EXPECT_GT(s->run_entries, 0u);
  EXPECT_EQ(s->keys_written, model_.size());
  auto out = DB::Open(Options(), dir_.Join("out"));
  ASSERT_TRUE(out.ok()) << out.status();
  // Exactly the model: deletions that exist only as tombstones stay deleted, and the newest
  // run's overwrite wins over the older run's and the tree's.
  const KeyMap got = Contents(**out);
  EXPECT_EQ(got.size(), model_.size());
  EXPECT_TRUE(got == model_);
  EXPECT_EQ(got.count(Key(3100)), 0u);
  EXPECT_EQ(got.at(Key(7)), Value(7, 2));
  EXPECT_EQ(got.at(Key(7 * 100)), Value(7 * 100, 1));
  EXPECT_EQ(got.count(Key(7 * 310)), 0u);
  ASSERT_TRUE((*out)->Close().ok());
}

// A merge stopped between batches (Close stops one so) leaves runs part-merged: their leaves
// below the merge's bound are free. Check must count them free, not reached; salvage and a
// reopen must read each key once, newest version first.
TEST_F(RunsOfflineTest, PartMergedRunsCheckCleanAndSalvageExactly) {
  Build();
  {
    absl::StatusOr<std::shared_ptr<io::IoBackend>> io = OpenIoBackend(RunOptions());
    ASSERT_TRUE(io.ok()) << io.status();
    absl::StatusOr<std::unique_ptr<TreeStore>> store =
        OpenPageTreeStore(**io, path(), RunOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    int batches = 0;
    absl::StatusOr<TreeMergeStats> stopped = MergeRunsIntoTree(
        **store, 2,
        [&]() -> absl::Status {
          return ++batches == 6 ? absl::CancelledError("stop") : absl::OkStatus();
        },
        [](auto) {});
    ASSERT_EQ(stopped.status().code(), absl::StatusCode::kCancelled) << stopped.status();
    std::shared_ptr<TreeSnapshot> v = (*store)->Current();
    ASSERT_GE(v->runs().size(), 3u);
    ASSERT_FALSE(v->runs().back().run.merged_below.empty());
  }
  RunLayout layout = ReadRunLayout(path());
  absl::StatusOr<CheckReport> r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ok()) << Lines(*r);
  EXPECT_TRUE(r->damage.empty()) << Lines(*r);

  absl::StatusOr<SalvageReport> s = SalvageDB(Options(), path(), dir_.Join("out"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->lost.empty()) << s->Summary();
  for (const std::string& dir : {path(), dir_.Join("out")}) {
    auto db = DB::Open(RunOptions(), dir);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_TRUE(Contents(**db) == model_) << dir;
    ASSERT_TRUE((*db)->Close().ok());
  }
}

TEST_F(RunsOfflineTest, DamagedCatalogIsAClearErrorAtOpenAndDamageInCheck) {
  Build();
  RunLayout layout = ReadRunLayout(path());
  ASSERT_GE(layout.runs.size(), 2u);
  // Run 1's flags get an unknown bit; the MANIFEST's checksum is made to match, as a writer's
  // bug (not the disk) would leave it.
  pagestore::Manifest m = layout.manifest;
  const size_t flags_at = kRunCatalogHeaderBytes + kRunRecordBytes + kRunBoundLengthBytes + 20;
  EncodeFixed32(m.catalog.data() + flags_at, 0x80);
  ringkv::testing::WriteManifest(path(), m);

  Options o;
  o.create_if_missing = false;
  auto db = DB::Open(o, path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(manifest()));
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("sorted-run catalog"));

  absl::StatusOr<CheckReport> r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->ok());
  ASSERT_EQ(r->damage.size(), 1u) << Lines(*r) << "\n(the run pages are not also leaked)";
  EXPECT_EQ(r->damage[0].file, manifest());
  EXPECT_EQ(r->damage[0].offset, CatalogOffset(m) + kRunCatalogHeaderBytes + kRunRecordBytes + kRunBoundLengthBytes);
  EXPECT_THAT(r->damage[0].what,
              HasSubstr(absl::StrCat("run 1 (record at offset ",
                                     kRunCatalogHeaderBytes + kRunRecordBytes + kRunBoundLengthBytes,
                                     ") is damaged")));

  // A truncated catalog: the damage is at the catalog's start.
  m.catalog.resize(5);
  ringkv::testing::WriteManifest(path(), m);
  EXPECT_FALSE(DB::Open(o, path()).ok());
  r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->damage.size(), 1u) << Lines(*r);
  EXPECT_EQ(r->damage[0].offset, CatalogOffset(m));
  EXPECT_THAT(r->damage[0].what, HasSubstr("truncated"));
}

TEST_F(RunsOfflineTest, RunPageListedAsFreeOrSharedWithTheTreeIsDamage) {
  Build();
  RunLayout layout = ReadRunLayout(path());
  ASSERT_FALSE(layout.runs.empty());
  pagestore::Manifest m = layout.manifest;
  const uint64_t page = layout.runs[0].filter[0];
  m.free_pages.insert(std::lower_bound(m.free_pages.begin(), m.free_pages.end(), page), page);
  ringkv::testing::WriteManifest(path(), m);
  absl::StatusOr<CheckReport> r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->ok());
  bool named = false;
  for (const Damage& d : r->damage) {
    named |= absl::StrContains(d.what, absl::StrCat("page ", page, " of the filter of sorted run ",
                                                    layout.runs[0].run.id,
                                                    " is listed as free"));
  }
  EXPECT_TRUE(named) << Lines(*r);

  // A run whose root is the tree's: every page of it is reached twice.
  m = layout.manifest;
  std::vector<SortedRun> runs;
  for (const auto& rp : layout.runs) runs.push_back(rp.run);
  runs[0].root = m.root;
  m.catalog = EncodeRunCatalog(runs);
  ringkv::testing::WriteManifest(path(), m);
  r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  named = false;
  for (const Damage& d : r->damage) {
    named |= absl::StrContains(d.what, absl::StrCat("page ", m.root, " is reached from both the "
                                                    "tree and sorted run ", runs[0].id));
  }
  EXPECT_TRUE(named) << Lines(*r);
}

TEST_F(RunsOfflineTest, RecordCountsThatDisagreeWithTheRunAreDamageAtTheRecord) {
  Build();
  RunLayout layout = ReadRunLayout(path());
  ASSERT_GE(layout.runs.size(), 2u);
  pagestore::Manifest m = layout.manifest;
  std::vector<SortedRun> runs;
  for (const auto& rp : layout.runs) runs.push_back(rp.run);
  runs[1].entries += 1;
  runs[1].pages += 2;
  m.catalog = EncodeRunCatalog(runs);
  ringkv::testing::WriteManifest(path(), m);
  absl::StatusOr<CheckReport> r = CheckDB(Options(), path());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->damage.size(), 2u) << Lines(*r);
  const uint64_t record = CatalogOffset(m) + kRunCatalogHeaderBytes + kRunRecordBytes + kRunBoundLengthBytes;
  for (const Damage& d : r->damage) {
    EXPECT_EQ(d.file, manifest());
    EXPECT_EQ(d.offset, record);
    EXPECT_THAT(d.what, HasSubstr(absl::StrCat("sorted run ", runs[1].id, ": ")));
  }
  EXPECT_THAT(r->damage[0].what, HasSubstr("its record says " +
                                           std::to_string(runs[1].entries)));
}

}  // namespace
}  // namespace ringkv
