#include "uring/foreground_writes.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "base/check.h"

namespace ringkv::io {

size_t ForegroundWrites::BackgroundBudget(size_t wanted, BackgroundMark* mark) const {
  const uint64_t begun = this->begun();
  const absl::Time now = absl::Now();
  if (begun != mark->begun || waiting() > 0) mark->last_wait = now;
  mark->begun = begun;
  if (now - mark->last_wait >= kQuietBeforeFullSize) return wanted;
  // Polled, not signalled: End stays two atomic operations on the sync put's path, and a
  // waiter's flush lasts hundreds of microseconds against this loop's tens.
  const absl::Time deadline = now + kMaxHoldBack;
  while (waiting() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Microseconds(20));
  mark->begun = this->begun();
  const size_t budget = std::min(wanted, kSmallWriteBytes);
  RINGKV_CHECK(budget > 0 || wanted == 0);
  return budget;
}

}  // namespace ringkv::io
