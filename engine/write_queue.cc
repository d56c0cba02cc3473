#include "engine/write_queue.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace ringkv {

absl::Status WriteQueue::Write(Writer* self) {
  bool fresh_leader;  // decided under the lock: once queued, self->lead is the leader's to set
  {
    absl::MutexLock lock(&mu_);
    fresh_leader = !leading_;
    leading_ = true;
    // An uncontended writer leads a group of its own without passing through the queue.
    if (!fresh_leader) queue_.push_back(self);
  }
  if (fresh_leader) return Lead(self, /*queued=*/false);
  self->wake.Wait();
  // Unless it now leads, a leader finished it.
  return self->lead ? Lead(self, /*queued=*/true) : self->status;
}

absl::Status WriteQueue::Lead(Writer* self, bool queued) {
  // A writer that found no leader was never queued, and the queue was empty: its group is
  // itself. One handed the lead is at the front of the queue, with others behind it.
  Group group = {self};  // no allocation on the common path
  if (queued) {
    absl::MutexLock lock(&mu_);
    RINGKV_DCHECK(!queue_.empty() && queue_.front() == self);
    queue_.pop_front();
    TakeGroupLocked(&group);
  }
  // The leader keeps leading while its own record waits to be durable anyway: each group it
  // applies would otherwise cost a hand-off (waking the next leader) every few writes.
  bool self_waits = false;        // self is a sync write applied without error
  bool self_in_callback = false;  // ... woken by a group's durability callback, not WaitDurable
  for (;;) {
    uint64_t sync_end = 0;
    const bool applied = applier_->ApplyGroup(group, &sync_end).ok();
    Group waiting;
    if (SettleGroup(&group, self, &waiting)) self_waits = true;
    PassLeadOrTakeGroup(self, self_waits, applied, &group);
    if (!group.empty() && self_waits && !self_in_callback) {
      waiting.push_back(self);
      self_in_callback = true;
      sync_end = std::max(sync_end, self->range.end);
    }
    if (!waiting.empty()) WakeWhenDurable(std::move(waiting), sync_end);
    if (group.empty()) break;
  }
  if (self_in_callback) {
    self->wake.Wait();
  } else if (self_waits) {
    // Reaps the write itself when it is the only one: a lone writer pays no thread hand-off.
    absl::Status durable = log_->WaitDurable(self->range.end);
    self->status = durable.ok() ? durable : applier_->Fail(durable);
  }
  return self->status;
}

bool WriteQueue::SettleGroup(Group* group, Writer* self, Group* waiting) {
  bool self_waits = false;
  for (Writer* w : *group) {
    if (w == self) {
      self_waits = w->sync && w->status.ok();
    } else if (w->sync && w->status.ok()) {
      waiting->push_back(w);
    } else {
      w->wake.Post();  // done (it returns at once: its entry is not touched again)
    }
  }
  group->clear();
  return self_waits;
}

void WriteQueue::PassLeadOrTakeGroup(Writer* self, bool self_waits, bool applied,
                                     Group* group) {
  absl::MutexLock lock(&mu_);
  if (queue_.empty()) {
    leading_ = false;
  } else if (!self_waits || !applied || log_->durable_lsn() >= self->range.end) {
    // Its own write is settled, or the DB failed (its write will then never be durable:
    // leading on would serve failing writers for as long as they come).
    queue_.front()->lead = true;
    queue_.front()->wake.Post();
  } else {
    TakeGroupLocked(group);
  }
}

void WriteQueue::WakeWhenDurable(Group waiting, uint64_t sync_end) {
  // Woken by whichever thread learns that the log is durable (the I/O completion thread,
  // or one that reaps the write itself), not by this one once it was woken in turn.
  log_->WaitDurableAsync(sync_end, [this, waiting = std::move(waiting)](absl::Status s) {
    if (!s.ok()) s = applier_->Fail(s);
    for (Writer* w : waiting) {
      w->status = s;
      w->wake.Post();
    }
  });
}

void WriteQueue::TakeGroupLocked(Group* group) {
  // A group is bounded so a leader's followers are not kept waiting behind a huge one.
  constexpr size_t kMaxGroupBytes = 1 << 20;
  constexpr size_t kMaxGroupWrites = 256;
  size_t bytes = 0;
  for (const Writer* w : *group) bytes += w->batch->rep().size();
  while (!queue_.empty() && group->size() < kMaxGroupWrites &&
         (group->empty() || bytes + queue_.front()->batch->rep().size() <= kMaxGroupBytes)) {
    bytes += queue_.front()->batch->rep().size();
    group->push_back(queue_.front());
    queue_.pop_front();
  }
}

}  // namespace ringkv
