#include "engine/db_impl.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/btree.h"
#include "engine/btree_merge.h"
#include "engine/checkpoint_steps.h"
#include "engine/db_iterator.h"
#include "ringkv/size_limits.h"
#include "base/check.h"

namespace ringkv {
namespace {

class SnapshotImpl final : public Snapshot {
 public:
  SnapshotImpl(uint64_t seq, std::shared_ptr<const Version> version)
      : seq_(seq), version_(std::move(version)) {}
  uint64_t sequence() const override { return seq_; }
  const std::shared_ptr<const Version>& version() const { return version_; }

 private:
  uint64_t seq_;
  std::shared_ptr<const Version> version_;  // what was current then: reads need its parts
};

// Sequence numbers: entry i of the batch logged at LSN `lsn` gets lsn + 1 + i. A record is
// longer than its entry count, so these never collide, grow with the log, and start at 1
// (0 means "before everything").
uint64_t FirstSequence(uint64_t lsn) { return lsn + 1; }

uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

DBImpl::DBImpl(const Options& options, std::string path, DBParts parts)
    : options_(options), path_(std::move(path)), parts_(std::move(parts)) {}

absl::StatusOr<std::unique_ptr<DB>> DBImpl::Start(const Options& options, std::string path,
                                                  DBParts parts) {
  std::unique_ptr<DBImpl> db(new DBImpl(options, std::move(path), std::move(parts)));
  absl::Status s = db->Recover();
  if (!s.ok()) return s;
  // While a log write is in flight, the log lends this thread time: it inserts what was
  // appended so far (mostly the records of that write), so the writers woken once it is
  // durable find their entries in. One whose entries are not in yet inserts them itself
  // (Write -> MakeVisible).
  db->parts_.log->SetCatchUpHook([p = db.get()] { p->InsertPending(); });
  db->checkpoint_thread_ = std::thread([p = db.get()] { p->CheckpointLoop(); });
  db->worker_ = std::thread([p = db.get()] { p->WorkerLoop(); });
  return std::unique_ptr<DB>(std::move(db));
}

absl::Status DBImpl::Recover() {
  auto version = std::make_shared<Version>();
  version->mem = std::make_shared<MemTable>(options_.memtable_bytes);
  version->tree = parts_.tree->Current();
  const uint64_t from = version->tree->checkpoint_lsn();
  uint64_t last_seq = 0;
  // Everything replayed goes into one fresh memtable, no reader sees it yet: built in one
  // sorted pass, not searched into entry by entry.
  MemTable::BulkLoad load(version->mem.get());
  absl::Status s = parts_.log->Replay(from, [&](uint64_t lsn, std::string_view record) {
    WriteBatch batch = WriteBatch::FromRep(std::string(record));
    uint64_t seq = FirstSequence(lsn);
    absl::Status it = batch.Iterate([&](EntryType type, std::string_view k, std::string_view v) {
      load.Add(seq++, type, k, v);
    });
    if (!it.ok()) {
      return absl::DataLossError(absl::StrCat("log record at LSN ", lsn, " in ", path_,
                                              "/wal passed its checksum but is not a write "
                                              "batch: ", it.message()));
    }
    last_seq = seq - 1;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  load.Finish();
  last_sequence_.store(last_seq);
  {
    absl::MutexLock lock(&pending_mu_);
    pending_mem_ = version->mem;
  }
  absl::MutexLock lock(&mu_);
  SetCurrent(std::move(version));
  return absl::OkStatus();
}

void DBImpl::SetCurrent(std::shared_ptr<const Version> v) {
  current_ = v;
  pins_.Publish(std::move(v));
}

DBImpl::~DBImpl() { Close().IgnoreError(); }

absl::Status DBImpl::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return failed_;
    closed_ = true;
    stopping_ = true;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  {
    absl::MutexLock lock(&work_mu_);
    work_stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
  absl::Status result = FailedStatus();
  if (result.ok()) result = parts_.log->Flush();
  // Destroy in dependency order: the log and tree use the backend; the lock goes last but one.
  parts_.log.reset();
  {
    absl::MutexLock lock(&mu_);
    SetCurrent(nullptr);
  }
  // Gets still running hold versions (and their tree pins) a moment longer.
  while (!pins_.Reclaim()) std::this_thread::yield();
  parts_.tree.reset();
  parts_.lock.reset();
  parts_.io.reset();
  return result;
}

std::shared_ptr<const Version> DBImpl::CurrentVersion() {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status DBImpl::FailedStatus() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

absl::Status DBImpl::Fail(const absl::Status& cause) {
  absl::MutexLock lock(&mu_);
  if (failed_.ok()) {
    failed_ = absl::Status(cause.code(),
                           absl::StrCat("database ", path_,
                                        " is read-only after a failed write (reopen it to "
                                        "recover): ", cause.message()));
    std::fprintf(stderr, "ringkv: %s\n", std::string(failed_.message()).c_str());
  }
  return failed_;
}

absl::Status DBImpl::CheckWritable() const {
  absl::MutexLock lock(&mu_);
  if (closed_) return absl::FailedPreconditionError(absl::StrCat("database ", path_, " is closed"));
  return failed_;
}

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

absl::Status DBImpl::Write(const WriteOptions& options, const WriteBatch& batch) {
  if (batch.Empty()) return CheckWritable();
  absl::Status s = batch.Validate();
  if (!s.ok()) return s;
  QueuedWrite self;
  self.batch = &batch;
  self.sync = options.sync;
  bool fresh_leader;  // decided under the lock: once queued, self.lead is the leader's to set
  {
    absl::MutexLock lock(&queue_mu_);
    fresh_leader = !leading_;
    leading_ = true;
    // An uncontended writer leads a group of its own without passing through the queue.
    if (!fresh_leader) queue_.push_back(&self);
  }
  if (fresh_leader) {
    s = LeadWrites(&self, /*queued=*/false);
  } else {
    self.wake.Wait();
    // Unless it now leads, a leader finished it.
    s = self.lead ? LeadWrites(&self, /*queued=*/true) : self.status;
  }
  // Whatever the outcome, `batch` is the caller's again once this returns.
  MakeVisible(self.last_seq);
  return s;
}

absl::Status DBImpl::LeadWrites(QueuedWrite* self, bool queued) {
  // A writer that found no leader was never queued, and the queue was empty: its group is
  // itself. One handed the lead is at the front of the queue, with others behind it.
  Group group = {self};  // no allocation on the common path
  if (queued) {
    absl::MutexLock lock(&queue_mu_);
    RINGKV_DCHECK(!queue_.empty() && queue_.front() == self);
    queue_.pop_front();
    TakeGroupLocked(&group);
  }
  // The leader keeps leading while its own record waits to be durable anyway: each group it
  // applies would otherwise cost a hand-off (waking the next leader) every few writes.
  bool self_waits = false;       // self is a sync write applied without error
  bool self_in_callback = false;  // ... woken by a group's durability callback, not WaitDurable
  for (;;) {
    uint64_t sync_end = 0;
    const bool applied = ApplyGroup(group, &sync_end).ok();
    Group waiting;
    for (QueuedWrite* w : group) {
      if (w == self) {
        self_waits = w->sync && w->status.ok();
      } else if (w->sync && w->status.ok()) {
        waiting.push_back(w);
      } else {
        w->wake.Post();  // done (it returns at once: its entry is not touched again)
      }
    }
    group.clear();
    {
      absl::MutexLock lock(&queue_mu_);
      if (queue_.empty()) {
        leading_ = false;
      } else if (!self_waits || !applied || parts_.log->durable_lsn() >= self->range.end) {
        // Its own write is settled, or the DB failed (its write will then never be durable:
        // leading on would serve failing writers for as long as they come).
        queue_.front()->lead = true;
        queue_.front()->wake.Post();
      } else {
        TakeGroupLocked(&group);
      }
    }
    if (!group.empty() && self_waits && !self_in_callback) {
      waiting.push_back(self);
      self_in_callback = true;
      sync_end = std::max(sync_end, self->range.end);
    }
    if (!waiting.empty()) {
      // Woken by whichever thread learns that the log is durable (the I/O completion thread,
      // or one that reaps the write itself), not by this one once it was woken in turn.
      parts_.log->WaitDurableAsync(sync_end, [this, waiting = std::move(waiting)](absl::Status s) {
        if (!s.ok()) s = Fail(s);
        for (QueuedWrite* w : waiting) {
          w->status = s;
          w->wake.Post();
        }
      });
    }
    if (group.empty()) break;
  }
  if (self_in_callback) {
    self->wake.Wait();
  } else if (self_waits) {
    // Reaps the write itself when it is the only one: a lone writer pays no thread hand-off.
    absl::Status durable = parts_.log->WaitDurable(self->range.end);
    self->status = durable.ok() ? durable : Fail(durable);
  }
  return self->status;
}

void DBImpl::TakeGroupLocked(Group* group) {
  // A group is bounded so a leader's followers are not kept waiting behind a huge one.
  constexpr size_t kMaxGroupBytes = 1 << 20;
  constexpr size_t kMaxGroupWrites = 256;
  size_t bytes = 0;
  for (const QueuedWrite* w : *group) bytes += w->batch->rep().size();
  while (!queue_.empty() && group->size() < kMaxGroupWrites &&
         (group->empty() || bytes + queue_.front()->batch->rep().size() <= kMaxGroupBytes)) {
    bytes += queue_.front()->batch->rep().size();
    group->push_back(queue_.front());
    queue_.pop_front();
  }
}

absl::Status DBImpl::ApplyGroup(const Group& group, uint64_t* sync_end) {
  absl::MutexLock lock(&write_mu_);
  absl::Status room = MakeRoomForWrite(false);
  for (QueuedWrite* w : group) {
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
    if (closed_) return absl::FailedPreconditionError(absl::StrCat("database ", path_, " is closed"));
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
    mu_.Await(absl::Condition(
        +[](DBImpl* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
          return db->current_->imm == nullptr || !db->failed_.ok() || db->closed_;
        },
        this));
  }
}

void DBImpl::Rotate() {
  auto next = std::make_shared<Version>(*current_);
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

absl::StatusOr<std::string> DBImpl::Get(const ReadOptions& options, std::string_view key) {
  absl::Status s = CheckKey(key);
  if (!s.ok()) return s;
  const Version* version;
  uint64_t seq;
  std::optional<VersionPins::Pin> pin;
  if (options.snapshot != nullptr) {
    const auto* snap = static_cast<const SnapshotImpl*>(options.snapshot);
    version = snap->version().get();
    seq = snap->sequence();
  } else {
    // Sequence before version: a version read later holds everything up to the sequence.
    seq = last_sequence_.load(std::memory_order_acquire);
    pin.emplace(pins_.Acquire());
    version = pin->get();
    if (version == nullptr) return absl::FailedPreconditionError("database is closed");
  }
  std::string value;
  // Raw pointers: the pinned version keeps both alive, and copying the shared_ptrs would make
  // every Get write the memtables' shared reference counts.
  for (const MemTable* m : {version->mem.get(), version->imm.get()}) {
    if (m == nullptr) continue;
    switch (m->Get(key, seq, &value)) {
      case MemTable::Lookup::kFound:
        return value;
      case MemTable::Lookup::kDeleted:
        return absl::NotFoundError("key not found");
      case MemTable::Lookup::kAbsent:
        break;
    }
  }
  absl::StatusOr<bool> found =
      BTreeGet(version->tree->pages(), version->tree->root(), key, &value);
  if (!found.ok()) return found.status();
  if (!*found) return absl::NotFoundError("key not found");
  return value;
}

void DBImpl::GetAsync(const ReadOptions& options, std::string key,
                      absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) {
  absl::MutexLock lock(&work_mu_);
  work_.push_back([this, options, key = std::move(key), done = std::move(done)]() mutable {
    done(Get(options, key));
  });
}

void DBImpl::WorkerLoop() {
  for (;;) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&work_mu_);
      work_mu_.Await(absl::Condition(
          +[](DBImpl* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->work_mu_) {
            return db->work_stopping_ || !db->work_.empty();
          },
          this));
      if (work_.empty()) return;  // stopping, and every queued read was answered
      task = std::move(work_.front());
      work_.pop_front();
    }
    task();
  }
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  if (options.snapshot != nullptr) {
    const auto* snap = static_cast<const SnapshotImpl*>(options.snapshot);
    return NewDBIterator(snap->version(), snap->sequence(), options);
  }
  const uint64_t seq = last_sequence_.load(std::memory_order_acquire);
  return NewDBIterator(CurrentVersion(), seq, options);
}

const Snapshot* DBImpl::GetSnapshot() {
  const uint64_t seq = last_sequence_.load(std::memory_order_acquire);
  return new SnapshotImpl(seq, CurrentVersion());
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  delete static_cast<const SnapshotImpl*>(snapshot);
}

absl::Status DBImpl::Flush() {
  absl::Status s = CheckWritable();
  if (!s.ok()) return s;
  s = parts_.log->Flush();
  return s.ok() ? s : Fail(s);
}

absl::Status DBImpl::Checkpoint() {
  uint64_t target;
  {
    absl::MutexLock lock(&write_mu_);
    absl::Status s = MakeRoomForWrite(/*force=*/true);
    if (!s.ok()) return s;
    absl::MutexLock l(&mu_);
    target = checkpoints_started_;
  }
  absl::MutexLock lock(&mu_);
  const auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return checkpoints_done_ >= target || !failed_.ok();
  };
  mu_.Await(absl::Condition(&done));
  return failed_;
}

void DBImpl::CheckpointLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (current_->imm != nullptr && failed_.ok());
      };
      if (options_.checkpoint_interval_ms > 0) {
        mu_.AwaitWithTimeout(absl::Condition(&ready),
                             absl::Milliseconds(options_.checkpoint_interval_ms));
      } else {
        mu_.Await(absl::Condition(&ready));
      }
      if (stopping_ && (current_->imm == nullptr || !failed_.ok())) return;
    }
    bool have_imm;
    {
      absl::MutexLock lock(&mu_);
      have_imm = current_->imm != nullptr;
    }
    if (!have_imm) {
      // The interval passed with no full memtable: checkpoint what there is.
      absl::MutexLock lock(&write_mu_);
      if (!MakeRoomForWrite(true).ok()) continue;
      absl::MutexLock l(&mu_);
      if (current_->imm == nullptr) continue;
    }
    absl::Status s = CheckpointImmutable();
    if (!s.ok()) Fail(s).IgnoreError();  // every later write reports it
  }
}

absl::Status DBImpl::CheckpointImmutable() {
  const uint64_t start_us = NowMicros();
  std::shared_ptr<MemTable> imm;
  uint64_t end_lsn;
  {
    absl::MutexLock lock(&mu_);
    imm = current_->imm;
    end_lsn = imm_end_lsn_;
  }
  RINGKV_CHECK(imm != nullptr);
  // The newest version of each key in the immutable memtable, in key order.
  std::vector<TreeChange> changes;
  changes.reserve(imm->entries());
  MemTable::Iterator it(imm.get());
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    if (!changes.empty() && changes.back().key == it.key()) continue;  // an older version
    TreeChange c;
    c.key = it.key();
    c.deleted = it.type() == EntryType::kDelete;
    c.value = it.value();
    changes.push_back(c);
  }
  // The checkpoint claims every record below end_lsn; the log must hold them durably first, or
  // a crash could leave the log ending before the checkpoint and new records below it.
  absl::Status s = parts_.log->WaitDurable(end_lsn);
  if (!s.ok()) return s;
  // Readers see each step's tree under the immutable memtable, which still answers for every
  // key it holds, so what they read does not change while the steps land.
  absl::StatusOr<TreeMergeStats> merged = CheckpointInSteps(
      *parts_.tree, changes, end_lsn,
      std::max<uint64_t>(1, options_.checkpoint_step_bytes / options_.page_size),
      [this](std::shared_ptr<TreeVersion> tree) {
        absl::MutexLock lock(&mu_);
        auto next = std::make_shared<Version>(*current_);
        next->tree = std::move(tree);
        SetCurrent(std::move(next));
      });
  if (!merged.ok()) return merged.status();
  {
    absl::MutexLock lock(&mu_);
    RINGKV_CHECK(current_->imm == imm);
    auto next = std::make_shared<Version>(*current_);
    next->imm = nullptr;
    SetCurrent(std::move(next));
    ++checkpoints_done_;
  }
  s = parts_.log->DropBelow(end_lsn);
  const uint64_t took = NowMicros() - start_us;
  checkpoint_count_.fetch_add(1);
  checkpoint_micros_total_.fetch_add(took);
  checkpoint_micros_last_.store(took);
  checkpoint_pages_written_.fetch_add(merged->pages_written);
  return s;
}

absl::StatusOr<std::string> DBImpl::VerifyIntegrity() {
  absl::Status s = parts_.tree->Verify();
  if (!s.ok()) return s;
  std::shared_ptr<const Version> v = CurrentVersion();
  BTreeIterator it(&v->tree->pages(), v->tree->root());
  std::string prev;
  std::string lookup;
  uint64_t keys = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++keys) {
    if (keys > 0 && !(prev < it.key())) {
      return absl::DataLossError(absl::StrCat("B+tree keys out of order in ", path_,
                                              ": key #", keys, " does not follow the one before"));
    }
    prev.assign(it.key().data(), it.key().size());
    absl::StatusOr<std::string_view> value = it.value();
    if (!value.ok()) return value.status();
    // A point lookup takes another path through the nodes (separators, key hints): it must
    // find the same entry.
    absl::StatusOr<bool> found = BTreeGet(v->tree->pages(), v->tree->root(), prev, &lookup);
    if (!found.ok()) return found.status();
    if (!*found || lookup != *value) {
      return absl::DataLossError(absl::StrCat("B+tree in ", path_, ": key #", keys,
                                              " is in a scan but a lookup ",
                                              *found ? "reads another value" : "misses it"));
    }
  }
  if (!it.status().ok()) return it.status();
  const TreeStoreStats stats = parts_.tree->stats();
  return absl::StrCat("ok: ", keys, " keys in the tree, ", v->mem->entries(),
                      " entries in the memtable, ", stats.page_count, " pages (",
                      stats.free_pages, " free)");
}

absl::StatusOr<std::string> DBImpl::GetProperty(std::string_view name) {
  const LogStats log = parts_.log->stats();
  const TreeStoreStats tree = parts_.tree->stats();
  std::shared_ptr<const Version> v = CurrentVersion();
  const uint64_t checkpoints = checkpoint_count_.load();
  const std::vector<std::pair<std::string, std::string>> figures = {
      {"ringkv.wal.bytes", absl::StrCat(log.bytes_appended)},
      {"ringkv.wal.records", absl::StrCat(log.records_appended)},
      {"ringkv.wal.durable_writes", absl::StrCat(log.durable_writes)},
      {"ringkv.wal.syncs", absl::StrCat(log.syncs)},
      {"ringkv.wal.avg_group_records", absl::StrFormat("%.2f", log.avg_group_records)},
      {"ringkv.wal.max_inflight_writes", absl::StrCat(log.max_inflight)},
      {"ringkv.wal.avg_inflight_writes", absl::StrFormat("%.2f", log.avg_inflight)},
      {"ringkv.wal.skips", absl::StrCat(log.skips)},
      {"ringkv.memtable.bytes", absl::StrCat(v->mem->ApproximateBytes())},
      {"ringkv.memtable.entries", absl::StrCat(v->mem->entries())},
      {"ringkv.memtable.immutable_bytes", absl::StrCat(v->imm ? v->imm->ApproximateBytes() : 0)},
      {"ringkv.checkpoints", absl::StrCat(checkpoints)},
      {"ringkv.checkpoint.last_micros", absl::StrCat(checkpoint_micros_last_.load())},
      {"ringkv.checkpoint.avg_micros",
       absl::StrCat(checkpoints ? checkpoint_micros_total_.load() / checkpoints : 0)},
      {"ringkv.checkpoint.pages_written", absl::StrCat(checkpoint_pages_written_.load())},
      {"ringkv.checkpoint.lsn", absl::StrCat(v->tree->checkpoint_lsn())},
      {"ringkv.pages.count", absl::StrCat(tree.page_count)},
      {"ringkv.pages.free", absl::StrCat(tree.free_pages)},
      {"ringkv.pages.cache_hits", absl::StrCat(tree.cache_hits)},
      {"ringkv.pages.cache_misses", absl::StrCat(tree.cache_misses)},
      {"ringkv.sequence", absl::StrCat(last_sequence_.load())},
  };
  if (name == "ringkv.stats") {
    std::string out;
    for (const auto& [k, val] : figures) absl::StrAppend(&out, k, " ", val, "\n");
    return out;
  }
  for (const auto& [k, val] : figures) {
    if (k == name) return val;
  }
  return absl::NotFoundError(absl::StrCat("no property '", std::string(name),
                                          "' (ringkv.stats lists them all)"));
}

}  // namespace ringkv
