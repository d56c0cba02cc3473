// ForegroundWrites counts the threads waiting for a log write to become durable, and tells a
// background writer of the same device (a checkpoint, a segment's zero fill) how much to write.
// On a device with a volatile write cache every flush also persists what was written before
// it, so a sync put waits behind the background bytes written since the last flush: while
// anyone waits, background writes come in small pieces, each held back briefly for the waiter.
// Thread-safe; Begin and End pair on the waiting thread.
#ifndef RINGKV_URING_FOREGROUND_WRITES_H_
#define RINGKV_URING_FOREGROUND_WRITES_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"

namespace ringkv::io {

class ForegroundWrites {
 public:
  // What a background writer writes at once while foreground waits are seen (a multiple of
  // 4096), and how long it holds a piece back for a waiter before writing it anyway: the
  // background keeps at least kSmallWriteBytes per kMaxHoldBack, so a checkpoint still ends
  // under a stream of sync puts.
  static constexpr size_t kSmallWriteBytes = 64u << 10;
  static constexpr absl::Duration kMaxHoldBack = absl::Milliseconds(1);
  // How long after the last wait it saw a background writer keeps to small pieces: a stream
  // of sync puts leaves gaps of tens of microseconds between waits, and a full-size batch
  // written in one of them lands in the next put's flush.
  static constexpr absl::Duration kQuietBeforeFullSize = absl::Milliseconds(5);

  // One background writer's memory of the waits it saw; starts as "none".
  struct BackgroundMark {
    uint64_t begun = 0;                           // waits begun as of its previous call
    absl::Time last_wait = absl::InfinitePast();  // when it last saw one begun or running
  };

  // One atomic operation each: Begin and End sit on every sync put's path.
  void Begin() { state_.fetch_add(kOneBegun | 1, std::memory_order_acq_rel); }
  void End() { state_.fetch_sub(1, std::memory_order_acq_rel); }
  int waiting() const {
    return static_cast<int>(state_.load(std::memory_order_acquire) & kWaitingMask);
  }

  // For a background writer about to write up to `wanted` bytes (one writer per `mark`):
  // `wanted` if it saw no foreground wait for kQuietBeforeFullSize, else at most
  // kSmallWriteBytes, after waiting (up to kMaxHoldBack) for the current waiters to be done.
  size_t BackgroundBudget(size_t wanted, BackgroundMark* mark) const;

 private:
  // The threads waiting now in the low 32 bits, the waits ever begun (wrapping) above them.
  static constexpr uint64_t kWaitingMask = (uint64_t{1} << 32) - 1;
  static constexpr uint64_t kOneBegun = uint64_t{1} << 32;
  uint64_t begun() const { return state_.load(std::memory_order_relaxed) >> 32; }

  std::atomic<uint64_t> state_{0};
};

// Begin on construction, End on destruction.
class ForegroundWait {
 public:
  explicit ForegroundWait(ForegroundWrites& w) : w_(w) { w_.Begin(); }
  ~ForegroundWait() { w_.End(); }
  ForegroundWait(const ForegroundWait&) = delete;
  ForegroundWait& operator=(const ForegroundWait&) = delete;

 private:
  ForegroundWrites& w_;
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_FOREGROUND_WRITES_H_
