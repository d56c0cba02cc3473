// The page store on disk, on both read paths and both backends: pages round-trip, a flipped
// byte is caught by the read on either path (the mapped path checksums a page before its first
// use, and again once a checkpoint rewrote its slot), a missing or truncated page file is an
// error at open (it was a SIGBUS), the mapping stays valid while the file grows, freed pages
// come back only after publication and unpinning, and every kind of MANIFEST damage gets its
// own error.
#include "pagestore/page_store.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pagestore/manifest.h"
#include "uring/fault_injecting_backend.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"

namespace ringkv::pagestore {
namespace {

using ::ringkv::testing::BackendParam;
using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;
using ::testing::HasSubstr;

struct Param {
  io::BackendKind backend;
  bool mmap;
};

std::string Payload(uint64_t id, size_t size, char salt = 'a') {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(salt + (id * 31 + i) % 23);
  return s;
}

absl::Span<const uint8_t> Bytes(const std::string& s) {
  return absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

class PageStoreTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(BackendParam{GetParam().backend, false});
    ASSERT_NE(io_, nullptr);
  }
  std::unique_ptr<PageStore> Open(uint32_t page_size = 4096) {
    PageStoreOptions o;
    o.page_size = page_size;
    o.use_mmap = GetParam().mmap;
    o.cache_bytes = 64 << 10;
    auto s = PageStore::Open(*io_, dir_.path(), o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Writes `n` new pages in one checkpoint; returns their ids.
  std::vector<uint64_t> WritePages(PageStore& s, int n, uint64_t lsn, char salt = 'a') {
    std::vector<uint64_t> ids;
    for (int i = 0; i < n; ++i) {
      auto id = s.Allocate();
      EXPECT_TRUE(id.ok());
      ids.push_back(*id);
      EXPECT_TRUE(s.Stage(*id, 1, Bytes(Payload(*id, s.payload_size(), salt))).ok());
    }
    EXPECT_TRUE(s.Commit(ids.empty() ? kNoRoot : ids[0], lsn).ok());
    return ids;
  }
  TempDir dir_;
  std::unique_ptr<io::IoBackend> io_;
};

TEST_P(PageStoreTest, PagesRoundTripAcrossReopen) {
  std::vector<uint64_t> ids;
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    ids = WritePages(*s, 300, 77);
    auto v = s->Current();
    EXPECT_EQ(v->checkpoint_lsn(), 77u);
    EXPECT_EQ(v->root(), ids[0]);
    for (uint64_t id : ids) {
      auto p = v->Read(id);
      ASSERT_TRUE(p.ok()) << p.status();
      ASSERT_EQ(std::string(reinterpret_cast<const char*>(p->payload), p->size),
                Payload(id, s->payload_size()));
    }
  }
  auto s = Open();
  ASSERT_NE(s, nullptr);
  auto v = s->Current();
  EXPECT_EQ(v->generation(), 1u);
  EXPECT_EQ(v->page_count(), 300u);
  for (uint64_t id : ids) {
    auto p = v->Read(id);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_EQ(std::memcmp(p->payload, Payload(id, s->payload_size()).data(), p->size), 0);
  }
  EXPECT_FALSE(v->Read(300).ok()) << "beyond the version's pages";
  EXPECT_TRUE(s->Verify().ok());
}

// A checkpoint larger than the batch the store writes ahead of Commit: its pages reach the file
// while it is staged, and an Abort afterwards leaves the published version as it was.
TEST_P(PageStoreTest, LargeCheckpointsWriteAheadAndAnAbortLeavesThePublishedVersion) {
  constexpr int kPages = 2500;  // a few write-ahead batches
  std::vector<uint64_t> ids;
  const auto expect_first_checkpoint = [&](PageStore& s) {
    auto v = s.Current();
    EXPECT_EQ(v->page_count(), static_cast<uint64_t>(kPages));
    for (uint64_t id : ids) {
      auto p = v->Read(id);
      ASSERT_TRUE(p.ok()) << p.status();
      ASSERT_EQ(std::memcmp(p->payload, Payload(id, s.payload_size()).data(), p->size), 0);
    }
  };
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    ids = WritePages(*s, kPages, 10);
    // A second, larger checkpoint that fails before Commit.
    for (int i = 0; i < kPages + 500; ++i) {
      auto id = s->Allocate();
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE(s->Stage(*id, 1, Bytes(Payload(*id, s->payload_size(), 'q'))).ok());
    }
    s->Abort();
    expect_first_checkpoint(*s);
  }
  auto s = Open();
  ASSERT_NE(s, nullptr);
  expect_first_checkpoint(*s);
  EXPECT_TRUE(s->Verify().ok());
}

// While a thread waits for a durable log write on the same backend, a checkpoint writes its
// pages in small pieces (each one a flush of that waiter must carry) and still completes;
// without one it writes whole runs of pages at once.
TEST_P(PageStoreTest, CheckpointWritesArePiecesWhileASyncWriteWaits) {
  io::FaultInjectingBackend recorder(*io_);
  absl::Mutex mu;
  uint64_t largest = 0;
  recorder.SetFault([&](const io::Op& op) {
    if (op.type == io::OpType::kWrite) {
      absl::MutexLock lock(&mu);
      largest = std::max(largest, op.len);
    }
    return 0;
  });
  PageStoreOptions o;
  o.use_mmap = GetParam().mmap;
  auto s = PageStore::Open(recorder, dir_.path(), o);
  ASSERT_TRUE(s.ok()) << s.status();
  constexpr int kPages = 600;
  const auto checkpoint = [&](uint64_t lsn, char salt) {
    {
      absl::MutexLock lock(&mu);
      largest = 0;
    }
    std::vector<uint64_t> ids = WritePages(**s, kPages, lsn, salt);
    absl::MutexLock lock(&mu);
    return largest;
  };
  EXPECT_GT(checkpoint(1, 'a'), io::ForegroundWrites::kSmallWriteBytes);
  uint64_t while_waiting;
  {
    io::ForegroundWait waiting(recorder.foreground_writes());
    while_waiting = checkpoint(2, 'b');
  }
  EXPECT_GT(while_waiting, 0u);
  EXPECT_LE(while_waiting, io::ForegroundWrites::kSmallWriteBytes);
  EXPECT_EQ((*s)->Current()->page_count(), 2u * kPages);
  EXPECT_TRUE((*s)->Verify().ok());
}

TEST_P(PageStoreTest, FlippedByteIsCaught) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    WritePages(*s, 10, 1);
  }
  std::string file = ReadFileOrDie(dir_.Join("pages.db"));
  file[5 * 4096 + 100] ^= 0x10;
  WriteFileOrDie(dir_.Join("pages.db"), file);
  auto s = Open();
  ASSERT_NE(s, nullptr);
  absl::Status verify = s->Verify();
  EXPECT_EQ(verify.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(verify.message()), HasSubstr("page 5"));
  EXPECT_THAT(std::string(verify.message()), HasSubstr("offset 20480"));
  auto p = s->Current()->Read(5);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("checksum"));
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("offset 20480"));
  EXPECT_TRUE(s->Current()->Read(4).ok());
}

// A page read once through the mapping is not checksummed again; a checkpoint that rewrites
// its slot clears that, so the slot's new bytes are checked on their first read too.
TEST_P(PageStoreTest, ARewrittenSlotIsChecksummedAgainOnItsNextRead) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> old = WritePages(*s, 8, 1);
  ASSERT_TRUE(s->Current()->Read(old[3]).ok());  // verified once
  for (uint64_t id : old) s->Free(id);
  WritePages(*s, 8, 2, 'k');  // frees them once published and unpinned
  std::vector<uint64_t> third = WritePages(*s, 8, 3, 'q');
  ASSERT_NE(std::find(third.begin(), third.end(), old[3]), third.end()) << "the slot is reused";
  // Damage the rewritten slot behind the store's back (the mapping sees the file's bytes).
  std::string file = ReadFileOrDie(dir_.Join("pages.db"));
  file[old[3] * 4096 + 200] ^= 0x04;
  WriteFileOrDie(dir_.Join("pages.db"), file);
  auto p = s->Current()->Read(old[3]);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kDataLoss) << "served unchecked bytes";
}

// Regression: a database whose page file was deleted or truncated was opened anyway (the
// file recreated empty, or mapped short), and its first read died of SIGBUS.
TEST_P(PageStoreTest, MissingOrTruncatedPageFileIsAnErrorNotASigbus) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    WritePages(*s, 10, 1);
  }
  const std::string path = dir_.Join("pages.db");
  std::string file = ReadFileOrDie(path);
  file.resize(9 * 4096 + 100);
  WriteFileOrDie(path, file);
  PageStoreOptions o;
  o.use_mmap = GetParam().mmap;
  auto truncated = PageStore::Open(*io_, dir_.path(), o);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr(path + " is truncated"));
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("page 9 at offset 36864"));
  ASSERT_TRUE(std::filesystem::remove(path));
  auto missing = PageStore::Open(*io_, dir_.path(), o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(path + " is missing"));
  EXPECT_FALSE(std::filesystem::exists(path)) << "not recreated";
}

TEST_P(PageStoreTest, ReadersKeepValidPointersWhileTheFileGrows) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> first = WritePages(*s, 4, 1);
  auto v = s->Current();
  auto p = v->Read(first[1]);
  ASSERT_TRUE(p.ok());
  const std::string before(reinterpret_cast<const char*>(p->payload), p->size);
  for (int round = 0; round < 5; ++round) WritePages(*s, 400, 2 + round);  // grows many times
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p->payload), p->size), before);
  EXPECT_GE(s->Current()->page_count(), 2004u);
}

TEST_P(PageStoreTest, FreedPagesAreReusedOnlyAfterPublicationAndUnpinning) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> old = WritePages(*s, 8, 1);
  auto pinned = s->Current();  // a reader of generation 1
  // The next checkpoint frees the old pages.
  for (uint64_t id : old) s->Free(id);
  std::vector<uint64_t> second = WritePages(*s, 8, 2, 'k');
  for (uint64_t id : second) {
    EXPECT_EQ(std::count(old.begin(), old.end(), id), 0) << "reused before publication";
  }
  // Published, but still pinned: not yet reusable.
  std::vector<uint64_t> third = WritePages(*s, 8, 3, 'q');
  for (uint64_t id : third) EXPECT_EQ(std::count(old.begin(), old.end(), id), 0) << id;
  // The pinned reader still sees its bytes.
  auto p = pinned->Read(old[0]);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::memcmp(p->payload, Payload(old[0], s->payload_size()).data(), p->size), 0);
  pinned.reset();
  std::vector<uint64_t> fourth = WritePages(*s, 8, 4, 'z');
  std::set<uint64_t> reused(fourth.begin(), fourth.end());
  int hits = 0;
  for (uint64_t id : old) hits += reused.count(id);
  EXPECT_EQ(hits, 8) << "once unpinned, freed pages are reused before the file grows";
  // And the free list survives a restart.
  for (uint64_t id : fourth) s->Free(id);
  ASSERT_TRUE(s->Commit(kNoRoot, 5).ok());
  s.reset();
  s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->stats().free_pages, 8u) << "the eight pages freed last";
}

// Free pages take no disk space once given back: their blocks are punched out of the file, the
// pages in use read as before (across a reopen too), free pages that kept their blocks are
// reused first, and the holes are reused before the file grows.
TEST_P(PageStoreTest, FreePagesGiveTheirBlocksBackAndAreReusedLast) {
  const auto allocated = [&]() -> uint64_t {
    struct stat st;
    EXPECT_EQ(::stat((std::filesystem::path(dir_.path()) / "pages.db").c_str(), &st), 0);
    return static_cast<uint64_t>(st.st_blocks) * 512;
  };
  auto s = Open();
  ASSERT_NE(s, nullptr);
  const std::vector<uint64_t> first = WritePages(*s, 2000, 1);
  const uint64_t before = allocated();
  // Keep the last 500, free the rest (and write one page, the new root).
  for (size_t i = 0; i < 1500; ++i) s->Free(first[i]);
  std::vector<uint64_t> kept(first.begin() + 1500, first.end());
  const std::vector<uint64_t> root = WritePages(*s, 1, 2, 'r');
  ASSERT_TRUE(s->ReleaseFreeSpace().ok());
  const uint64_t after = allocated();
  EXPECT_LE(after + 1500 * 4096 * 9 / 10, before) << before << " bytes before, " << after << " after";
  EXPECT_EQ(s->stats().free_pages, 1500u);
  const auto expect_pages = [&](PageStore& store, const std::vector<uint64_t>& ids, char salt) {
    auto v = store.Current();
    for (uint64_t id : ids) {
      auto p = v->Read(id);
      ASSERT_TRUE(p.ok()) << p.status();
      ASSERT_EQ(std::memcmp(p->payload, Payload(id, store.payload_size(), salt).data(), p->size), 0)
          << id;
    }
  };
  expect_pages(*s, kept, 'a');
  // Ten more freed pages keep their blocks: the next ten pages written take them, not holes.
  const std::vector<uint64_t> ten(kept.begin(), kept.begin() + 10);
  kept.erase(kept.begin(), kept.begin() + 10);
  for (uint64_t id : ten) s->Free(id);
  WritePages(*s, 1, 3, 'x');  // publishes the frees; the pin of generation 2 is gone
  std::vector<uint64_t> next = WritePages(*s, 10, 4, 'n');
  std::sort(next.begin(), next.end());
  EXPECT_EQ(next, ten);
  // The holes before growth: the 1499 left (the page of generation 3 took one) fit the file as
  // it is.
  const uint64_t count = s->Current()->page_count();
  const std::vector<uint64_t> refill = WritePages(*s, 1499, 5, 'f');
  EXPECT_EQ(s->Current()->page_count(), count);
  expect_pages(*s, refill, 'f');
  expect_pages(*s, kept, 'a');
  EXPECT_TRUE(s->Verify().ok());
  s.reset();
  s = Open();
  ASSERT_NE(s, nullptr);
  expect_pages(*s, refill, 'f');
  expect_pages(*s, kept, 'a');
  EXPECT_TRUE(s->Verify().ok());
}

// Verify reads the version published when it starts while checkpoints go on: each one frees
// every page of the version before it, and the free pages are given back (punched) or reused at
// once unless a pin holds them. A Verify that did not pin its version read punched pages (all
// zeros) and reported them as damage (seen as a DataLoss of the engine's VerifyIntegrity on a
// loaded machine).
TEST_P(PageStoreTest, VerifyOfAVersionIsNotDisturbedByCheckpointsThatFreeItsPages) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> live = WritePages(*s, 64, 1);
  std::atomic<bool> done{false}, failed{false};
  std::atomic<int> verifies{0};
  absl::Status bad;  // read after the join
  std::thread verifier([&] {
    while (!done.load()) {
      bad = s->Verify();
      if (!bad.ok()) {
        failed = true;
        return;
      }
      verifies.fetch_add(1);
    }
  });
  // Enough checkpoints that several Verify calls overlap them, however the threads run.
  for (uint64_t lsn = 2; (lsn < 400 || verifies.load() < 20) && !failed.load(); ++lsn) {
    for (uint64_t id : live) s->Free(id);
    live = WritePages(*s, 64, lsn, static_cast<char>('a' + lsn % 20));
    ASSERT_TRUE(s->ReleaseFreeSpace().ok());
  }
  done = true;
  verifier.join();
  EXPECT_TRUE(bad.ok()) << bad;
}

// The old tree's frees are checked before anything is written: a damaged tree (on the mmap
// path pages are read without their checksum) must not publish a free list that hands one page
// out twice. The checkpoint is refused and aborted; the published version stays usable.
TEST_P(PageStoreTest, CommitRefusesAPageFreedTwice) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> old = WritePages(*s, 4, 1);
  s->Free(old[1]);
  s->Free(old[1]);
  absl::StatusOr<uint64_t> id = s->Allocate();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(s->Stage(*id, 1, Bytes(Payload(*id, s->payload_size()))).ok());
  absl::Status c = s->Commit(*id, 2);
  EXPECT_EQ(c.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(c.message()), HasSubstr(absl::StrCat("frees page ", old[1], " twice")));
  EXPECT_EQ(s->Current()->generation(), 1u) << "nothing was published";
  EXPECT_EQ(s->stats().pages_written, 4u) << "nothing was written";
  // The refused checkpoint was aborted: the next one starts clean.
  WritePages(*s, 2, 2);
  EXPECT_EQ(s->Current()->generation(), 2u);
  EXPECT_TRUE(s->Verify().ok());
}

TEST_P(PageStoreTest, CommitRefusesFreeingAFreePage) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> old = WritePages(*s, 4, 1);
  s->Free(old[3]);
  WritePages(*s, 1, 2);  // publishes old[3] as free (pending while generation 1 was pinned)
  s->Free(old[3]);
  absl::Status c = s->Commit(kNoRoot, 3);
  EXPECT_EQ(c.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(c.message()), HasSubstr(absl::StrCat("frees page ", old[3])));
  EXPECT_EQ(s->Current()->generation(), 2u);
}

TEST_P(PageStoreTest, CommitRefusesFreeingAPageBeyondTheFile) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  WritePages(*s, 4, 1);
  s->Free(4);
  absl::Status c = s->Commit(kNoRoot, 2);
  EXPECT_EQ(c.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(c.message()), HasSubstr("frees page 4 beyond the 4 pages"));
  EXPECT_EQ(s->Current()->generation(), 1u);
}

TEST_P(PageStoreTest, CommitRefusesFreeingAPageItReused) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> old = WritePages(*s, 4, 1);
  s->Free(old[2]);
  WritePages(*s, 1, 2);  // nothing pins generation 1: old[2] is reusable at once
  absl::StatusOr<uint64_t> id = s->Allocate();
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(*id, old[2]) << "the free page is reused first";
  ASSERT_TRUE(s->Stage(*id, 1, Bytes(Payload(*id, s->payload_size()))).ok());
  s->Free(old[2]);  // a damaged tree still reaching the page it freed
  absl::Status c = s->Commit(*id, 3);
  EXPECT_EQ(c.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(c.message()),
              HasSubstr(absl::StrCat("frees page ", old[2], ", which was free and is reused")));
  EXPECT_EQ(s->Current()->generation(), 2u);
}

TEST_P(PageStoreTest, ManifestDamageGetsSpecificErrors) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    WritePages(*s, 3, 9);
  }
  const std::string path = dir_.Join("MANIFEST");
  const std::string good = ReadFileOrDie(path);
  auto load = [&]() { return LoadManifest(*io_, dir_.path()).status(); };
  ASSERT_TRUE(load().ok());

  WriteFileOrDie(path, good.substr(0, 30));
  EXPECT_EQ(load().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(load().message()), HasSubstr("truncated"));

  std::string bad = good;
  bad[20] ^= 1;
  WriteFileOrDie(path, bad);
  EXPECT_THAT(std::string(load().message()), HasSubstr("checksum"));

  bad = good;
  bad[8] = 3;
  WriteFileOrDie(path, bad);
  EXPECT_EQ(load().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(load().message()), HasSubstr("version 3"));
  // A database of the format before sorted runs is named as such, with the version this reads.
  bad[8] = 1;
  WriteFileOrDie(path, bad);
  EXPECT_EQ(load().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(load().message()), HasSubstr("format version 1; this ringkv reads version 2"));

  WriteFileOrDie(path, "garbage that is long enough to be a manifest, but is not one at all");
  EXPECT_THAT(std::string(load().message()), HasSubstr("bad magic"));

  WriteFileOrDie(path, good);
  PageStoreOptions o;
  o.expected_page_size = 8192;
  auto wrong = PageStore::Open(*io_, dir_.path(), o);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("page size mismatch"));

  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_EQ(load().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(load().message()), HasSubstr(path));
}

// ReadPagesAsync, waited for.
absl::StatusOr<std::vector<PageView>> ReadPagesAsyncAndWait(const PageStore::PinnedPages& v,
                                                            const std::vector<uint64_t>& ids) {
  absl::Notification done;
  absl::StatusOr<std::vector<PageView>> result;
  v.ReadPagesAsync(ids, [&](absl::StatusOr<std::vector<PageView>> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

std::string Str(const PageView& p) {
  return std::string(reinterpret_cast<const char*>(p.payload), p.size);
}

TEST_P(PageStoreTest, BatchReadsReturnTheBytesOfSingleReadsAndOfTheOtherPath) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    WritePages(*s, 300, 1);
  }
  auto s = Open();
  ASSERT_NE(s, nullptr);
  // The other read path on the same file, for comparison.
  PageStoreOptions other_options;
  other_options.use_mmap = !GetParam().mmap;
  auto other = PageStore::Open(*io_, dir_.path(), other_options);
  ASSERT_TRUE(other.ok()) << other.status();
  auto v = s->Current();
  auto ov = (*other)->Current();
  // More pages than one chain carries, in random order, with repeats; more than the cache holds.
  std::vector<uint64_t> ids;
  for (uint64_t id = 0; id < 300; ++id) ids.push_back(id);
  ids.push_back(7);
  ids.push_back(299);
  std::shuffle(ids.begin(), ids.end(), std::mt19937_64(42));
  auto batch = v->ReadPages(ids);
  ASSERT_TRUE(batch.ok()) << batch.status();
  auto async = ReadPagesAsyncAndWait(*v, ids);
  ASSERT_TRUE(async.ok()) << async.status();
  auto other_batch = ov->ReadPages(ids);
  ASSERT_TRUE(other_batch.ok()) << other_batch.status();
  ASSERT_EQ(batch->size(), ids.size());
  ASSERT_EQ(async->size(), ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    auto single = v->Read(ids[k]);
    ASSERT_TRUE(single.ok()) << single.status();
    const std::string expected = Payload(ids[k], s->payload_size());
    ASSERT_EQ(Str(*single), expected) << "page " << ids[k];
    ASSERT_EQ(Str((*batch)[k]), expected) << "page " << ids[k];
    ASSERT_EQ(Str((*async)[k]), expected) << "page " << ids[k];
    ASSERT_EQ(Str((*other_batch)[k]), expected) << "page " << ids[k];
  }
  // A batch of cached pages (the pread path) or of mapped ones completes at once, too.
  auto again = ReadPagesAsyncAndWait(*v, {ids[0]});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Str((*again)[0]), Payload(ids[0], s->payload_size()));
  auto empty = v->ReadPages({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_P(PageStoreTest, CorruptPageInABatchIsNamedWithItsOffset) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    WritePages(*s, 10, 1);
  }
  std::string file = ReadFileOrDie(dir_.Join("pages.db"));
  file[5 * 4096 + 100] ^= 0x10;  // payload byte of page 5: only a checksum sees it
  file[7 * 4096 + 8] ^= 0x01;    // page id field of page 7: every path sees it
  WriteFileOrDie(dir_.Join("pages.db"), file);
  auto s = Open();
  ASSERT_NE(s, nullptr);
  auto v = s->Current();
  const std::vector<uint64_t> with5 = {3, 4, 5, 6};
  for (const auto& r : {v->ReadPages(with5), ReadPagesAsyncAndWait(*v, with5)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("page 5 "));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("offset 20480"));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("checksum"));
  }
  const std::vector<uint64_t> with7 = {8, 7, 1};
  for (const auto& r : {v->ReadPages(with7), ReadPagesAsyncAndWait(*v, with7)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("page 7 "));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("offset 28672"));
  }
  // The good pages of a failed batch are still readable.
  auto good = v->ReadPages({3, 4, 6, 8});
  EXPECT_TRUE(good.ok()) << good.status();
}

TEST_P(PageStoreTest, BatchReadsBeyondTheEndFailClearly) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    WritePages(*s, 300, 1);
  }
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    auto v = s->Current();
    const std::vector<uint64_t> ids = {1, 2, 300};
    for (const auto& r : {v->ReadPages(ids), ReadPagesAsyncAndWait(*v, ids)}) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("page 300 is beyond the 300 pages"));
    }
  }
  if (GetParam().mmap) return;  // a mapping past the end of a file faults; only pread can tell
  // A page file truncated behind the open store's back (Open refuses a short one:
  // MissingOrTruncatedPageFileIsAnErrorNotASigbus).
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::filesystem::resize_file(dir_.Join("pages.db"), 200 * 4096);
  auto v = s->Current();
  const std::vector<uint64_t> ids = {10, 250, 20};
  for (const auto& r : {v->ReadPages(ids), ReadPagesAsyncAndWait(*v, ids)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("page 250"));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("offset 1024000"));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("pages.db"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, PageStoreTest,
    ::testing::Values(Param{io::BackendKind::kUring, true}, Param{io::BackendKind::kUring, false},
                      Param{io::BackendKind::kPosix, true}, Param{io::BackendKind::kPosix, false}),
    [](const ::testing::TestParamInfo<Param>& info) {
      return absl::StrCat(info.param.backend == io::BackendKind::kPosix ? "Posix" : "Uring",
                          info.param.mmap ? "Mmap" : "Pread");
    });

}  // namespace
}  // namespace ringkv::pagestore
