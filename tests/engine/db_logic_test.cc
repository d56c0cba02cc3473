// DBImpl's own logic over in-memory parts: a random mix of puts, deletes, batches, gets, scans
// in both directions, snapshots, checkpoints and reopens must always agree with a std::map.
#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine/db_impl.h"
#include "gtest/gtest.h"
#include "tests/engine/mem_parts.h"

namespace ringkv {
namespace {

using Model = std::map<std::string, std::string>;

class DbLogicTest : public ::testing::Test {
 protected:
  void Reopen(size_t memtable_bytes = 64 << 10) {
    Options options;
    options.memtable_bytes = memtable_bytes;
    Reopen(options);
  }
  void Reopen(const Options& options) {
    db_.reset();
    DBParts parts;
    parts.log = std::make_unique<testing::MemLog>(log_state_);
    parts.tree = std::make_unique<testing::MemTreeStore>(tree_state_);
    auto db = DBImpl::Start(options, "memdb", std::move(parts));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  // A Get of `key` returns what the model holds, or NotFound.
  void ExpectGet(const Model& model, const std::string& key) {
    auto got = db_->Get({}, key);
    auto want = model.find(key);
    if (want == model.end()) {
      ASSERT_EQ(got.status().code(), absl::StatusCode::kNotFound) << key;
    } else {
      ASSERT_TRUE(got.ok()) << key << ": " << got.status();
      ASSERT_EQ(*got, want->second) << key;
    }
  }

  void ExpectMatches(const Model& model, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    auto it = db_->NewIterator(ro);
    auto m = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, model.end()) << "extra key " << it->key();
      ASSERT_EQ(it->key(), m->first);
      ASSERT_EQ(it->value(), m->second);
    }
    ASSERT_TRUE(it->status().ok()) << it->status();
    ASSERT_EQ(m, model.end()) << "missing key " << m->first;
    auto r = model.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
      ASSERT_NE(r, model.rend());
      ASSERT_EQ(it->key(), r->first);
    }
    ASSERT_EQ(r, model.rend());
  }

  std::shared_ptr<testing::MemLogState> log_state_ = std::make_shared<testing::MemLogState>();
  std::shared_ptr<testing::MemTreeState> tree_state_ = std::make_shared<testing::MemTreeState>();
  std::unique_ptr<DB> db_;
};

TEST_F(DbLogicTest, BasicPutGetDelete) {
  Reopen();
  EXPECT_EQ(db_->Get({}, "a").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(db_->Put({}, "a", "1").ok());
  EXPECT_EQ(*db_->Get({}, "a"), "1");
  ASSERT_TRUE(db_->Put({}, "a", "2").ok());
  EXPECT_EQ(*db_->Get({}, "a"), "2");
  ASSERT_TRUE(db_->Delete({}, "a").ok());
  EXPECT_EQ(db_->Get({}, "a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->Put({}, "", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->Get({}, "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(DbLogicTest, RandomOperationsMatchModelAcrossCheckpointsAndReopens) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    log_state_ = std::make_shared<testing::MemLogState>();
    tree_state_ = std::make_shared<testing::MemTreeState>();
    Reopen(16 << 10);  // small memtable: many background checkpoints
    std::mt19937_64 rng(seed);
    Model model;
    for (int step = 0; step < 3000; ++step) {
      const int op = static_cast<int>(rng() % 100);
      const std::string key = absl::StrCat("k", rng() % 400);
      if (op < 45) {
        const std::string value(rng() % 60, static_cast<char>('a' + rng() % 26));
        ASSERT_TRUE(db_->Put({}, key, value).ok());
        model[key] = value;
      } else if (op < 60) {
        ASSERT_TRUE(db_->Delete({}, key).ok());
        model.erase(key);
      } else if (op < 70) {
        WriteBatch b;
        for (int i = 0; i < 5; ++i) {
          const std::string k = absl::StrCat("k", rng() % 400);
          if (rng() % 3 == 0) {
            b.Delete(k);
            model.erase(k);
          } else {
            b.Put(k, k + "-batch");
            model[k] = k + "-batch";
          }
        }
        ASSERT_TRUE(db_->Write({}, b).ok());
      } else if (op < 88) {
        ExpectGet(model, key);
        if (HasFatalFailure()) return;
      } else if (op < 93) {
        // A bounded scan from a random point, forwards then back.
        ReadOptions ro;
        ro.lower_bound = absl::StrCat("k", rng() % 400);
        ro.upper_bound = absl::StrCat("k", rng() % 400);
        if (*ro.upper_bound < *ro.lower_bound) std::swap(*ro.lower_bound, *ro.upper_bound);
        auto it = db_->NewIterator(ro);
        auto m = model.lower_bound(*ro.lower_bound);
        for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
          ASSERT_NE(m, model.end());
          ASSERT_LT(m->first, *ro.upper_bound);
          ASSERT_EQ(it->key(), m->first);
        }
        ASSERT_TRUE(m == model.end() || m->first >= *ro.upper_bound);
      } else if (op < 96) {
        ASSERT_TRUE(db_->Checkpoint().ok());
      } else if (op < 98) {
        ExpectMatches(model);
      } else {
        Reopen(16 << 10);
        ExpectMatches(model);
      }
    }
    ExpectMatches(model);
  }
}

uint64_t Property(DB& db, std::string_view name) {
  absl::StatusOr<std::string> v = db.GetProperty(name);
  EXPECT_TRUE(v.ok()) << name << ": " << v.status();
  uint64_t n = 0;
  EXPECT_TRUE(v.ok() && absl::SimpleAtoi(*v, &n)) << name;
  return n;
}

// With options that make nearly every checkpoint a sorted run and merge the runs often, reads
// must see the newest version across memtables, runs (tombstones included) and the tree, in
// every state a merge publishes, and after reopens in the middle of it all.
TEST_F(DbLogicTest, RandomOperationsMatchModelWithSortedRunsAndMerges) {
  Options options;
  options.memtable_bytes = 16 << 10;
  options.run_merge_ratio = 4;  // runs as soon as the tree is a quarter of a memtable
  options.max_sorted_runs = 3;
  options.checkpoint_step_bytes = 4096;  // merges in many published batches
  uint64_t most_runs = 0;
  uint64_t merges = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    log_state_ = std::make_shared<testing::MemLogState>();
    tree_state_ = std::make_shared<testing::MemTreeState>();
    Reopen(options);
    std::mt19937_64 rng(seed);
    Model model;
    for (int step = 0; step < 6000; ++step) {
      const int op = static_cast<int>(rng() % 100);
      const std::string key = absl::StrCat("k", rng() % 3000);
      if (op < 55) {
        const std::string value(20 + rng() % 80, static_cast<char>('a' + rng() % 26));
        ASSERT_TRUE(db_->Put({}, key, value).ok());
        model[key] = value;
      } else if (op < 75) {
        ASSERT_TRUE(db_->Delete({}, key).ok());
        model.erase(key);
      } else if (op < 97) {
        ExpectGet(model, key);
        if (HasFatalFailure()) return;
      } else if (op < 98) {
        ASSERT_TRUE(db_->Checkpoint().ok());
        most_runs = std::max(most_runs, Property(*db_, "ringkv.runs.count"));
        ExpectMatches(model);
      } else if (op < 99) {
        merges += Property(*db_, "ringkv.runs.merges");
        Reopen(options);
        ExpectMatches(model);
      }
    }
    ExpectMatches(model);
    merges += Property(*db_, "ringkv.runs.merges");
    auto verified = db_->VerifyIntegrity();
    ASSERT_TRUE(verified.ok()) << verified.status();
  }
  // The test is only worth its time if both structures were in play.
  EXPECT_GT(most_runs, 0u);
  EXPECT_GT(merges, 0u);
}

// Overwrites hold two versions of a key until a merge: run_overwrite_ratio bounds the older
// versions the runs make obsolete to that share of the tree, where run_merge_ratio alone (4
// here) would let them pile up to several times the tree.
TEST_F(DbLogicTest, OverwritesMergeOnceTheVersionsTheyReplaceReachTheRatio) {
  struct Outcome {
    uint64_t merges = 0;
    double most_replaced = 0;  // the largest replaced_pages / tree pages seen
  };
  const auto run = [&](double overwrite_ratio) {
    log_state_ = std::make_shared<testing::MemLogState>();
    tree_state_ = std::make_shared<testing::MemTreeState>();
    Options options;
    options.memtable_bytes = 64 << 10;
    options.run_merge_ratio = 0;  // the first 20,000 keys go into the tree
    Reopen(options);
    const std::string value(100, 'v');
    for (int i = 0; i < 20000; ++i) EXPECT_TRUE(db_->Put({}, absl::StrCat("k", i), value).ok());
    EXPECT_TRUE(db_->Checkpoint().ok());
    options.run_merge_ratio = 4;
    options.max_sorted_runs = 256;
    options.run_overwrite_ratio = overwrite_ratio;
    Reopen(options);
    Outcome out;
    std::mt19937_64 rng(3);
    for (int i = 1; i <= 40000; ++i) {
      EXPECT_TRUE(db_->Put({}, absl::StrCat("k", rng() % 20000), value).ok());
      if (i % 2000 != 0) continue;
      EXPECT_TRUE(db_->Checkpoint().ok());
      const uint64_t runs = Property(*db_, "ringkv.runs.pages");
      const uint64_t tree = Property(*db_, "ringkv.pages.count") -
                            Property(*db_, "ringkv.pages.free") - runs;
      out.most_replaced = std::max(out.most_replaced,
                                   static_cast<double>(Property(*db_, "ringkv.runs.replaced_pages")) /
                                       static_cast<double>(tree));
    }
    out.merges = Property(*db_, "ringkv.runs.merges");
    auto verified = db_->VerifyIntegrity();
    EXPECT_TRUE(verified.ok()) << verified.status();
    return out;
  };
  const Outcome unbounded = run(0);
  EXPECT_EQ(unbounded.merges, 0u);
  EXPECT_GT(unbounded.most_replaced, 1.0);
  const Outcome bounded = run(0.5);
  EXPECT_GT(bounded.merges, 0u);
  // At most the ratio plus the runs written since the last check (2,000 puts, a tenth of the
  // tree's keys).
  EXPECT_LT(bounded.most_replaced, 0.5 + 0.15);
}

TEST_F(DbLogicTest, SnapshotSeesThePastAcrossCheckpoints) {
  Reopen(8 << 10);
  Model then;
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(db_->Put({}, absl::StrCat("key", i), "old").ok());
    then[absl::StrCat("key", i)] = "old";
  }
  const Snapshot* snap = db_->GetSnapshot();
  for (int i = 0; i < 300; i += 2) ASSERT_TRUE(db_->Put({}, absl::StrCat("key", i), "new").ok());
  for (int i = 1; i < 300; i += 3) ASSERT_TRUE(db_->Delete({}, absl::StrCat("key", i)).ok());
  ASSERT_TRUE(db_->Put({}, "zzz", "added").ok());
  ASSERT_TRUE(db_->Checkpoint().ok());
  ASSERT_TRUE(db_->Checkpoint().ok());
  ExpectMatches(then, snap);
  ReadOptions ro;
  ro.snapshot = snap;
  EXPECT_EQ(*db_->Get(ro, "key0"), "old");
  EXPECT_EQ(db_->Get(ro, "zzz").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*db_->Get({}, "key0"), "new");
  EXPECT_EQ(db_->Get({}, "key1").status().code(), absl::StatusCode::kNotFound);
  db_->ReleaseSnapshot(snap);
}

TEST_F(DbLogicTest, IteratorTurnaroundsAndBounds) {
  Reopen();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(db_->Put({}, absl::StrCat("k", i), "v").ok());
  ASSERT_TRUE(db_->Checkpoint().ok());
  ASSERT_TRUE(db_->Delete({}, "k5").ok());
  ASSERT_TRUE(db_->Put({}, "k55", "v").ok());
  auto it = db_->NewIterator({});
  it->Seek("k4");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "k4");
  it->Next();
  EXPECT_EQ(it->key(), "k55");
  it->Prev();
  EXPECT_EQ(it->key(), "k4");
  it->Next();
  it->Next();
  EXPECT_EQ(it->key(), "k6");
  it->Prev();
  it->Prev();
  EXPECT_EQ(it->key(), "k4");
  it->SeekForPrev("k5");
  EXPECT_EQ(it->key(), "k4");
  ReadOptions ro;
  ro.lower_bound = "k2";
  ro.upper_bound = "k4";
  auto b = db_->NewIterator(ro);
  std::vector<std::string> keys;
  for (b->SeekToFirst(); b->Valid(); b->Next()) keys.emplace_back(b->key());
  EXPECT_EQ(keys, (std::vector<std::string>{"k2", "k3"}));
  keys.clear();
  for (b->SeekToLast(); b->Valid(); b->Prev()) keys.emplace_back(b->key());
  EXPECT_EQ(keys, (std::vector<std::string>{"k3", "k2"}));
  b->Seek("a");
  EXPECT_EQ(b->key(), "k2");
  b->SeekForPrev("z");
  EXPECT_EQ(b->key(), "k3");
  auto empty = db_->NewIterator(ReadOptions{.lower_bound = "x", .upper_bound = "y"});
  empty->SeekToFirst();
  EXPECT_FALSE(empty->Valid());
}

TEST_F(DbLogicTest, IteratorIsStableWhileWritersRun) {
  Reopen(8 << 10);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(db_->Put({}, absl::StrCat("key", 1000 + i), "a").ok());
  auto it = db_->NewIterator({});
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      ASSERT_TRUE(db_->Put({}, absl::StrCat("key", 1000 + i % 700), "b").ok());
      if (i % 300 == 0) {
        ASSERT_TRUE(db_->Delete({}, absl::StrCat("key", 1000 + i % 500)).ok());
      }
    }
  });
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_EQ(it->value(), "a") << it->key();
    ++n;
  }
  writer.join();
  EXPECT_EQ(n, 500);
}

// Writers queued behind a leader, a leader that goes on leading while its own write waits,
// followers woken by the log's callback: however a sync write travels through the write path,
// it returns only once the log says it is durable.
TEST_F(DbLogicTest, SyncWritesReturnOnlyOnceTheLogIsDurable) {
  Reopen(64 << 20);  // no checkpoint (it would wait for durability too)
  log_state_->hold_durability = true;  // no writer yet: set before any can read it
  constexpr int kRounds = 10;
  constexpr int kWriters = 16;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> returned{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kWriters; ++t) {
      writers.emplace_back([&, t] {
        EXPECT_TRUE(db_->Put({}, absl::StrCat("r", round, "w", t), "v").ok());
        returned.fetch_add(1);
        // Read-your-writes: once Put returned, its own thread sees the value (entries reach
        // the memtable when the log wakes the writers, not when they are appended).
        EXPECT_TRUE(db_->Get({}, absl::StrCat("r", round, "w", t)).ok());
      });
    }
    // Every write applied (in the log) while none is durable: none may have returned.
    for (;;) {
      {
        absl::MutexLock lock(&log_state_->mu);
        if (log_state_->records.size() == static_cast<size_t>((round + 1) * kWriters)) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(returned.load(), 0) << "round " << round;
    log_state_->MakeDurable();
    for (auto& w : writers) w.join();
    EXPECT_EQ(returned.load(), kWriters);
  }
  for (int round = 0; round < kRounds; ++round) {
    for (int t = 0; t < kWriters; ++t) {
      EXPECT_TRUE(db_->Get({}, absl::StrCat("r", round, "w", t)).ok());
    }
  }
}

// Sync writes among non-sync writers that keep coming: none returns while the log holds its
// durability, and when the log fails every one gets the error back — whether it waited as a
// follower or was leading the others (a leader must stop leading once the DB failed, or it
// could serve failing writers for as long as they come). Which writer leads is up to timing,
// so several sync writers and several rounds.
TEST_F(DbLogicTest, SyncWritersReturnWhenTheLogFailsWhileOthersKeepWriting) {
  constexpr int kRounds = 20;
  constexpr int kHammers = 4;
  constexpr int kSyncWriters = 3;
  for (int round = 0; round < kRounds; ++round) {
    db_.reset();
    log_state_ = std::make_shared<testing::MemLogState>();
    tree_state_ = std::make_shared<testing::MemTreeState>();
    Reopen(64 << 20);
    log_state_->hold_durability = true;  // sync writes stay pending until the failure
    std::atomic<bool> stop{false};
    std::vector<std::thread> hammers;
    for (int t = 0; t < kHammers; ++t) {
      hammers.emplace_back([&, t] {
        WriteOptions no_sync;
        no_sync.sync = false;
        for (int i = 0; !stop.load(); ++i) {
          db_->Put(no_sync, absl::StrCat("h", t, "-", i), "v").IgnoreError();
        }
      });
    }
    std::atomic<int> returned{0};
    std::vector<std::thread> sync_writers;
    for (int t = 0; t < kSyncWriters; ++t) {
      sync_writers.emplace_back([&, t] {
        EXPECT_FALSE(db_->Put({}, absl::StrCat("sync", t), "v").ok());
        returned.fetch_add(1);
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the lead passes around
    EXPECT_EQ(returned.load(), 0) << "a sync write returned before it was durable";
    log_state_->Fail(absl::DataLossError("injected: log write failed"));
    // Generous: this waits for the writers to come back, not for a speed.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (returned.load() < kSyncWriters && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const int came_back = returned.load();
    stop = true;
    for (auto& h : hammers) h.join();
    for (auto& w : sync_writers) w.join();
    ASSERT_EQ(came_back, kSyncWriters) << "round " << round
                                       << ": a sync writer kept leading after the log failed";
  }
}

TEST_F(DbLogicTest, AsyncWriteAndGetComplete) {
  Reopen();
  absl::Notification wrote;
  WriteBatch b;
  b.Put("async", "yes");
  db_->WriteAsync({}, std::move(b), [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    wrote.Notify();
  });
  wrote.WaitForNotification();
  absl::Notification got;
  db_->GetAsync({}, "async", [&](absl::StatusOr<std::string> v) {
    EXPECT_TRUE(v.ok());
    if (v.ok()) {
      EXPECT_EQ(*v, "yes");
    }
    got.Notify();
  });
  got.WaitForNotification();
}

TEST_F(DbLogicTest, PropertiesAreReported) {
  Reopen();
  ASSERT_TRUE(db_->Put({}, "k", "v").ok());
  auto stats = db_->GetProperty("ringkv.stats");
  ASSERT_TRUE(stats.ok());
  EXPECT_NE(stats->find("ringkv.wal.records 1"), std::string::npos) << *stats;
  EXPECT_EQ(*db_->GetProperty("ringkv.memtable.entries"), "1");
  EXPECT_EQ(db_->GetProperty("nope").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ringkv
