#include "engine/db_impl.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace ringkv {

absl::Status DBImpl::Put(const WriteOptions& options, std::string_view key,
                         std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, batch);
}

absl::Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, batch);
}

absl::Status DBImpl::Write(const WriteOptions& options, const WriteBatch& batch) {
  if (batch.Empty()) return CheckWritable();
  absl::Status s = batch.Validate();
  if (!s.ok()) return s;
  WriteQueue::Writer self;
  self.batch = &batch;
  self.sync = options.sync;
  s = write_queue_.Write(&self);
  // Whatever the outcome, `batch` is the caller's again once this returns.
  MakeVisible(self.last_seq);
  return s;
}

absl::StatusOr<Log::Range> DBImpl::Apply(const WriteBatch& batch) {
  absl::Status s = batch.Validate();
  if (!s.ok()) return s;
  uint64_t last_seq = 0;
  absl::StatusOr<Log::Range> range;
  {
    absl::MutexLock lock(&write_mu_);
    s = MakeRoomForWrite(false);
    if (!s.ok()) return s;
    range = AppendLocked(batch, &last_seq);
  }
  MakeVisible(last_seq);  // the caller's batch is not kept
  return range;
}

absl::StatusOr<Log::Range> DBImpl::AppendLocked(const WriteBatch& batch, uint64_t* last_seq) {
  absl::StatusOr<Log::Range> range = parts_.log->Append(batch.rep());
  if (!range.ok()) return Fail(range.status());
  uint64_t seq = FirstSequence(range->start);
  absl::MutexLock lock(&pending_mu_);
  absl::Status it = batch.Iterate([&](EntryType type, std::string_view k, std::string_view v) {
    pending_.push_back(MemTable::NewEntry{seq++, type, k, v});
  });
  RINGKV_CHECK(it.ok());  // validated before it was queued
  *last_seq = seq - 1;
  return range;
}

absl::Status DBImpl::ApplyGroup(const WriteQueue::Group& group, uint64_t* sync_end) {
  absl::MutexLock lock(&write_mu_);
  absl::Status room = MakeRoomForWrite(false);
  for (WriteQueue::Writer* w : group) {
    if (!room.ok()) {
      w->status = room;
      continue;
    }
    absl::StatusOr<Log::Range> range = AppendLocked(*w->batch, &w->last_seq);
    if (!range.ok()) {
      room = range.status();  // the log failed: the rest of the group fails with it
      w->status = room;
      continue;
    }
    w->range = *range;
    if (w->sync) *sync_end = std::max(*sync_end, range->end);
  }
  return room;
}

void DBImpl::InsertPending() {
  // insert_mu_ is held from taking the entries until they are in: entries go in in log order,
  // and whoever gets insert_mu_ finds everything appended before it in or in its hands.
  absl::MutexLock insert(&insert_mu_);
  std::shared_ptr<MemTable> mem;
  {
    absl::MutexLock lock(&pending_mu_);
    if (pending_.empty()) return;
    inserting_.swap(pending_);
    mem = pending_mem_;
  }
  mem->AddMany(inserting_);
  // Readers see the batches whole: the sequence moves past all their entries at once.
  last_sequence_.store(inserting_.back().seq, std::memory_order_release);
  inserting_.clear();
}

void DBImpl::MakeVisible(uint64_t last_seq) {
  if (last_seq == 0 || last_sequence_.load(std::memory_order_acquire) >= last_seq) return;
  InsertPending();
}

void DBImpl::WriteAsync(const WriteOptions& options, WriteBatch batch,
                        absl::AnyInvocable<void(absl::Status)> done) {
  absl::StatusOr<Log::Range> range =
      batch.Empty() ? absl::StatusOr<Log::Range>(Log::Range{}) : Apply(batch);
  if (!range.ok() || !options.sync || batch.Empty()) {
    done(range.ok() ? CheckWritable() : range.status());
    return;
  }
  parts_.log->WaitDurableAsync(range->end, [this, done = std::move(done)](absl::Status s) mutable {
    done(s.ok() ? s : Fail(s));
  });
}

absl::Status DBImpl::MakeRoomForWrite(bool force) {
  absl::MutexLock lock(&mu_);
  for (;;) {
    if (!failed_.ok()) return failed_;
    if (closed_) return ClosedError();
    const bool full = current_->mem->ApproximateBytes() >= options_.memtable_bytes;
    // A memtable that rotates (or that a checkpoint takes) takes every write appended for it.
    // Until then, pending_ (a few writes per writer thread) is not counted against the budget.
    if (full || force) InsertPending();
    const bool room = force ? current_->mem->entries() == 0 : !full;
    if (room || current_->imm == nullptr) {
      if (!room) Rotate();
      return absl::OkStatus();
    }
    // The previous checkpoint is still running: writers wait (back-pressure, bounded memory).
    BackgroundPriority::Waiting waiting(&checkpoint_priority_);
    mu_.Await(absl::Condition(
        +[](DBImpl* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
          return db->current_->imm == nullptr || !db->failed_.ok() || db->closed_;
        },
        this));
  }
}

void DBImpl::Rotate() {
  auto next = std::make_shared<ReadView>(*current_);
  next->imm = current_->mem;
  next->mem = std::make_shared<MemTable>(options_.memtable_bytes);
  {
    // pending_ is empty (MakeRoomForWrite inserted it): later appends go to the new memtable.
    absl::MutexLock lock(&pending_mu_);
    RINGKV_DCHECK(pending_.empty());
    pending_mem_ = next->mem;
  }
  // Every record appended so far is in the old memtable (appends hold write_mu_).
  imm_end_lsn_ = parts_.log->next_lsn();
  SetCurrent(std::move(next));
  ++checkpoints_started_;
}

}  // namespace ringkv
