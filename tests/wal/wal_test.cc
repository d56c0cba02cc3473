// The WAL on disk, on every backend: records of any size round-trip across segments, concurrent
// appenders are all acknowledged and replayed once in LSN order, torn tails replay the valid
// prefix, corruption mid-log is reported, recycled segments never replay stale records, a
// failed write fails every waiter, a reopened log continues at the right LSN, segment headers
// of an older format version are read while a newer one is refused, every kind of mid-log
// damage (flip, zeroed block, truncated or deleted segment) is corruption, and a fragment must
// carry its segment's generation.
#include "wal/wal.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cerrno>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"
#include "uring/fault_injecting_backend.h"
#include "base/coding.h"
#include "wal/log_reader.h"
#include "wal/segment_files.h"
#include "wal/wal_format.h"

namespace ringkv::wal {
namespace {

using ::ringkv::testing::AllBackends;
using ::ringkv::testing::BackendName;
using ::ringkv::testing::BackendParam;
using ::ringkv::testing::TempDir;
using ::testing::HasSubstr;

constexpr uint64_t kSegment = 256 << 10;

std::string Payload(uint64_t i, size_t len) {
  std::string s(len, '\0');
  std::mt19937_64 rng(i);
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class WalTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(GetParam());
    ASSERT_NE(io_, nullptr);
  }
  std::string dir() const { return dir_.Join("wal"); }

  std::unique_ptr<Wal> OpenWal(io::IoBackend& io, uint64_t min_lsn = 0,
                               std::vector<std::pair<uint64_t, std::string>>* out = nullptr,
                               uint64_t from = 0) {
    WalOptions o;
    o.segment_bytes = kSegment;
    auto w = Wal::Open(io, dir(), o, min_lsn);
    EXPECT_TRUE(w.ok()) << w.status();
    if (!w.ok()) return nullptr;
    absl::Status s = (*w)->Replay(from, [&](uint64_t lsn, std::string_view rec) {
      if (out != nullptr) out->emplace_back(lsn, std::string(rec));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return std::move(*w);
  }

  absl::Status ReplayAll(std::vector<std::pair<uint64_t, std::string>>* out, uint64_t from = 0) {
    WalOptions o;
    o.segment_bytes = kSegment;
    auto w = Wal::Open(*io_, dir(), o, 0);
    if (!w.ok()) return w.status();
    return (*w)->Replay(from, [&](uint64_t lsn, std::string_view rec) {
      out->emplace_back(lsn, std::string(rec));
      return absl::OkStatus();
    });
  }

  std::string SegmentPath(uint64_t n) const {
    char name[32];
    std::snprintf(name, sizeof(name), "/%016llx.log", static_cast<unsigned long long>(n));
    return dir() + name;
  }

  TempDir dir_;
  std::unique_ptr<io::IoBackend> io_;
};

TEST_P(WalTest, RecordsOfEverySizeRoundTripAcrossSegments) {
  std::vector<std::string> written;
  std::vector<uint64_t> lsns;
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    const size_t sizes[] = {0, 1, 7, 100, 4096, 4097, 70000, 300000, 3 << 20, 5, 0, 1000};
    uint64_t i = 0;
    for (size_t len : sizes) {
      written.push_back(Payload(i++, len));
      auto r = w->Append(written.back());
      ASSERT_TRUE(r.ok()) << r.status();
      lsns.push_back(r->start);
      EXPECT_GT(r->end, r->start);
      if (i % 3 == 0) {
        ASSERT_TRUE(w->WaitDurable(r->end).ok());
      }
    }
    ASSERT_TRUE(w->Flush().ok());
    EXPECT_GE(w->durable_lsn(), w->next_lsn());
    EXPECT_GT(w->next_lsn(), 3 * kSegment) << "the test should span several segments";
  }
  std::vector<std::pair<uint64_t, std::string>> got;
  ASSERT_TRUE(ReplayAll(&got).ok());
  ASSERT_EQ(got.size(), written.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, lsns[i]);
    EXPECT_EQ(got[i].second, written[i]) << "record " << i;
  }
  // Replay from a record boundary in the middle.
  got.clear();
  ASSERT_TRUE(ReplayAll(&got, lsns[7]).ok());
  ASSERT_EQ(got.size(), written.size() - 7);
  EXPECT_EQ(got[0].second, written[7]);
}

TEST_P(WalTest, ConcurrentAppendersAreAllAcknowledgedAndReplayedOnceInOrder) {
  constexpr int kThreads = 32;
  constexpr int kPerThread = 60;
  std::map<uint64_t, std::string> acked;
  absl::Mutex mu;
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    std::vector<std::thread> threads;
    std::atomic<int> errors{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string rec = absl::StrCat("t", t, "-", i, "-", std::string(i * 7 % 300, 'x'));
          auto r = w->Append(rec);
          if (!r.ok() || !w->WaitDurable(r->end).ok()) {
            errors++;
            continue;
          }
          absl::MutexLock l(&mu);
          acked[r->start] = rec;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(errors.load(), 0);
    const WalStats stats = w->stats();
    EXPECT_EQ(stats.records_appended, uint64_t{kThreads * kPerThread});
    EXPECT_GT(stats.durable_writes, 0u);
  }
  std::vector<std::pair<uint64_t, std::string>> got;
  ASSERT_TRUE(ReplayAll(&got).ok());
  ASSERT_EQ(got.size(), acked.size());
  auto it = acked.begin();
  for (const auto& [lsn, rec] : got) {
    EXPECT_EQ(lsn, it->first);
    EXPECT_EQ(rec, it->second);
    ++it;
  }
}

// Replay trusts its start to be a record boundary (a checkpoint LSN); one that is not must be
// reported, not taken for a torn tail (which would drop every record after it).
TEST_P(WalTest, ReplayFromInsideARecordIsDataLoss) {
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    ASSERT_TRUE(w->Append(Payload(1, 300000)).ok());  // more than one fragment holds
    ASSERT_TRUE(w->Append(Payload(2, 100)).ok());
    ASSERT_TRUE(w->Flush().ok());
  }
  const std::string seg0 = ringkv::testing::ReadFileOrDie(SegmentPath(0));
  const FragmentHeader first = DecodeFragmentHeader(seg0.data() + kSegmentHeaderBytes);
  ASSERT_EQ(first.type, FragmentType::kFirst);
  uint64_t second = AlignFragment(kFragmentHeaderBytes + first.length);
  if (DataBytes(kSegment) - second < kMinFragmentSpace) second = DataBytes(kSegment);

  std::vector<std::pair<uint64_t, std::string>> got;
  absl::Status s = ReplayAll(&got, second);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("must start at a record boundary"));
  EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("LSN ", second)));
  EXPECT_TRUE(got.empty());

  s = ReplayAll(&got, kFragmentAlign / 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("is not 8-byte aligned"));

  ASSERT_TRUE(ReplayAll(&got, 0).ok());
  EXPECT_EQ(got.size(), 2u);
}

TEST_P(WalTest, ReopenContinuesAtTheRightLsn) {
  uint64_t end1;
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(w->Append(Payload(i, 500)).ok());
    ASSERT_TRUE(w->Flush().ok());
    end1 = w->next_lsn();
  }
  std::vector<std::pair<uint64_t, std::string>> got;
  {
    auto w = OpenWal(*io_, 0, &got);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(got.size(), 10u);
    EXPECT_EQ(w->next_lsn(), end1);
    auto r = w->Append("after reopen");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->start, end1);
    ASSERT_TRUE(w->Flush().ok());
  }
  got.clear();
  ASSERT_TRUE(ReplayAll(&got).ok());
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got.back().second, "after reopen");
}

TEST_P(WalTest, TornTailReplaysTheValidPrefix) {
  std::vector<uint64_t> starts, ends;
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    for (int i = 0; i < 40; ++i) {
      auto r = w->Append(Payload(i, 150));
      ASSERT_TRUE(r.ok());
      starts.push_back(r->start);
      ends.push_back(r->end);
    }
    ASSERT_TRUE(w->Flush().ok());
  }
  const std::string path = SegmentPath(0);
  const std::string original = ringkv::testing::ReadFileOrDie(path);
  const uint64_t last_start = ends[ends.size() - 2];
  // Garble or zero every byte position of the last record's block, one at a time.
  const uint64_t block = last_start / 4096 * 4096;
  for (uint64_t pos = block; pos < ends.back(); pos += 13) {
    // Alignment padding between fragments carries no data; damage there changes nothing.
    size_t rec = 0;
    while (rec + 1 < starts.size() && starts[rec + 1] <= pos) ++rec;
    if (pos >= starts[rec] + kFragmentHeaderBytes + 150) continue;
    std::string damaged = original;
    damaged[kSegmentHeaderBytes + pos] ^= 0x5a;
    ringkv::testing::WriteFileOrDie(path, damaged);
    std::vector<std::pair<uint64_t, std::string>> got;
    absl::Status s = ReplayAll(&got);
    ASSERT_TRUE(s.ok()) << "at " << pos << ": " << s;
    // Every record that ends before the damage is there, in order, and nothing after it.
    size_t expect = 0;
    while (expect < ends.size() && ends[expect] <= pos) ++expect;
    ASSERT_EQ(got.size(), expect) << "damage at LSN " << pos;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].second, Payload(i, 150));
  }
  // Truncation at every offset of the last block.
  for (uint64_t cut = block; cut <= ends.back(); cut += 97) {
    std::string damaged = original.substr(0, kSegmentHeaderBytes + cut);
    damaged.resize(original.size(), '\0');
    ringkv::testing::WriteFileOrDie(path, damaged);
    std::vector<std::pair<uint64_t, std::string>> got;
    ASSERT_TRUE(ReplayAll(&got).ok()) << "cut at " << cut;
    size_t expect = 0;  // records whose bytes (padding aside) all lie before the cut
    while (expect < starts.size() && starts[expect] + kFragmentHeaderBytes + 150 <= cut) ++expect;
    ASSERT_EQ(got.size(), expect);
  }
}

TEST_P(WalTest, FlippedBitMidLogIsCorruption) {
  std::vector<uint64_t> starts;
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    // Enough records after the damage to lie beyond one write's reach (1 MiB).
    for (int i = 0; i < 800; ++i) {
      auto r = w->Append(Payload(i, 2000));
      ASSERT_TRUE(r.ok());
      starts.push_back(r->start);
    }
    ASSERT_TRUE(w->Flush().ok());
  }
  const std::string path = SegmentPath(0);
  std::string data = ringkv::testing::ReadFileOrDie(path);
  data[kSegmentHeaderBytes + starts[5] + 40] ^= 1;
  ringkv::testing::WriteFileOrDie(path, data);
  std::vector<std::pair<uint64_t, std::string>> got;
  absl::Status s = ReplayAll(&got);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), HasSubstr(path));
  EXPECT_THAT(std::string(s.message()), HasSubstr("checksum expected"));
  EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("offset ", kSegmentHeaderBytes + starts[5])));
  EXPECT_LE(got.size(), 5u) << "no record after the bad one may be returned";
}

TEST_P(WalTest, RecycledSegmentsNeverReplayStaleRecords) {
  uint64_t checkpoint;
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(w->Append(Payload(i, 1500)).ok());
    ASSERT_TRUE(w->Flush().ok());
    checkpoint = w->next_lsn();
    ASSERT_TRUE(w->DropBelow(checkpoint).ok());
    // New records go into recycled files that still hold the old bytes.
    for (int i = 0; i < 400; ++i) ASSERT_TRUE(w->Append(Payload(10000 + i, 1500)).ok());
    ASSERT_TRUE(w->Flush().ok());
  }
  std::vector<std::pair<uint64_t, std::string>> got;
  ASSERT_TRUE(ReplayAll(&got, checkpoint).ok());
  ASSERT_EQ(got.size(), 400u);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].second, Payload(10000 + i, 1500));
}

// Spare segments are kept for recycling while the log runs, and removed by the seal of a clean
// close: a closed database holds only the segments with records.
TEST_P(WalTest, ASealedLogKeepsNoSpareSegments) {
  const auto count = [&](bool retired) {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir())) {
      n += (e.path().filename().string().rfind("retired-", 0) == 0) == retired;
    }
    return n;
  };
  const auto spares = [&] { return count(true); };
  const auto segments = [&] { return count(false); };
  uint64_t from;
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(w->Append(Payload(i, 1500)).ok());
    ASSERT_TRUE(w->Flush().ok());
    ASSERT_TRUE(w->DropBelow(w->next_lsn()).ok());
    EXPECT_GT(spares(), 0);
    from = w->next_lsn();
    ASSERT_TRUE(w->Append(Payload(7, 100)).ok());
    // The segment in use and the one made ahead of it (by the allocator thread, in its time).
    for (int i = 0; i < 1000 && segments() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(segments(), 2);
    ASSERT_TRUE(w->Seal().ok());
    EXPECT_EQ(spares(), 0);
    EXPECT_EQ(segments(), 1);
    const absl::StatusOr<Wal::Range> late = w->Append(Payload(9, 100));
    EXPECT_TRUE(absl::IsFailedPrecondition(late.status())) << late.status();
  }
  // The records after the drop still replay, and the log goes on from there.
  std::vector<std::pair<uint64_t, std::string>> got;
  auto w = OpenWal(*io_, 0, &got, from);
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, Payload(7, 100));
  ASSERT_TRUE(w->Append(Payload(8, 100)).ok());
  ASSERT_TRUE(w->Flush().ok());
  // Appends go on past the segment the seal left alone: the next one is made again.
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(w->Append(Payload(i, 1500)).ok());
  ASSERT_TRUE(w->Flush().ok());
  w.reset();
  got.clear();
  w = OpenWal(*io_, 0, &got, from);
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(got.size(), 302u);
  EXPECT_EQ(got.back().second, Payload(299, 1500));
}

// When the records still needed start in an earlier segment, losing the last one would look
// like a log that ends sooner: the seal keeps the segment made ahead of it, and the loss is a
// gap replay refuses.
// That holds too when the last segment has so few records that the one ahead was not made yet.
TEST_P(WalTest, ASealedLogKeepsTheSegmentThatTellsItsLastOneWasLost) {
  const uint64_t data_bytes = DataBytes(kSegment);
  for (const uint64_t fill : {data_bytes / 2, data_bytes / 16}) {
    SCOPED_TRACE(fill);
    std::filesystem::remove_all(dir());
    uint64_t last = 0;
    {
      auto w = OpenWal(*io_);
      ASSERT_NE(w, nullptr);
      for (int i = 0; w->next_lsn() < data_bytes + fill; ++i) {
        ASSERT_TRUE(w->Append(Payload(i, 1500)).ok());
      }
      last = w->next_lsn() / data_bytes;
      ASSERT_EQ(last, 1u);
      ASSERT_TRUE(w->Seal().ok());
    }
    ASSERT_TRUE(std::filesystem::exists(SegmentPath(last + 1)));
    std::filesystem::remove(SegmentPath(last));
    std::vector<std::pair<uint64_t, std::string>> got;
    const absl::Status s = ReplayAll(&got);
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  }
}

// Damage in the middle of a log (more than a tear window of valid records after it) is
// corruption in every form it takes, never a quietly shorter log.
TEST_P(WalTest, EveryKindOfMidLogDamageIsCorruption) {
  for (const std::string kind : {"flip", "zero4k", "truncate", "delete"}) {
    SCOPED_TRACE(kind);
    std::filesystem::remove_all(dir());
    {
      auto w = OpenWal(*io_);
      ASSERT_NE(w, nullptr);
      for (int i = 0; i < 800; ++i) ASSERT_TRUE(w->Append(Payload(i, 2000)).ok());
      ASSERT_TRUE(w->Flush().ok());
    }
    const std::string path = SegmentPath(1);
    std::string data = ringkv::testing::ReadFileOrDie(path);
    if (kind == "flip") {
      data[kSegmentHeaderBytes + 5000] ^= 4;
    } else if (kind == "zero4k") {
      std::fill(data.begin() + 3 * 4096, data.begin() + 4 * 4096, '\0');
    } else if (kind == "truncate") {
      data.resize(kSegment / 2);
    }
    if (kind == "delete") {
      ASSERT_TRUE(std::filesystem::remove(path));
    } else {
      ringkv::testing::WriteFileOrDie(path, data);
    }
    std::vector<std::pair<uint64_t, std::string>> got;
    absl::Status s = ReplayAll(&got);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(path));
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].second, Payload(i, 2000));
  }
}

// The fragment's generation (low 16 bits of its segment's number) is checked on replay, so a
// fragment must name both its LSN and its segment; the LSN alone already rejects a recycled
// segment's stale bytes, which carry the LSNs of their earlier life.
TEST_P(WalTest, AFragmentMustNameItsLsnAndItsSegmentsGeneration) {
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    ASSERT_TRUE(w->Append("first").ok());
    ASSERT_TRUE(w->Flush().ok());
  }
  // A second record written by hand right after the first, valid but for its generation.
  const std::string path = SegmentPath(0);
  std::string data = ringkv::testing::ReadFileOrDie(path);
  const uint64_t lsn = AlignFragment(kFragmentHeaderBytes + 5);
  auto forge = [&](uint16_t generation, uint64_t stored_lsn) {
    FragmentHeader h;
    h.lsn = stored_lsn;
    h.length = 6;
    h.type = FragmentType::kFull;
    h.generation = generation;
    char* at = data.data() + kSegmentHeaderBytes + lsn;
    EncodeFragmentHeader(h, at);
    std::memcpy(at + kFragmentHeaderBytes, "second", 6);
    h.checksum = FragmentChecksum(at, std::string_view(at + kFragmentHeaderBytes, 6));
    EncodeFragmentHeader(h, at);
    ringkv::testing::WriteFileOrDie(path, data);
  };
  auto replayed = [&] {
    std::vector<std::pair<uint64_t, std::string>> got;
    EXPECT_TRUE(ReplayAll(&got).ok());
    return got.size();
  };
  forge(0, lsn);
  EXPECT_EQ(replayed(), 2u) << "the forged record is valid as written";
  forge(1, lsn);
  EXPECT_EQ(replayed(), 1u) << "another segment's generation";
  forge(0, lsn + kSegment);
  EXPECT_EQ(replayed(), 1u) << "another position's LSN";
}

TEST_P(WalTest, FailedWriteFailsEveryWaiterAndTheLogRefusesMore) {
  io::FaultInjectingBackend faulty(*io_);
  auto w = OpenWal(faulty);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->Append("before").ok());
  ASSERT_TRUE(w->Flush().ok());
  faulty.SetFault(io::FaultInjectingBackend::FailEvery(io::OpType::kWrite, EIO));
  auto r = w->Append("doomed");
  ASSERT_TRUE(r.ok());
  absl::Status s = w->WaitDurable(r->end);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("Input/output error"));
  faulty.ClearFault();
  // No retry and no later acknowledgement: the log stays failed.
  EXPECT_FALSE(w->Append("later").ok());
  EXPECT_FALSE(w->Flush().ok());
  absl::Notification n;
  w->WaitDurableAsync(r->end, [&](absl::Status st) {
    EXPECT_FALSE(st.ok());
    n.Notify();
  });
  n.WaitForNotification();
}

TEST_P(WalTest, AsyncWaitersCompleteWhenDurable) {
  auto w = OpenWal(*io_);
  ASSERT_NE(w, nullptr);
  std::atomic<int> done{0};
  absl::Notification all;
  for (int i = 0; i < 20; ++i) {
    auto r = w->Append(Payload(i, 50));
    ASSERT_TRUE(r.ok());
    w->WaitDurableAsync(r->end, [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      if (++done == 20) all.Notify();
    });
  }
  all.WaitForNotification();
  EXPECT_GE(w->durable_lsn(), w->next_lsn());
}

// Regression: a segment tail of exactly one header's length used to be read as the end of the
// log while the writer had skipped it, losing every record after it.
TEST_P(WalTest, SegmentTailTooShortForAFragmentIsSkippedByBoth) {
  const uint64_t data = DataBytes(kSegment);
  std::vector<std::string> records = {Payload(1, data - 2 * kFragmentHeaderBytes), "next",
                                      Payload(2, 10)};
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    auto r = w->Append(records[0]);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->end, data - kFragmentHeaderBytes) << "the test wants a 24-byte segment tail";
    ASSERT_TRUE(w->Append(records[1]).ok());
    ASSERT_TRUE(w->Append(records[2]).ok());
    ASSERT_TRUE(w->Flush().ok());
  }
  std::vector<std::pair<uint64_t, std::string>> got;
  ASSERT_TRUE(ReplayAll(&got).ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].first, data);
  EXPECT_EQ(got[1].second, "next");
}

// Segment headers carry a format version: a version-1 log (written before skip fragments
// existed) still replays; a version this build does not know is refused, naming the file,
// rather than misread.
TEST_P(WalTest, OlderFormatVersionReplaysAndNewerIsRefused) {
  {
    auto w = OpenWal(*io_);
    ASSERT_NE(w, nullptr);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(w->Append(Payload(i, 100)).ok());
    ASSERT_TRUE(w->Flush().ok());
  }
  auto set_version = [&](uint32_t version) {
    for (const auto& entry : std::filesystem::directory_iterator(dir())) {
      if (entry.path().extension() != ".log") continue;
      std::string block = ringkv::testing::ReadFileOrDie(entry.path().string());
      EncodeFixed32(block.data() + 8, version);
      EncodeFixed64(block.data() + 32, XXH3_64bits(block.data(), 32));
      ringkv::testing::WriteFileOrDie(entry.path().string(), block);
    }
  };
  set_version(1);
  std::vector<std::pair<uint64_t, std::string>> got;
  ASSERT_TRUE(ReplayAll(&got).ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].second, Payload(2, 100));

  set_version(kFormatVersion + 1);
  got.clear();
  absl::Status s = ReplayAll(&got);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(".log"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(absl::StrCat("format version ", kFormatVersion + 1)));
  EXPECT_TRUE(got.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, WalTest, AllBackends(), BackendName);

}  // namespace
}  // namespace ringkv::wal

namespace ringkv::wal {
namespace {

// With segments far larger than the log in them (as a reopen after a checkpoint sees), replay
// reads about the log it replays plus the torn-tail check's reach, not the whole segments; and a
// damaged record in the middle of such a segment is still found to be corruption.
class LargeSegmentReplayTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  static constexpr uint64_t kBigSegment = 32ull << 20;
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(GetParam());
    ASSERT_NE(io_, nullptr);
  }
  std::string dir() const { return dir_.Join("wal"); }
  std::vector<uint64_t> WriteRecords(int n, size_t len) {
    std::vector<uint64_t> starts;
    WalOptions o;
    o.segment_bytes = kBigSegment;
    auto w = Wal::Open(*io_, dir(), o, 0);
    EXPECT_TRUE(w.ok()) << w.status();
    EXPECT_TRUE((*w)->Replay(0, [](uint64_t, std::string_view) { return absl::OkStatus(); }).ok());
    for (int i = 0; i < n; ++i) {
      auto r = (*w)->Append(Payload(i, len));
      EXPECT_TRUE(r.ok());
      starts.push_back(r->start);
    }
    EXPECT_TRUE((*w)->Flush().ok());
    return starts;
  }
  absl::StatusOr<ReplayResult> Replay(size_t* records) {
    SegmentFiles files(*io_, dir(), kBigSegment);
    return ReplayLog(*io_, files, 0, [&](uint64_t, std::string_view) {
      ++*records;
      return absl::OkStatus();
    });
  }
  TempDir dir_;
  std::unique_ptr<io::IoBackend> io_;
};

TEST_P(LargeSegmentReplayTest, ReplayReadsTheLogNotTheWholeSegments) {
  WriteRecords(200, 1000);  // ~200 KiB of log in a 32 MiB segment
  size_t records = 0;
  absl::StatusOr<ReplayResult> r = Replay(&records);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(records, 200u);
  EXPECT_LT(r->bytes_read, kBigSegment / 4) << "read " << r->bytes_read << " bytes";
}

TEST_P(LargeSegmentReplayTest, DamageFollowedByValidRecordsIsCorruption) {
  const std::vector<uint64_t> starts = WriteRecords(1500, 2000);  // ~3 MiB
  const std::string path = dir() + "/0000000000000000.log";
  std::string data = ringkv::testing::ReadFileOrDie(path);
  data[kSegmentHeaderBytes + starts[3] + 30] ^= 1;
  ringkv::testing::WriteFileOrDie(path, data);
  size_t records = 0;
  absl::StatusOr<ReplayResult> r = Replay(&records);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("not a torn tail"));
  EXPECT_LE(records, 3u);
}

INSTANTIATE_TEST_SUITE_P(Backends, LargeSegmentReplayTest, AllBackends(), BackendName);

}  // namespace
}  // namespace ringkv::wal
