// A binary semaphore for one waiting thread that costs the poster no system call unless the
// waiter is asleep. std::binary_semaphore (libstdc++ 12) calls futex(WAKE) on every release:
// with 64 sync writers that was one system call per write for a waiter that was, most of the
// time, still spinning (docs/performance.md, "WAL").
#ifndef RINGKV_BASE_THREAD_WAKEUP_H_
#define RINGKV_BASE_THREAD_WAKEUP_H_

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "base/check.h"

namespace ringkv {

class ThreadWakeup {
 public:
  // What the waiter waits for, which decides whether spinning before the first yield can pay.
  enum class Awaits {
    kThread,  // another thread's hand-off, often within microseconds
    // A device write (a durable WAL write, orders of magnitude longer than the spin). The
    // spin never sees it land and only takes CPU from the writers that fill the next group
    // (docs/performance.md, "Engine against its peers").
    kDeviceWrite,
  };
  explicit ThreadWakeup(Awaits awaits = Awaits::kThread)
      : spins_(awaits == Awaits::kThread ? kSpins : 0) {}

  // Makes the token available and wakes the waiter if it sleeps. The waiter may destroy *this
  // as soon as Wait returns: after the exchange, Post only hands the word's address to the
  // kernel, which at worst wakes nobody (or a later waiter on the same address, which then
  // finds its own word unchanged and sleeps again).
  void Post() {
    std::atomic<uint32_t>* word = &state_;
    if (word->exchange(kPosted, std::memory_order_acq_rel) == kSleeping) {
      Futex(word, FUTEX_WAKE_PRIVATE, 1);
    }
  }

  // Waits until the token is available and takes it. Spins briefly (kThread only), then yields
  // the CPU a few times, then sleeps: on a busy machine a wake-up that arrives while the waiter
  // is still runnable costs no sleep and no wake (sleeping at once was slower with many sync
  // writers on few CPUs: docs/performance.md, "WAL"; libstdc++'s semaphore's spin-and-yield
  // kept here).
  void Wait() {
    for (int i = 0; i < spins_ + kYields; ++i) {
      if (TryTake()) return;
      if (i < spins_) {
        __builtin_ia32_pause();
      } else {
        sched_yield();
      }
    }
    for (;;) {
      uint32_t s = state_.load(std::memory_order_acquire);
      if (s == kPosted) {
        if (state_.compare_exchange_strong(s, kEmpty, std::memory_order_acquire)) return;
        continue;
      }
      if (s == kEmpty &&
          !state_.compare_exchange_strong(s, kSleeping, std::memory_order_acquire)) {
        continue;  // posted meanwhile
      }
      const long r = Futex(&state_, FUTEX_WAIT_PRIVATE, kSleeping);
      RINGKV_CHECK(r == 0 || errno == EAGAIN || errno == EINTR);
    }
  }

 private:
  static constexpr uint32_t kEmpty = 0;
  static constexpr uint32_t kPosted = 1;
  static constexpr uint32_t kSleeping = 2;
  static constexpr int kSpins = 12;
  static constexpr int kYields = 4;

  bool TryTake() {
    uint32_t s = kPosted;
    return state_.load(std::memory_order_relaxed) == kPosted &&
           state_.compare_exchange_strong(s, kEmpty, std::memory_order_acquire);
  }

  static long Futex(std::atomic<uint32_t>* word, int op, uint32_t val) {
    return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, nullptr, nullptr, 0);
  }

  const int spins_;
  std::atomic<uint32_t> state_{kEmpty};
};

}  // namespace ringkv

#endif  // RINGKV_BASE_THREAD_WAKEUP_H_
