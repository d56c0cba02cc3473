// ForegroundWrites: a background writer keeps its full size until a foreground wait begins,
// then writes small pieces, each held back (briefly) for a waiter still waiting, until it has
// seen no wait for kQuietBeforeFullSize.
#include "uring/foreground_writes.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ringkv::io {
namespace {

constexpr size_t kFull = 2u << 20;

TEST(ForegroundWritesTest, WithNoWaitsTheBackgroundWritesItsFullSize) {
  ForegroundWrites w;
  ForegroundWrites::BackgroundMark seen;
  EXPECT_EQ(w.BackgroundBudget(kFull, &seen), kFull);
  EXPECT_EQ(w.BackgroundBudget(kFull, &seen), kFull);
}

TEST(ForegroundWritesTest, AWaitShrinksTheWritesUntilItIsQuietAgain) {
  ForegroundWrites w;
  ForegroundWrites::BackgroundMark seen;
  { ForegroundWait wait(w); }
  const absl::Time seen_at = absl::Now();
  EXPECT_EQ(w.BackgroundBudget(kFull, &seen), ForegroundWrites::kSmallWriteBytes);
  // Nobody waits now, but sync puts come in streams with short gaps: still small, unless
  // this loaded machine took the whole quiet period to get here.
  if (absl::Now() - seen_at < ForegroundWrites::kQuietBeforeFullSize / 2) {
    EXPECT_EQ(w.BackgroundBudget(kFull, &seen), ForegroundWrites::kSmallWriteBytes);
  }
  absl::SleepFor(ForegroundWrites::kQuietBeforeFullSize);
  EXPECT_EQ(w.BackgroundBudget(kFull, &seen), kFull);  // nobody waited since
  // A write smaller than the piece keeps its size.
  { ForegroundWait wait(w); }
  EXPECT_EQ(w.BackgroundBudget(4096, &seen), 4096u);
}

TEST(ForegroundWritesTest, EachBackgroundWriterKeepsItsOwnMark) {
  ForegroundWrites w;
  ForegroundWrites::BackgroundMark checkpoint, zero_fill;
  { ForegroundWait wait(w); }
  EXPECT_EQ(w.BackgroundBudget(kFull, &checkpoint), ForegroundWrites::kSmallWriteBytes);
  EXPECT_EQ(w.BackgroundBudget(kFull, &zero_fill), ForegroundWrites::kSmallWriteBytes);
}

TEST(ForegroundWritesTest, AWaiterStillWaitingHoldsTheWriteBackThenLetsItGo) {
  ForegroundWrites w;
  ForegroundWrites::BackgroundMark seen;
  ForegroundWait wait(w);  // never ends during the call: the hold-back must run out
  EXPECT_EQ(w.waiting(), 1);
  const absl::Time t0 = absl::Now();
  EXPECT_EQ(w.BackgroundBudget(kFull, &seen), ForegroundWrites::kSmallWriteBytes);
  EXPECT_GE(absl::Now() - t0, ForegroundWrites::kMaxHoldBack);
  // Still waiting: the next piece is small as well.
  EXPECT_EQ(w.BackgroundBudget(kFull, &seen), ForegroundWrites::kSmallWriteBytes);
}

}  // namespace
}  // namespace ringkv::io
