// DBImpl is the engine behind DB: the write path (a WriteQueue whose leader appends a whole
// group to the log and the memtable under one lock, durability waited for outside it), reads
// through a ReadView, a background checkpoint thread that merges the immutable memtable into the
// page store, and recovery at Open. Its member definitions are spread over files by job:
// db_impl.cc (life cycle, failure state), db_recovery.cc, db_write.cc, db_read.cc,
// db_checkpoint.cc, db_stats.cc.
#ifndef RINGKV_ENGINE_DB_IMPL_H_
#define RINGKV_ENGINE_DB_IMPL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "base/background_priority.h"
#include "ringkv/db.h"
#include "engine/live_readers.h"
#include "engine/lock_file.h"
#include "engine/log.h"
#include "engine/task_thread.h"
#include "engine/tree_store.h"
#include "engine/read_view.h"
#include "engine/read_view_pins.h"
#include "engine/write_queue.h"
#include "uring/io_backend.h"

namespace ringkv {

// The parts a DB runs on; DBImpl::Open builds them from Options, tests may supply their own.
struct DBParts {
  std::shared_ptr<io::IoBackend> io;  // released last
  std::unique_ptr<LockFile> lock;
  std::unique_ptr<TreeStore> tree;
  std::unique_ptr<Log> log;
};

class DBImpl final : public DB, private WriteQueue::Applier {
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

    // Sequence numbers: entry i of the batch logged at LSN `lsn` gets lsn + 1 + i. A record is
  // longer than its entry count, so these never collide, grow with the log, and start at 1
  // (0 means "before everything").
  static uint64_t FirstSequence(uint64_t lsn) { return lsn + 1; }

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
  // WriteQueue::Applier: what the queue's leader has done to a group, under write_mu_.
  absl::Status ApplyGroup(const WriteQueue::Group& group, uint64_t* sync_end) override;
  // With write_mu_ held: fails if the DB is failed or closed, waits for a free immutable slot
  // and rotates a full memtable (any non-empty one if `force`), pending_ inserted first
  // (a rotation points pending_mem_ at the new memtable).
  absl::Status MakeRoomForWrite(bool force) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void Rotate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_, mu_);
  void CheckpointLoop();
  // Checkpoints the immutable memtable, then merges the sorted runs into the tree if they
  // have grown past the options' bounds.
  absl::Status CheckpointImmutable();
  // Whether the published runs have grown past the options' bounds (count, pages, or the
  // older versions they replace, against the tree's pages).
  bool RunsCallForMerge() const;
  // Checkpoints the immutable memtable (if any): as a sorted run, or, while the tree is small
  // next to it, merged straight into the tree.
  absl::Status CheckpointWaitingImmutable();
  // Pages a checkpoint step rewrites (Options::checkpoint_step_bytes).
  uint64_t StepPages() const;
  // current_ with `tree` in place of its tree.
  void PublishTree(std::shared_ptr<TreeSnapshot> tree) ABSL_LOCKS_EXCLUDED(mu_);
  // Adds one finished checkpoint to the statistics GetProperty reports.
  void RecordCheckpoint(uint64_t micros, uint64_t pages_written);
  std::shared_ptr<const ReadView> CurrentView();
  // current_ = v, and the same for lock-free readers.
  void SetCurrent(std::shared_ptr<const ReadView> v) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Turns a failed I/O into the DB's sticky read-only state; returns the error to report.
  absl::Status Fail(const absl::Status& cause) override;
  absl::Status FailedStatus() const;
  // FailedPrecondition once closed, else the DB's failure (OK if none).
  absl::Status CheckWritable() const;
  // FailedPrecondition once closed (the log and tree are gone), else OK.
  absl::Status CheckOpen() const;
  // What every call after Close returns.
  absl::Status ClosedError() const;

  const Options options_;
  const std::string path_;
  DBParts parts_;

  // Writers queue here; the one at the front leads (applies a group for everyone). Followers
  // sleep once, until their write is done, instead of convoying on write_mu_. Its lock is
  // taken before write_mu_.
  WriteQueue write_queue_;

  // Log order equals memtable order: both happen under write_mu_ (the durability wait doesn't).
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::atomic<uint64_t> last_sequence_{0};  // newest sequence visible to readers

  // Entries in the log but not yet in the memtable (pending_mem_), in log order. A sync
  // write's go in while its log write is in flight, on a thread the log lends
  // (Log::SetCatchUpHook), together with everyone else's pending then, in one
  // MemTable::AddMany: the memtable's cache misses of a whole group commit overlap, where
  // they were paid one insert after another (docs/performance.md, "Engine against its peers").
  // Every Write also makes sure of its own before it returns (its batch must outlive them);
  // a rotation inserts pending_ first. Neither lock is held while waiting for I/O: the
  // inserting thread may be the I/O completion thread. Lock order: write_mu_, mu_,
  // insert_mu_, pending_mu_.
  absl::Mutex insert_mu_ ABSL_ACQUIRED_AFTER(write_mu_);
  std::vector<MemTable::NewEntry> inserting_ ABSL_GUARDED_BY(insert_mu_);
  absl::Mutex pending_mu_ ABSL_ACQUIRED_AFTER(insert_mu_);
  std::vector<MemTable::NewEntry> pending_ ABSL_GUARDED_BY(pending_mu_);
  std::shared_ptr<MemTable> pending_mem_ ABSL_GUARDED_BY(pending_mu_);

  // Iterators and snapshots handed out and not yet deleted or released: none may be left at
  // Close, which frees what they read.
  LiveReaders live_readers_;

  mutable absl::Mutex mu_;
  // Every change of current_ is also published to pins_, which Get reads without mu_.
  std::shared_ptr<const ReadView> current_ ABSL_GUARDED_BY(mu_);
  ReadViewPins pins_;
  uint64_t imm_end_lsn_ ABSL_GUARDED_BY(mu_) = 0;  // log records below it are in imm
  uint64_t checkpoints_started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t checkpoints_done_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread checkpoint_thread_;
  // Idle while nobody waits on a checkpoint; every wait for one holds a Waiting.
  BackgroundPriority checkpoint_priority_;

  // Checkpoint statistics.
  std::atomic<uint64_t> checkpoint_count_{0};
  std::atomic<uint64_t> checkpoint_micros_total_{0};
  std::atomic<uint64_t> checkpoint_micros_last_{0};
  std::atomic<uint64_t> checkpoint_pages_written_{0};
  std::atomic<uint64_t> run_merges_{0};  // merges of the sorted runs into the tree
  // The checkpoint thread is writing a memtable or merging runs (ringkv.checkpoint.running:
  // what a benchmark watches to time writes beside it).
  std::atomic<bool> checkpoint_running_{false};

  // GetAsync work runs here so a caller's event loop never waits for a page read.
  TaskThread get_async_thread_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_DB_IMPL_H_
