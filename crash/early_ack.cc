// The planted bug "ack_before_wal_write": the WAL's writes complete to the engine at once, while
// their bytes wait in memory, so sync writes are acknowledged before they are durable.
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "base/check.h"
#include "crash/planted_bug_backend.h"
#include "crash/planted_bugs.h"

namespace ringkv::crash {
namespace {

// Acknowledged writes held back at most; then the oldest goes to the disk as another arrives.
constexpr size_t kMaxHeldWrites = 8;
// Copies are aligned for O_DIRECT segment files.
constexpr size_t kCopyAlignment = 4096;

// A WAL segment: <db>/wal/<number>.log (engine/wal_log.cc, wal/segment_files.cc).
bool IsLogSegment(const std::string& path) {
  const std::filesystem::path p(path);
  return p.extension() == ".log" && p.parent_path().filename() == "wal";
}

// Chains that write WAL segments complete to their caller on the backend's own thread as soon as
// they are submitted (callbacks never run inside Submit); their bytes are copied and written
// later, oldest first, one chain at a time. Every held write reaches the disk before any other
// chain that touches a WAL segment (the log closing or retiring one) and when the backend goes.
class EarlyAckBackend final : public PlantedBugBackend {
 public:
  explicit EarlyAckBackend(io::IoBackend& inner)
      : PlantedBugBackend(inner), acker_([this] { AckLoop(); }) {}

  ~EarlyAckBackend() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      cv_.SignalAll();
    }
    acker_.join();
    WriteHeld(0);
  }

  io::Ticket Submit(io::Chain chain, io::Callback done, bool caller_waits) override {
    if (!IsLogWrite(chain)) {
      if (TouchesLog(chain)) WriteHeld(0);
      return PlantedBugBackend::Submit(std::move(chain), std::move(done), caller_waits);
    }
    CheckChain(chain);
    HeldWrite held;
    held.chain.set_linked(chain.linked());
    for (const io::Op& op : chain.ops()) {
      const size_t bytes = (op.len + kCopyAlignment - 1) / kCopyAlignment * kCopyAlignment;
      held.copies.emplace_back(static_cast<char*>(std::aligned_alloc(kCopyAlignment, bytes)),
                               &std::free);
      RINGKV_CHECK(held.copies.back() != nullptr);
      std::memcpy(held.copies.back().get(), op.buf, op.len);
      io::Op copy = op;
      copy.buf = held.copies.back().get();
      copy.buf_index = -1;  // the copy is not a registered buffer
      held.chain.mutable_ops().push_back(copy);
    }
    auto ticket = std::make_shared<io::PendingChain>();
    ticket->chain = std::move(chain);
    ticket->callback = std::move(done);
    for (const io::Op& op : ticket->chain.ops()) {
      ticket->completion.results.push_back(static_cast<int32_t>(op.len));
    }
    DescribeCompletion(*ticket);
    size_t held_now;
    {
      absl::MutexLock lock(&mu_);
      held_.push_back(std::move(held));
      held_now = held_.size();
      to_ack_.push_back(ticket);
      cv_.SignalAll();
    }
    if (held_now > kMaxHeldWrites) WriteHeld(kMaxHeldWrites);
    return ticket;
  }

  void Wait(const io::Ticket& ticket) override {
    if (ticket->inner != nullptr) return inner().Wait(ticket->inner);
    absl::MutexLock lock(&mu_);
    while (!ticket->done) cv_.Wait(&mu_);
  }

 private:
  struct HeldWrite {
    io::Chain chain;
    std::vector<std::unique_ptr<char, decltype(&std::free)>> copies;
  };

  bool IsLogWrite(const io::Chain& chain) const {
    if (chain.empty()) return false;
    for (const io::Op& op : chain.ops()) {
      if (op.type != io::OpType::kWrite || !IsLogSegment(files().PathOf(op.file))) return false;
    }
    return true;
  }

  bool TouchesLog(const io::Chain& chain) const {
    for (const io::Op& op : chain.ops()) {
      if ((op.file.valid() && IsLogSegment(files().PathOf(op.file))) || IsLogSegment(op.path) ||
          IsLogSegment(op.path2)) {
        return true;
      }
    }
    return false;
  }

  // Writes the oldest held chains until at most `keep` are left. A failure is not reported:
  // the engine was told long ago that the write succeeded (that is the bug).
  void WriteHeld(size_t keep) {
    absl::MutexLock order(&write_mu_);
    for (;;) {
      HeldWrite oldest{io::Chain(), {}};
      {
        absl::MutexLock lock(&mu_);
        if (held_.size() <= keep) return;
        oldest = std::move(held_.front());
        held_.pop_front();
      }
      (void)inner().Run(std::move(oldest.chain));
    }
  }

  void AckLoop() {
    absl::MutexLock lock(&mu_);
    for (;;) {
      while (to_ack_.empty() && !stopping_) cv_.Wait(&mu_);
      if (to_ack_.empty()) return;
      io::Ticket ticket = std::move(to_ack_.front());
      to_ack_.pop_front();
      mu_.Unlock();
      if (ticket->callback) ticket->callback(ticket->completion);
      mu_.Lock();
      ticket->done = true;
      cv_.SignalAll();
    }
  }

  absl::Mutex write_mu_;  // held writes reach the disk one chain at a time, oldest first
  absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<HeldWrite> held_ ABSL_GUARDED_BY(mu_);
  std::deque<io::Ticket> to_ack_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread acker_;  // last: it starts in the constructor and uses the members above
};

}  // namespace

std::unique_ptr<io::IoBackend> MakeEarlyAckBackend(io::IoBackend& inner) {
  return std::make_unique<EarlyAckBackend>(inner);
}

}  // namespace ringkv::crash
