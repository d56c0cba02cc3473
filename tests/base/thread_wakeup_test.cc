// ThreadWakeup hands each Post to one Wait, whether the post comes first, while the waiter
// spins, or once it sleeps; and a waiter may destroy it as soon as Wait returns.
#include "base/thread_wakeup.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ringkv {
namespace {

TEST(ThreadWakeupTest, PostBeforeWaitIsNotLost) {
  ThreadWakeup w;
  w.Post();
  w.Wait();  // returns at once; a lost post would hang the test
  SUCCEED();
}

TEST(ThreadWakeupTest, WakesASleepingWaiter) {
  ThreadWakeup w;
  std::atomic<bool> woken{false};
  std::thread waiter([&] {
    w.Wait();
    woken = true;
  });
  // Long enough for the waiter to pass its spins and yields and sleep in the kernel.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(woken.load());  // nothing posted yet: it must still be waiting
  w.Post();
  waiter.join();
  EXPECT_TRUE(woken.load());
}

// Each wait consumes one post: two threads hand a token back and forth many times, with no
// round trip lost or doubled (a lost one hangs, a doubled one breaks the strict alternation).
TEST(ThreadWakeupTest, PingPongAlternatesStrictly) {
  ThreadWakeup ping, pong;
  constexpr int kRounds = 20000;
  std::atomic<int> turn{0};
  std::thread other([&] {
    for (int i = 0; i < kRounds; ++i) {
      ping.Wait();
      EXPECT_EQ(turn.fetch_add(1), 2 * i + 1);
      pong.Post();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    EXPECT_EQ(turn.fetch_add(1), 2 * i);
    ping.Post();
    pong.Wait();
  }
  other.join();
  EXPECT_EQ(turn.load(), 2 * kRounds);
}

// The engine's use: a waiter's ThreadWakeup lives on its stack and dies right after Wait,
// while the poster may still be inside Post. Under AddressSanitizer a Post touching the
// freed memory fails this test.
TEST(ThreadWakeupTest, WaiterMayDestroyItRightAfterWait) {
  constexpr int kRounds = 5000;
  std::atomic<ThreadWakeup*> slot{nullptr};
  std::thread poster([&] {
    for (int i = 0; i < kRounds; ++i) {
      ThreadWakeup* w;
      while ((w = slot.exchange(nullptr)) == nullptr) std::this_thread::yield();
      w->Post();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    auto w = std::make_unique<ThreadWakeup>();
    slot = w.get();
    w->Wait();
  }
  poster.join();
}

}  // namespace
}  // namespace ringkv
