// The engine on disk, through DB::Open: a random model test on both I/O backends and both read
// paths across checkpoints and reopens; limits and bad input; the lock; foreign and newer
// files; a SIGKILLed writer loses no acknowledged key.
#include "ringkv/db.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace ringkv {
namespace {

using ::ringkv::testing::TempDir;
using ::testing::HasSubstr;

struct Config {
  IoBackendKind backend;
  ReadPath read_path;
  // Nonzero: a limit the page file soon outgrows, so the mapping reads without readahead.
  uint64_t memory_limit_bytes = 0;
};

Options SmallOptions(const Config& c) {
  Options o;
  o.io_backend = c.backend;
  o.read_path = c.read_path;
  o.memtable_bytes = 64 << 10;
  o.wal_segment_bytes = 128 << 10;
  o.page_cache_bytes = 256 << 10;
  o.memory_limit_bytes = c.memory_limit_bytes;
  return o;
}

class DbTest : public ::testing::TestWithParam<Config> {
 protected:
  std::string path() const { return dir_.Join("db"); }
  std::unique_ptr<DB> Open() {
    auto db = DB::Open(SmallOptions(GetParam()), path());
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }
  TempDir dir_;
};

using Model = std::map<std::string, std::string>;

void ExpectEqual(DB& db, const Model& model) {
  auto it = db.NewIterator({});
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end()) << "extra key " << it->key();
    ASSERT_EQ(it->key(), m->first);
    ASSERT_EQ(it->value(), m->second) << "key " << m->first;
  }
  ASSERT_TRUE(it->status().ok()) << it->status();
  ASSERT_EQ(m, model.end()) << "missing " << m->first;
}

TEST_P(DbTest, RandomOperationsMatchModelAcrossCheckpointsAndReopens) {
  std::mt19937_64 rng(7);
  Model model;
  auto db = Open();
  ASSERT_NE(db, nullptr);
  for (int step = 0; step < 4000; ++step) {
    const int op = static_cast<int>(rng() % 100);
    const std::string key = absl::StrCat("key", rng() % 500);
    if (op < 50) {
      // Now and then a value big enough for overflow pages.
      const size_t len = rng() % 25 == 0 ? 3000 + rng() % 20000 : rng() % 100;
      const std::string value(len, static_cast<char>('a' + rng() % 26));
      ASSERT_TRUE(db->Put(WriteOptions{.sync = rng() % 4 == 0}, key, value).ok());
      model[key] = value;
    } else if (op < 65) {
      ASSERT_TRUE(db->Delete(WriteOptions{.sync = false}, key).ok());
      model.erase(key);
    } else if (op < 72) {
      WriteBatch b;
      for (int i = 0; i < 4; ++i) {
        const std::string k = absl::StrCat("key", rng() % 500);
        b.Put(k, k);
        model[k] = k;
      }
      ASSERT_TRUE(db->Write({}, b).ok());
    } else if (op < 94) {
      auto got = db->Get({}, key);
      auto want = model.find(key);
      if (want == model.end()) {
        ASSERT_TRUE(absl::IsNotFound(got.status())) << key;
      } else {
        ASSERT_TRUE(got.ok()) << got.status();
        ASSERT_EQ(*got, want->second);
      }
    } else if (op < 97) {
      ASSERT_TRUE(db->Checkpoint().ok());
    } else {
      ASSERT_TRUE(db->Close().ok());
      db = Open();
      ASSERT_NE(db, nullptr);
      ExpectEqual(*db, model);
    }
  }
  ExpectEqual(*db, model);
  auto report = db->VerifyIntegrity();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(*report, HasSubstr("ok:"));
}

TEST_P(DbTest, LimitsAndBadInput) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->Put({}, "", "v").code(), absl::StatusCode::kInvalidArgument);
  absl::Status s = db->Put({}, std::string(16385, 'k'), "v");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("16384"));
  EXPECT_TRUE(db->Put({}, std::string(16384, 'k'), "max key").ok());
  EXPECT_TRUE(db->Put({}, "empty", "").ok());
  const std::string big(8 << 20, 'B');
  EXPECT_TRUE(db->Put({}, "big", big).ok());
  ASSERT_TRUE(db->Checkpoint().ok());
  EXPECT_EQ(*db->Get({}, std::string(16384, 'k')), "max key");
  EXPECT_EQ(*db->Get({}, "empty"), "");
  EXPECT_EQ(db->Get({}, "big")->size(), big.size());
  WriteBatch bad;
  bad.Put("ok", "1");
  bad.Put("", "2");
  EXPECT_EQ(db->Write({}, bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::IsNotFound(db->Get({}, "ok").status())) << "a rejected batch applies nothing";
}

TEST_P(DbTest, OptionsOutOfRangeAreRefusedNamingTheOption) {
  struct Case {
    const char* name;
    void (*set)(Options&);
  };
  const Case cases[] = {
      {"page_size", [](Options& o) { o.page_size = 3000; }},
      {"memtable_bytes", [](Options& o) { o.memtable_bytes = 1000; }},
      {"wal_segment_bytes", [](Options& o) { o.wal_segment_bytes = 5000; }},
      {"wal_max_writes_in_flight", [](Options& o) { o.wal_max_writes_in_flight = 0; }},
      {"wal_max_writes_in_flight", [](Options& o) { o.wal_max_writes_in_flight = 65; }},
  };
  for (const Case& c : cases) {
    Options o = SmallOptions(GetParam());
    c.set(o);
    auto db = DB::Open(o, path());
    ASSERT_FALSE(db.ok()) << c.name;
    EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument) << db.status();
    EXPECT_THAT(std::string(db.status().message()), HasSubstr(c.name));
  }
  EXPECT_FALSE(std::filesystem::exists(path())) << "a refused open creates nothing";
}

TEST_P(DbTest, SecondOpenIsRefusedNamingTheLock) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  auto again = DB::Open(SmallOptions(GetParam()), path());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr(path() + "/LOCK"));
  ASSERT_TRUE(db->Close().ok());
  auto after = DB::Open(SmallOptions(GetParam()), path());
  EXPECT_TRUE(after.ok()) << after.status();
}

TEST_P(DbTest, MissingForeignAndNewerDatabasesAreClearErrors) {
  Options o = SmallOptions(GetParam());
  o.create_if_missing = false;
  auto missing = DB::Open(o, path());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  // A plain file where the database should be.
  ringkv::testing::WriteFileOrDie(dir_.Join("file"), "hello");
  auto file = DB::Open(SmallOptions(GetParam()), dir_.Join("file"));
  EXPECT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("not a directory"));
  // A directory whose MANIFEST is not ours.
  ASSERT_EQ(::mkdir(dir_.Join("foreign").c_str(), 0755), 0);
  ringkv::testing::WriteFileOrDie(dir_.Join("foreign/MANIFEST"), "definitely not a manifest");
  auto foreign = DB::Open(SmallOptions(GetParam()), dir_.Join("foreign"));
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(foreign.status().message()), HasSubstr("not a ringkv MANIFEST"));
  // A database written by a newer format version.
  {
    auto db = Open();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Put({}, "k", "v").ok());
  }
  std::string m = ringkv::testing::ReadFileOrDie(path() + "/MANIFEST");
  m[8] = 9;  // version field
  ringkv::testing::WriteFileOrDie(path() + "/MANIFEST", m);
  auto newer = DB::Open(SmallOptions(GetParam()), path());
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(newer.status().message()), HasSubstr("version 9"));
  o.create_if_missing = true;
  o.error_if_exists = true;
  EXPECT_EQ(DB::Open(o, dir_.Join("foreign")).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(DbTest, ConcurrentReadersAndWriters) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 200; ++i) {
        // Each writer owns its keys, and writes increasing values.
        if (!db->Put(WriteOptions{.sync = i % 10 == 0}, absl::StrCat("w", w, "-", i % 50),
                     absl::StrCat(i))
                 .ok()) {
          errors++;
        }
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!stop) {
        auto it = db->NewIterator({});
        std::string prev;
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          if (!prev.empty() && !(prev < it->key())) errors++;
          prev = std::string(it->key());
        }
      }
    });
  }
  for (int i = 0; i < 4; ++i) threads[i].join();
  stop = true;
  for (size_t i = 4; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(errors.load(), 0);
  for (int w = 0; w < 4; ++w) EXPECT_EQ(*db->Get({}, absl::StrCat("w", w, "-49")), "199");
}

// Writers queue behind one leader that applies their batches as a group: with many threads,
// every write returns OK exactly once, batches stay whole, and all of it survives a reopen.
TEST_P(DbTest, ManyConcurrentWritersAreAllAppliedAndSurviveReopen) {
  constexpr int kThreads = 16;
  constexpr int kWrites = 60;
  {
    auto db = Open();
    ASSERT_NE(db, nullptr);
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kWrites; ++i) {
          WriteBatch b;
          b.Put(absl::StrCat("t", t, "-", i), absl::StrCat("v", i));
          if (i % 3 == 0) b.Put(absl::StrCat("t", t, "-pair-", i), absl::StrCat("p", i));
          if (i % 7 == 6) b.Delete(absl::StrCat("t", t, "-", i - 1));
          if (!db->Write(WriteOptions{.sync = i % 4 != 0}, b).ok()) errors++;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(errors.load(), 0);
    auto groups = db->GetProperty("ringkv.wal.records");
    ASSERT_TRUE(groups.ok());
    EXPECT_EQ(*groups, absl::StrCat(kThreads * kWrites)) << "one log record per write";
  }
  auto db = Open();
  ASSERT_NE(db, nullptr);
  Model model;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWrites; ++i) {
      model[absl::StrCat("t", t, "-", i)] = absl::StrCat("v", i);
      if (i % 3 == 0) model[absl::StrCat("t", t, "-pair-", i)] = absl::StrCat("p", i);
      if (i % 7 == 6) model.erase(absl::StrCat("t", t, "-", i - 1));
    }
  }
  ExpectEqual(*db, model);
}

// The last sync writes return and the database is destroyed at once, while the thread that
// woke those writers may still be finishing its work for the log (ASan sees a use after free).
TEST_P(DbTest, DestroyedRightAfterTheLastSyncWritesReturn) {
  constexpr int kRounds = 25;
  constexpr int kThreads = 6;
  constexpr int kWrites = 8;
  for (int round = 0; round < kRounds; ++round) {
    auto db = Open();
    ASSERT_NE(db, nullptr);
    std::vector<std::thread> threads;
    std::atomic<int> errors{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kWrites; ++i) {
          if (!db->Put({}, absl::StrCat("r", round, "-t", t, "-", i), "v").ok()) errors++;
        }
      });
    }
    for (auto& th : threads) th.join();
    db.reset();
    ASSERT_EQ(errors.load(), 0);
  }
  auto db = Open();
  ASSERT_NE(db, nullptr);
  Model model;
  for (int round = 0; round < kRounds; ++round) {
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kWrites; ++i) model[absl::StrCat("r", round, "-t", t, "-", i)] = "v";
    }
  }
  ExpectEqual(*db, model);
}

// Scans over many leaves (on the pread path they prefetch the leaves ahead) while checkpoints
// rewrite, free and reuse pages: every scan sees its own consistent state, in order, whole.
TEST_P(DbTest, ScansAcrossManyLeavesWhileCheckpointsReusePages) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  constexpr int kKeys = 3000;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions{.sync = false}, absl::StrFormat("k%05d", i), "0").ok());
  }
  ASSERT_TRUE(db->Checkpoint().ok());
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::thread writer([&] {
    for (int round = 1; round <= 4; ++round) {
      // Every key gets the round's value in one batch: a scan sees one round for all keys.
      WriteBatch b;
      for (int i = 0; i < kKeys; ++i) b.Put(absl::StrFormat("k%05d", i), absl::StrCat(round));
      if (!db->Write(WriteOptions{.sync = false}, b).ok()) errors++;
      if (!db->Checkpoint().ok()) errors++;
    }
    stop = true;
  });
  int scans = 0;
  while (!stop || scans < 3) {
    auto it = db->NewIterator({});
    int n = 0;
    std::string value;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
      if (it->key() != absl::StrFormat("k%05d", n)) {
        errors++;
        break;
      }
      if (n == 0) value = std::string(it->value());
      if (it->value() != value) errors++;
    }
    if (!it->status().ok() || n != kKeys) errors++;
    ++scans;
  }
  writer.join();
  EXPECT_EQ(errors.load(), 0);
  auto report = db->VerifyIntegrity();
  EXPECT_TRUE(report.ok()) << report.status();
}

// Checkpoints in one-page steps (each step published on its own) over rounds that overwrite
// every key: the content matches the model across reopens, and the page file stops growing once
// the first round has shaped the tree — each round reuses the pages the last one freed.
TEST_P(DbTest, SteppedCheckpointsOfOverwritesReusePagesAndKeepEveryKey) {
  Options o = SmallOptions(GetParam());
  o.checkpoint_step_bytes = 4096;
  const auto page_count = [](DB& db) {
    auto p = db.GetProperty("ringkv.pages.count");
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::stoull(*p) : 0;
  };
  Model model;
  std::vector<uint64_t> counts;
  for (int round = 0; round < 6; ++round) {
    auto db = DB::Open(o, path());
    ASSERT_TRUE(db.ok()) << db.status();
    ExpectEqual(**db, model);
    WriteBatch b;
    for (int i = 0; i < 4000; ++i) {
      const std::string k = absl::StrFormat("key%06d", (i * 7919) % 4000);
      const std::string v = absl::StrCat(round, "-", std::string(40 + (i + round) % 60, 'v'));
      b.Put(k, v);
      model[k] = v;
    }
    ASSERT_TRUE((*db)->Write(WriteOptions{.sync = false}, b).ok());
    ASSERT_TRUE((*db)->Checkpoint().ok());
    ExpectEqual(**db, model);
    counts.push_back(page_count(**db));
    auto free_pages = (*db)->GetProperty("ringkv.pages.free");
    ASSERT_TRUE(free_pages.ok());
    // A step at a time needs room for a step, not for a second copy of the tree.
    EXPECT_LE(std::stoull(*free_pages) * 4, counts.back())
        << "round " << round << ": " << *free_pages << " of " << counts.back() << " pages free";
    auto report = (*db)->VerifyIntegrity();
    EXPECT_TRUE(report.ok()) << report.status();
  }
  // Rounds after the first two (which grow the tree to its size) add no pages beyond a step.
  for (size_t r = 3; r < counts.size(); ++r) {
    EXPECT_LE(counts[r], counts[2] + 8) << "round " << r << ": " << counts[r] << " pages";
  }
}

// Waits until no checkpoint or merge of runs is under way (what the test looks at next is what
// they left), or fails the test after a minute.
void AwaitBackgroundWork(DB& db) {
  for (int i = 0; i < 60000; ++i) {
    auto running = db.GetProperty("ringkv.checkpoint.running");
    ASSERT_TRUE(running.ok()) << running.status();
    if (*running == "0") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  FAIL() << "a checkpoint still runs after a minute";
}

// A tree many memtables large (so checkpoints write sorted runs), then half its keys deleted
// and a checkpoint: as many new keys inserted after it fit in the pages the deletions freed,
// so the page file ends about as large as it was before the deletions, not half again larger.
TEST_P(DbTest, DeletingHalfTheKeysLetsTheNextInsertsReuseTheirPages) {
  Options o = SmallOptions(GetParam());
  o.checkpoint_step_bytes = 16 << 10;
  const auto page_count = [](DB& db) {
    auto p = db.GetProperty("ringkv.pages.count");
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::stoull(*p) : 0;
  };
  constexpr int kKeys = 6000;
  Model model;
  // Puts prefix + i for every i below kKeys with i % every == 0, in a scattered order, then
  // checkpoints and waits for what the checkpoint started.
  const auto put = [&model](DB& db, const std::string& prefix, int every) {
    WriteBatch b;
    for (int n = 0; n < kKeys; ++n) {
      const int i = (n * 7919) % kKeys;
      if (i % every != 0) continue;
      const std::string k = absl::StrFormat("%s%06d", prefix, i);
      const std::string v(80 + i % 40, static_cast<char>('a' + i % 26));
      b.Put(k, v);
      model[k] = v;
      if (b.Count() == 200) {
        ASSERT_TRUE(db.Write(WriteOptions{.sync = false}, b).ok());
        b.Clear();
      }
    }
    ASSERT_TRUE(db.Write(WriteOptions{.sync = false}, b).ok());
    ASSERT_TRUE(db.Checkpoint().ok());
    AwaitBackgroundWork(db);
  };
  auto db = DB::Open(o, path());
  ASSERT_TRUE(db.ok()) << db.status();
  put(**db, "a", 1);
  const uint64_t full = page_count(**db);
  WriteBatch deletes;
  for (int i = 0; i < kKeys; i += 2) {
    deletes.Delete(absl::StrFormat("a%06d", i));
    model.erase(absl::StrFormat("a%06d", i));
  }
  ASSERT_TRUE((*db)->Write(WriteOptions{.sync = false}, deletes).ok());
  ASSERT_TRUE((*db)->Checkpoint().ok());
  AwaitBackgroundWork(**db);
  // The deletions were merged: the tree gave their pages back.
  auto runs = (*db)->GetProperty("ringkv.runs.count");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(*runs, "0");
  put(**db, "b", 2);
  ExpectEqual(**db, model);
  const uint64_t after = page_count(**db);
  EXPECT_LE(after, full + full / 8) << "before the deletions " << full << " pages";
  auto report = (*db)->VerifyIntegrity();
  EXPECT_TRUE(report.ok()) << report.status();
}

// A child writes with sync=true and reports each acknowledged key; the parent kills it at a
// random moment and must find every reported key after reopening.
TEST_P(DbTest, SigkilledWriterLosesNoAcknowledgedKey) {
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto db = DB::Open(SmallOptions(GetParam()), path());
      if (!db.ok()) _exit(2);
      for (int i = 0;; ++i) {
        const std::string key = absl::StrCat("r", round, "-", i);
        if (!(*db)->Put({}, key, key + "-value").ok()) _exit(3);
        const std::string line = key + "\n";
        if (::write(fds[1], line.data(), line.size()) < 0) _exit(4);
      }
    }
    ::close(fds[1]);
    // Kill at a moment after the first acknowledgement (however slow the machine is to get
    // there), while the child keeps writing.
    std::string acked;
    char buf[4096];
    while (acked.find('\n') == std::string::npos) {
      const ssize_t n = ::read(fds[0], buf, sizeof(buf));
      if (n <= 0) break;  // the child died: the checks below say so
      acked.append(buf, n);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + 40 * round));
    ::kill(pid, SIGKILL);
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) acked.append(buf, n);
    ::close(fds[0]);
    int status;
    ::waitpid(pid, &status, 0);
    auto db = Open();
    ASSERT_NE(db, nullptr);
    size_t count = 0;
    for (size_t start = 0, end; (end = acked.find('\n', start)) != std::string::npos;
         start = end + 1, ++count) {
      const std::string key = acked.substr(start, end - start);
      auto v = db->Get({}, key);
      ASSERT_TRUE(v.ok()) << "acknowledged " << key << " lost: " << v.status();
      EXPECT_EQ(*v, key + "-value");
    }
    EXPECT_GT(count, 0u) << "the child acknowledged nothing before the kill";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, DbTest,
    ::testing::Values(Config{IoBackendKind::kUring, ReadPath::kMmap},
                      Config{IoBackendKind::kUring, ReadPath::kPread},
                      Config{IoBackendKind::kPosix, ReadPath::kMmap},
                      Config{IoBackendKind::kPosix, ReadPath::kPread},
                      Config{IoBackendKind::kUring, ReadPath::kMmap, 64 << 10}),
    [](const ::testing::TestParamInfo<Config>& info) {
      return absl::StrCat(info.param.backend == IoBackendKind::kPosix ? "Posix" : "Uring",
                          info.param.read_path == ReadPath::kMmap ? "Mmap" : "Pread",
                          info.param.memory_limit_bytes != 0 ? "NoReadahead" : "");
    });

}  // namespace
}  // namespace ringkv
