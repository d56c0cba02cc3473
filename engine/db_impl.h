// DBImpl is the engine behind DB: the write path (a queue of writers whose leader appends a
// whole group to the log and the memtable under one lock, durability waited for outside it),
// reads through a Version, a background checkpoint thread
// that merges the immutable memtable into the page store, and recovery at Open.
#ifndef RINGKV_ENGINE_DB_IMPL_H_
#define RINGKV_ENGINE_DB_IMPL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "ringkv/db.h"
#include "engine/lock_file.h"
#include "engine/log.h"
#include "engine/tree_store.h"
#include "engine/version.h"
#include "engine/version_pins.h"
#include "uring/io_backend.h"
#include "base/thread_wakeup.h"

namespace ringkv {

// The parts a DB runs on; DBImpl::Open builds them from Options, tests may supply their own.
struct DBParts {
  std::shared_ptr<io::IoBackend> io;  // released last
  std::unique_ptr<LockFile> lock;
  std::unique_ptr<TreeStore> tree;
  std::unique_ptr<Log> log;
};

class DBImpl final : public DB {
 public:
  // Recovers (replays `parts.log` from the tree's checkpoint LSN) and starts the checkpointer.
  static absl::StatusOr<std::unique_ptr<DB>> Start(const Options& options, std::string path,
                                                   DBParts parts);
  ~DBImpl() override;

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override;
  absl::Status Delete(const WriteOptions& options, std::string_view key) override;
  absl::Status Write(const WriteOptions& options, const WriteBatch& batch) override;
  void WriteAsync(const WriteOptions& options, WriteBatch batch,
                  absl::AnyInvocable<void(absl::Status)> done) override;
  absl::StatusOr<std::string> Get(const ReadOptions& options, std::string_view key) override;
  void GetAsync(const ReadOptions& options, std::string key,
                absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  absl::Status Flush() override;
  absl::Status Checkpoint() override;
  absl::Status Close() override;
  absl::StatusOr<std::string> VerifyIntegrity() override;
  absl::StatusOr<std::string> GetProperty(std::string_view name) override;

 private:
  DBImpl(const Options& options, std::string path, DBParts parts);

  // A Write waiting in queue_: woken to lead the queue or because it is done; a leader that
  // goes on leading is woken a second time, when its own write is durable (each wake-up is
  // consumed by one wait; ThreadWakeup for the same reason as Wal::SyncWaiter).
  struct QueuedWrite {
    const WriteBatch* batch = nullptr;
    bool sync = true;
    bool lead = false;  // set before `wake`: this writer now leads
    absl::Status status;
    Log::Range range;
    uint64_t last_seq = 0;  // of its last entry, once appended
    ThreadWakeup wake;
  };

  absl::Status Recover();
  // Appends `batch` to the log and the memtable; returns its log range.
  absl::StatusOr<Log::Range> Apply(const WriteBatch& batch);
  // Appends `batch` to the log (the DB fails if that does) and its entries, numbered up to
  // `last_seq`, to pending_.
  absl::StatusOr<Log::Range> AppendLocked(const WriteBatch& batch, uint64_t* last_seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Adds pending_ to the memtable, where readers see them; on return, every write appended
  // before the call is visible.
  void InsertPending() ABSL_LOCKS_EXCLUDED(insert_mu_, pending_mu_);
  // Returns once readers see the write whose last entry is `last_seq` (0: nothing appended).
  void MakeVisible(uint64_t last_seq) ABSL_LOCKS_EXCLUDED(insert_mu_, pending_mu_);
  using Group = absl::InlinedVector<QueuedWrite*, 16>;
  // The leader's part of Write: applies `self` and the writes queued behind it (`queued`: self
  // was handed the lead at the queue's front), and goes on with the writes queued meanwhile
  // while its own waits to be durable; then hands the lead to the next writer (or gives it
  // up), and waits. Every sync follower is woken once its write is durable. Returns self's
  // status.
  absl::Status LeadWrites(QueuedWrite* self, bool queued);
  // Moves writes from the queue's front into `group`, within the group's size bounds.
  void TakeGroupLocked(Group* group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  // Appends each write of `group` to the log and pending_, setting its range or status;
  // `sync_end` becomes at least the end of every sync write applied. Not OK if any failed.
  absl::Status ApplyGroup(const Group& group, uint64_t* sync_end);
  // With write_mu_ held: fails if the DB is failed or closed, waits for a free immutable slot
  // and rotates a full memtable (any non-empty one if `force`), pending_ inserted first
  // (a rotation points pending_mem_ at the new memtable).
  absl::Status MakeRoomForWrite(bool force) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void Rotate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_, mu_);
  void CheckpointLoop();
  absl::Status CheckpointImmutable();
  std::shared_ptr<const Version> CurrentVersion();
  // current_ = v, and the same for lock-free readers.
  void SetCurrent(std::shared_ptr<const Version> v) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Turns a failed I/O into the DB's sticky read-only state; returns the error to report.
  absl::Status Fail(const absl::Status& cause);
  absl::Status FailedStatus() const;
  absl::Status CheckWritable() const;
  void WorkerLoop();

  const Options options_;
  const std::string path_;
  DBParts parts_;

  // Writers queue here; the one at the front leads (applies a group for everyone). Followers
  // sleep once, until their write is done, instead of convoying on write_mu_.
  absl::Mutex queue_mu_ ABSL_ACQUIRED_BEFORE(write_mu_);
  std::deque<QueuedWrite*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool leading_ ABSL_GUARDED_BY(queue_mu_) = false;

  // Log order equals memtable order: both happen under write_mu_ (the durability wait doesn't).
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::atomic<uint64_t> last_sequence_{0};  // newest sequence visible to readers

  // Entries in the log but not yet in the memtable (pending_mem_), in log order. A sync
  // write's go in while its log write is in flight, on a thread the log lends
  // (Log::SetCatchUpHook), together with everyone else's pending then, in one
  // MemTable::AddMany: the memtable's cache misses of a whole group commit overlap, where
  // they were paid one insert after another (perf: 18% of the CPU time of 64 sync writers).
  // Every Write also makes sure of its own before it returns (its batch must outlive them);
  // a rotation inserts pending_ first. Neither lock is held while waiting for I/O: the
  // inserting thread may be the I/O completion thread. Lock order: write_mu_, mu_,
  // insert_mu_, pending_mu_.
  absl::Mutex insert_mu_ ABSL_ACQUIRED_AFTER(write_mu_);
  std::vector<MemTable::NewEntry> inserting_ ABSL_GUARDED_BY(insert_mu_);
  absl::Mutex pending_mu_ ABSL_ACQUIRED_AFTER(insert_mu_);
  std::vector<MemTable::NewEntry> pending_ ABSL_GUARDED_BY(pending_mu_);
  std::shared_ptr<MemTable> pending_mem_ ABSL_GUARDED_BY(pending_mu_);

  mutable absl::Mutex mu_;
  // Every change of current_ is also published to pins_, which Get reads without mu_.
  std::shared_ptr<const Version> current_ ABSL_GUARDED_BY(mu_);
  VersionPins pins_;
  uint64_t imm_end_lsn_ ABSL_GUARDED_BY(mu_) = 0;  // log records below it are in imm
  uint64_t checkpoints_started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t checkpoints_done_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread checkpoint_thread_;

  // Checkpoint statistics.
  std::atomic<uint64_t> checkpoint_count_{0};
  std::atomic<uint64_t> checkpoint_micros_total_{0};
  std::atomic<uint64_t> checkpoint_micros_last_{0};
  std::atomic<uint64_t> checkpoint_pages_written_{0};

  // GetAsync work runs here so a caller's event loop never waits for a page read.
  absl::Mutex work_mu_;
  std::deque<absl::AnyInvocable<void()>> work_ ABSL_GUARDED_BY(work_mu_);
  bool work_stopping_ ABSL_GUARDED_BY(work_mu_) = false;
  std::thread worker_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_DB_IMPL_H_
