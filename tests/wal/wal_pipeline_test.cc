// Several group-commit writes in flight: a write that lands early is not acknowledged before
// the ones ahead of it; a crash that keeps a later write but loses an earlier one replays only
// the prefix (and the orphan never resurfaces after new appends); a failed write fails the
// waiters of every write after it; a lone writer never leaves blocks behind.
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"
#include "base/check.h"
#include "uring/wrapping_backend.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace ringkv::wal {
namespace {

using ::ringkv::testing::AllBackends;
using ::ringkv::testing::BackendName;
using ::ringkv::testing::BackendParam;
using ::ringkv::testing::TempDir;

constexpr uint64_t kSegment = 256 << 10;

// Holds every chain with a write that nobody blocks on (the group-commit writes of async
// waiters) while holding is on, so the test decides when (and in which order) each reaches
// the disk, or that it fails. Others (the segment allocator's, say) pass.
class HoldingBackend final : public io::WrappingBackend {
 public:
  using WrappingBackend::WrappingBackend;
  std::string_view name() const override { return "holding"; }

  void set_holding(bool on) {
    absl::MutexLock lock(&mu_);
    holding_ = on;
  }
  size_t held() {
    absl::MutexLock lock(&mu_);
    return held_.size();
  }
  // A write may reach the backend from another thread (the segment allocator submits one that
  // waited for its segment): waits, within reason, until `n` chains were held.
  bool WaitHeld(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(30));
  }
  // Lets every chain still held reach the disk (so a failed test can close its log).
  void ReleaseAll() {
    for (;;) {
      size_t i = 0;
      {
        absl::MutexLock lock(&mu_);
        holding_ = false;
        while (i < held_.size() && held_[i] == nullptr) ++i;
        if (i == held_.size()) return;
      }
      Release(i);
    }
  }

  io::Ticket Submit(io::Chain chain, io::Callback done, bool caller_waits) override {
    bool has_write = false;
    for (const io::Op& op : chain.ops()) has_write |= op.type == io::OpType::kWrite;
    auto outer = std::make_shared<io::PendingChain>();
    outer->completion.results.assign(chain.size(), -ECANCELED);
    outer->chain = std::move(chain);
    outer->callback = std::move(done);
    outer->self = outer;
    {
      absl::MutexLock lock(&mu_);
      if (holding_ && has_write && !caller_waits) {
        held_.push_back(outer.get());
        return outer;
      }
    }
    Forward(outer.get(), caller_waits);
    return outer;
  }

  // Lets held chain `i` (in submission order) reach the disk; returns once it completed.
  void Release(size_t i) {
    io::PendingChain* p = Take(i);
    io::Ticket keep = p->self;  // completing the chain drops its own reference
    Forward(p, true);
    inner().Wait(io::Ticket(p->inner));
  }
  // Completes held chain `i` with `err` on every op, as a failed device would.
  void Fail(size_t i, int err) {
    io::PendingChain* p = Take(i);
    p->completion.results.assign(p->chain.size(), -err);
    Complete(p);
  }

 private:
  io::PendingChain* Take(size_t i) {
    absl::MutexLock lock(&mu_);
    RINGKV_CHECK(i < held_.size() && held_[i] != nullptr);
    return std::exchange(held_[i], nullptr);
  }
  void Forward(io::PendingChain* p, bool caller_waits) {
    p->inner = inner().Submit(
        p->chain,
        [this, p](const io::Completion& c) {
          p->completion.results = c.results;
          Complete(p);
        },
        caller_waits);
  }
  void Complete(io::PendingChain* p) {
    DescribeCompletion(*p);
    if (p->callback) p->callback(p->completion);
    p->done = true;
    io::Ticket release = std::move(p->self);
  }

  absl::Mutex mu_;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<io::PendingChain*> held_ ABSL_GUARDED_BY(mu_);  // released ones are null
};

struct Ack {
  bool called = false;
  absl::Status status;
};

class WalPipelineTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(GetParam());
    ASSERT_NE(io_, nullptr);
    holding_ = std::make_unique<HoldingBackend>(*io_);
  }
  void TearDown() override {
    holding_.reset();
    io_.reset();
  }

  std::unique_ptr<Wal> Open(io::IoBackend& io, const std::string& dir,
                            std::vector<std::string>* replayed = nullptr) {
    WalOptions o;
    o.segment_bytes = kSegment;
    o.max_writes_in_flight = 4;
    auto w = Wal::Open(io, dir, o, 0);
    EXPECT_TRUE(w.ok()) << w.status();
    if (!w.ok()) return nullptr;
    absl::Status s = (*w)->Replay(0, [&](uint64_t, std::string_view rec) {
      if (replayed != nullptr) replayed->emplace_back(rec);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return std::move(*w);
  }

  // Appends `record` and asks for a callback once it is durable.
  void AppendAsync(Wal& w, const std::string& record, Ack* ack) {
    auto r = w.Append(record);
    ASSERT_TRUE(r.ok()) << r.status();
    w.WaitDurableAsync(r->end, [ack](absl::Status s) {
      ack->called = true;
      ack->status = s;
    });
  }

  // What a power loss at this moment would leave: a copy of the log directory.
  std::string CrashImage(const std::string& name) {
    const std::string image = dir_.Join(name);
    std::filesystem::create_directory(image);
    // The segment allocator may be renaming a new segment into place meanwhile: a file that
    // vanishes between listing and copying is skipped (a temp file is no part of the log).
    for (const auto& entry : std::filesystem::directory_iterator(dir_.Join("wal"))) {
      std::error_code ec;
      std::filesystem::copy_file(entry.path(), image + "/" + entry.path().filename().string(), ec);
      EXPECT_TRUE(!ec || ec == std::errc::no_such_file_or_directory) << ec.message();
    }
    return image;
  }

  TempDir dir_;
  std::unique_ptr<io::IoBackend> io_;
  std::unique_ptr<HoldingBackend> holding_;
};

TEST_P(WalPipelineTest, LaterWriteLandingFirstIsAcknowledgedOnlyAfterTheEarlierOne) {
  auto w = Open(*holding_, dir_.Join("wal"));
  ASSERT_NE(w, nullptr);
  absl::Cleanup release_held = [this] { holding_->ReleaseAll(); };  // before w closes
  // Durable before the test starts: the next write rewrites its block from the start, and
  // ends mid-block.
  auto zero = w->Append("zero");
  ASSERT_TRUE(zero.ok());
  ASSERT_TRUE(w->WaitDurable(zero->end).ok());
  holding_->set_holding(true);
  Ack one, two;
  AppendAsync(*w, "one", &one);
  AppendAsync(*w, "two", &two);
  // "two" did not wait for "one": it went on at the next block, in a write of its own.
  ASSERT_TRUE(holding_->WaitHeld(2));
  ASSERT_EQ(holding_->held(), 2u);
  EXPECT_EQ(w->stats().skips, 1u);

  holding_->Release(1);
  EXPECT_FALSE(two.called) << "acknowledged while an earlier write was still in flight";
  EXPECT_FALSE(one.called);
  const std::string lost_first = CrashImage("crash-later-landed");

  holding_->Release(0);
  ASSERT_TRUE(one.called);
  ASSERT_TRUE(two.called);
  EXPECT_TRUE(one.status.ok()) << one.status;
  EXPECT_TRUE(two.status.ok()) << two.status;
  const std::string both = CrashImage("crash-both-landed");
  holding_->set_holding(false);
  w.reset();

  std::vector<std::string> got;
  ASSERT_NE(Open(*io_, both, &got), nullptr);
  EXPECT_EQ(got, (std::vector<std::string>{"zero", "one", "two"}));

  // Only the later write reached the disk: recovery keeps the prefix, quietly. ("two" sits
  // behind a skip fragment that names where "one" ended, not where "zero" did.)
  got.clear();
  {
    auto recovered = Open(*io_, lost_first, &got);
    ASSERT_NE(recovered, nullptr);
    EXPECT_EQ(got, (std::vector<std::string>{"zero"}));
    // Ends where "one" did: without the wipe on reopen, the stale skip would lead to "two".
    auto r = recovered->Append("six");
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(recovered->WaitDurable(r->end).ok());
  }
  // The orphaned "two" was wiped when the log reopened; it never comes back after "six".
  got.clear();
  ASSERT_NE(Open(*io_, lost_first, &got), nullptr);
  EXPECT_EQ(got, (std::vector<std::string>{"zero", "six"}));
}

// A waiter for durability counts as a foreground wait on the backend (the checkpoint then
// writes small pieces) from the moment it asks until it is answered, and no longer.
TEST_P(WalPipelineTest, AWaiterForDurabilityIsAForegroundWaitUntilAnswered) {
  auto w = Open(*holding_, dir_.Join("wal"));
  ASSERT_NE(w, nullptr);
  absl::Cleanup release_held = [this] { holding_->ReleaseAll(); };  // before w closes
  io::ForegroundWrites& foreground = holding_->foreground_writes();
  EXPECT_EQ(foreground.waiting(), 0);
  holding_->set_holding(true);
  Ack one;
  AppendAsync(*w, "one", &one);
  ASSERT_TRUE(holding_->WaitHeld(1));
  EXPECT_EQ(foreground.waiting(), 1);
  holding_->Release(0);
  ASSERT_TRUE(one.called);
  EXPECT_TRUE(one.status.ok()) << one.status;
  EXPECT_EQ(foreground.waiting(), 0);
  holding_->set_holding(false);
  // A blocking waiter: counted while it waits, released on return.
  auto two = w->Append("two");
  ASSERT_TRUE(two.ok());
  ASSERT_TRUE(w->WaitDurable(two->end).ok());
  EXPECT_EQ(foreground.waiting(), 0);
  // An answer already known is given at once, and still leaves no wait counted.
  Ack again;
  w->WaitDurableAsync(two->end, [&again](absl::Status s) {
    again.called = true;
    again.status = s;
  });
  EXPECT_TRUE(again.called);
  EXPECT_EQ(foreground.waiting(), 0);
}

// The block an in-flight write owns is the last of its segment: the skip fragment opens the
// next segment, and replay follows it there.
TEST_P(WalPipelineTest, SkipAcrossASegmentBoundaryIsFollowed) {
  const uint64_t data = DataBytes(kSegment);
  const std::string filler(data - 4096 + 100 - kFragmentHeaderBytes, 'f');
  auto w = Open(*holding_, dir_.Join("wal"));
  ASSERT_NE(w, nullptr);
  absl::Cleanup release_held = [this] { holding_->ReleaseAll(); };  // before w closes
  auto r = w->Append(filler);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(w->WaitDurable(r->end).ok());
  ASSERT_GT(r->end, data - 4096) << "the test wants the log's end in the segment's last block";
  holding_->set_holding(true);
  Ack one, two;
  AppendAsync(*w, "one", &one);
  auto two_range = w->Append("two");
  ASSERT_TRUE(two_range.ok());
  EXPECT_GE(two_range->start, data) << "went on in the next segment";
  w->WaitDurableAsync(two_range->end, [&](absl::Status s) {
    two.called = true;
    two.status = s;
  });
  ASSERT_TRUE(holding_->WaitHeld(2));
  ASSERT_EQ(holding_->held(), 2u);
  holding_->Release(1);
  const std::string lost_first = CrashImage("crash-later-landed");
  holding_->Release(0);
  ASSERT_TRUE(two.called && two.status.ok()) << two.status;
  holding_->set_holding(false);
  w.reset();

  std::vector<std::string> got;
  ASSERT_NE(Open(*io_, dir_.Join("wal"), &got), nullptr);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1], "one");
  EXPECT_EQ(got[2], "two");
  got.clear();
  ASSERT_NE(Open(*io_, lost_first, &got), nullptr);
  EXPECT_EQ(got.size(), 1u) << "only the filler: \"two\" lies past the lost write";
}

TEST_P(WalPipelineTest, FailedEarlierWriteFailsTheLaterOnesThatLanded) {
  auto w = Open(*holding_, dir_.Join("wal"));
  ASSERT_NE(w, nullptr);
  absl::Cleanup release_held = [this] { holding_->ReleaseAll(); };  // before w closes
  holding_->set_holding(true);
  Ack one, two;
  AppendAsync(*w, "one", &one);
  AppendAsync(*w, "two", &two);
  ASSERT_TRUE(holding_->WaitHeld(2));
  ASSERT_EQ(holding_->held(), 2u);
  holding_->Release(1);
  holding_->Fail(0, EIO);
  ASSERT_TRUE(one.called);
  ASSERT_TRUE(two.called);
  EXPECT_EQ(one.status.code(), absl::StatusCode::kUnknown) << one.status;
  EXPECT_FALSE(two.status.ok()) << "acknowledged after a write before it failed";
  EXPECT_FALSE(w->Append("more").ok());
  EXPECT_LT(w->durable_lsn(), w->next_lsn());
  holding_->set_holding(false);
}

TEST_P(WalPipelineTest, LoneWriterRewritesItsBlockAndNeverSkips) {
  auto w = Open(*io_, dir_.Join("wal"));
  ASSERT_NE(w, nullptr);
  for (int i = 0; i < 50; ++i) {
    auto r = w->Append("record " + std::to_string(i));
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(w->WaitDurable(r->end).ok());
  }
  const WalStats s = w->stats();
  EXPECT_EQ(s.skips, 0u);
  EXPECT_EQ(s.max_writes_in_flight, 1u);
  EXPECT_LT(w->next_lsn(), 4096u) << "50 small records fit one block";
}

INSTANTIATE_TEST_SUITE_P(Backends, WalPipelineTest, AllBackends(), BackendName);

}  // namespace
}  // namespace ringkv::wal
