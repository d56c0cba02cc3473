// WriteQueue turns concurrent Writes into group commits: writers queue, the one at the front
// leads and has a whole group applied (log append + pending memtable entries) for everyone, and
// each follower sleeps once, until its write is done. The caller guarantees that `log` and
// `applier` outlive the queue and that no Write is in progress when it is destroyed.
#ifndef RINGKV_ENGINE_WRITE_QUEUE_H_
#define RINGKV_ENGINE_WRITE_QUEUE_H_

#include <cstdint>
#include <deque>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/thread_wakeup.h"
#include "engine/log.h"
#include "ringkv/write_batch.h"

namespace ringkv {

class WriteQueue {
 public:
  // A Write waiting in the queue: woken to lead the queue or because it is done; a leader that
  // goes on leading is woken a second time, when its own write is durable (each wake-up is
  // consumed by one wait; ThreadWakeup for the same reason as Wal::SyncWaiter).
  struct Writer {
    const WriteBatch* batch = nullptr;
    bool sync = true;
    bool lead = false;  // set before `wake`: this writer now leads
    absl::Status status;
    Log::Range range;
    uint64_t last_seq = 0;  // of its last entry, once appended
    ThreadWakeup wake;
  };
  using Group = absl::InlinedVector<Writer*, 16>;

  // What a leader has done to a group: the DB appends it under its write lock.
  class Applier {
   public:
    virtual ~Applier() = default;
    // Appends each write of `group` to the log (and the memtable's pending entries), setting
    // its range or status; `sync_end` becomes at least the end of every sync write applied.
    // Not OK if any failed.
    virtual absl::Status ApplyGroup(const Group& group, uint64_t* sync_end) = 0;
    // Turns a failed durability wait into the DB's sticky failure; returns the error to report.
    virtual absl::Status Fail(const absl::Status& cause) = 0;
  };

  WriteQueue(Log* log, Applier* applier) : log_(log), applier_(applier) {}
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Applies `self` (batch and sync set by the caller), leading a group or waiting for a
  // leader to apply it, and returns once it is applied (and durable, if sync) or failed.
  // Its entries may not be visible to readers yet: self->last_seq says which to wait for.
  absl::Status Write(Writer* self);

 private:
  // The leader's part of Write: applies `self` and the writes queued behind it (`queued`: self
  // was handed the lead at the queue's front), and goes on with the writes queued meanwhile
  // while its own waits to be durable; then hands the lead to the next writer (or gives it
  // up), and waits. Every sync follower is woken once its write is durable. Returns self's
  // status.
  absl::Status Lead(Writer* self, bool queued);
  // Wakes the writers of the group just applied that are done; moves the sync ones (all but
  // self) to `waiting`. Returns whether self waits to be durable.
  static bool SettleGroup(Group* group, Writer* self, Group* waiting);
  // Hands the lead on, gives it up, or (self still waiting to be durable) takes the next group
  // into `group`.
  void PassLeadOrTakeGroup(Writer* self, bool self_waits, bool applied, Group* group);
  // Moves writes from the queue's front into `group`, within the group's size bounds.
  void TakeGroupLocked(Group* group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Has `waiting` woken once the log is durable up to `sync_end`.
  void WakeWhenDurable(Group waiting, uint64_t sync_end);

  Log* const log_;
  Applier* const applier_;
  // Never held while the DB's write lock is taken: the leader calls ApplyGroup without it.
  absl::Mutex mu_;
  std::deque<Writer*> queue_ ABSL_GUARDED_BY(mu_);
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_WRITE_QUEUE_H_
