// Wal is ringkv's write-ahead log: ordered appends into an aligned, registered buffer, group
// commit of everything buffered in O_DIRECT|O_DSYNC writes (several in flight over disjoint
// blocks), acknowledgement only once every byte up to a record's end is durable, replay, and
// recycling of segments a checkpoint no longer needs. Format: docs/format.md, "WAL segments".
// Names: this is the log; wal/log_reader.h (ReplayLog) is its replay; the engine uses it
// through its own interface, engine/log.h's Log (engine/wal_log.cc adapts).
#ifndef RINGKV_WAL_WAL_H_
#define RINGKV_WAL_WAL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "uring/io_backend.h"
#include "base/thread_wakeup.h"
#include "wal/log_reader.h"
#include "wal/segment_files.h"
#include "wal/wal_format.h"

namespace ringkv::wal {

struct WalOptions {
  uint64_t segment_bytes = 64ull << 20;  // multiple of 4096, at least 64 KiB
  // Create the next segment in the background once the current one is a quarter full.
  bool preallocate = true;
  // Group-commit writes in flight at once (1 to 64). More keeps a slow device's queue full, but
  // each write costs CPU (submission, flush, completion): on a 2-vCPU VM one write in flight
  // commits the most records per second (docs/performance.md). A lone writer never has more.
  int max_writes_in_flight = 1;
};

struct WalStats {
  uint64_t bytes_appended = 0;
  uint64_t records_appended = 0;
  uint64_t durable_writes = 0;       // O_DSYNC writes issued by group commit
  uint64_t records_made_durable = 0;
  uint64_t syncs = 0;                // fdatasync calls (buffered fallback only)
  uint64_t segments_created = 0;
  uint64_t writes_in_flight_sum = 0;  // writes in flight (this one included) at each submission
  uint64_t max_writes_in_flight = 0;
  uint64_t skips = 0;                 // skip fragments: a block left to an in-flight write
  bool direct_io = true;
};

class Wal {
 public:
  struct Range {
    uint64_t start = 0;
    uint64_t end = 0;
  };

  // Opens the log in `dir` (created if missing). Appends may start once Replay has run (it
  // finds the end of the log); they get LSNs >= `min_lsn`.
  static absl::StatusOr<std::unique_ptr<Wal>> Open(io::IoBackend& io, std::string dir,
                                                   const WalOptions& options, uint64_t min_lsn);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Delivers every record from `from` (a record boundary) in order, then readies the log for
  // appends right after the last whole record.
  absl::Status Replay(uint64_t from, RecordFn fn);

  // Copies `record` into the log buffer (no durability wait). Thread-safe; calls are ordered.
  absl::StatusOr<Range> Append(std::string_view record);
  // Blocks until everything below `end` is durable; the calling thread may write the group.
  absl::Status WaitDurable(uint64_t end);
  // `done` runs once everything below `end` is durable (or the log failed): on this thread if
  // that is already so, else on an I/O completion thread.
  void WaitDurableAsync(uint64_t end, absl::AnyInvocable<void(absl::Status)> done);
  absl::Status Flush();
  // Flushes, then appends and makes durable an end mark vouching that every record before it
  // was durable, so damage to the last records is told from a torn write. For a clean close:
  // Append fails after it. Then removes the spare (retired) segments, and those made ahead of
  // the end (they hold no records; the next open makes them again) where a lost last segment
  // is told otherwise: the oldest LSN still needed (Replay's start, DropBelow's bound) lies
  // inside it. Else one stays, so a deleted last segment is a gap, not a shorter log.
  absl::Status Seal();
  // `hook` runs where a thread has time to spare while a write is in flight: right after it
  // woke durable writers (WaitDurable or WaitDurableAsync), and on a writer that reaps its own
  // write, between submitting it and its completion. The engine makes the records appended so
  // far visible there in one go (its memtable insert), off every writer's wait: run before
  // waking, it held every wake-up back by that work. Set before the first Append.
  void SetCatchUpHook(absl::AnyInvocable<void()> hook) { catch_up_hook_ = std::move(hook); }
  // Retires every segment that holds only LSNs below `lsn`.
  absl::Status DropBelow(uint64_t lsn);

  uint64_t next_lsn() const;
  uint64_t durable_lsn() const;
  WalStats stats() const;

 private:
  // Seal's end mark, without the spares' removal.
  absl::Status SealLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  Wal(io::IoBackend& io, std::string dir, const WalOptions& options, uint64_t min_lsn);
  absl::Status Init();
  absl::Status StartAppending(const ReplayResult& replay);
  // Makes the segments holding [from, end) durable (they were only read).
  absl::Status SyncReplayed(uint64_t from, uint64_t end);

  // One group-commit write: the chain (one op per segment it touches) and the LSN it makes
  // durable once it and every write before it completed.
  struct PreparedWrite {
    io::Chain chain;
    uint64_t seq = 0;
    uint64_t end = 0;
  };
  struct InflightWrite {
    uint64_t end = 0;
    bool done = false;
  };
  // A thread blocked in WaitDurable; lives on its stack, queued in waiters_ until woken.
  // A spinning semaphore, not absl::Notification: that one's Notify and Wait go through a
  // Mutex and its condition machinery, and with 64 writers on 2 cores the wake-ups were the
  // limit (docs/performance.md, "WAL").
  struct SyncWaiter {
    uint64_t end = 0;
    absl::Status result;
    ThreadWakeup woken{ThreadWakeup::Awaits::kDeviceWrite};
  };
  // Builds the next write from buffered bytes not yet submitted, if one may start now: not
  // over a block an in-flight write still owns, within the tear window and the in-flight limit,
  // and with its segment open (else asks the allocator, which submits it once ready).
  absl::StatusOr<std::optional<PreparedWrite>> PrepareWriteLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What a change of state sets going, gathered under mu_ and delivered after unlocking it:
  // the next write, the waiters to wake, the callbacks to run (with `status`).
  struct Wakeups {
    std::optional<PreparedWrite> write;
    std::vector<SyncWaiter*> waiters;
    std::vector<absl::AnyInvocable<void(absl::Status)>> callbacks;
    absl::Status status;
  };
  // Submits a write for bytes someone waits for (if one may start) and gathers the waiters
  // whose ends are durable, or all of them if the log failed.
  void ProgressLocked(Wakeups* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Deliver(Wakeups& w) ABSL_LOCKS_EXCLUDED(mu_);
  // Leads writes until `end` is covered by one; then the result if it is already known, else
  // nullopt with `waiter` queued to be woken.
  std::optional<absl::Status> LeadOrEnqueueLocked(uint64_t end, SyncWaiter* waiter)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // mu_ not held. With caller_waits the thread reaps the completion itself.
  void SubmitWrite(PreparedWrite w, bool caller_waits);
  void OnWriteDone(uint64_t seq, const io::Completion& c);
  // Blocks until everything below `end` is durable or the log failed. mu_ is held on entry and
  // on return but released while blocked.
  absl::Status WaitDurableLocked(uint64_t end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes room for `bytes` more in the buffer (flushing and compacting).
  absl::Status ReserveLocked(uint64_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes `h` and `payload` as a fragment at next_lsn_ and advances it.
  void PutFragmentLocked(FragmentHeader h, std::string_view payload)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The open segment holding `lsn`, or nullopt after asking the allocator for it (and for
  // the one ahead of `piece_end`, the end of the write, once SegmentsWanted says so).
  absl::StatusOr<std::optional<io::FileId>> SegmentFor(uint64_t lsn, uint64_t piece_end)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // How many segments (from 0) should exist once the log reaches `end`: always the one
  // holding `end`, and the one after it once SegmentsWanted's threshold is passed.
  uint64_t SegmentsWanted(uint64_t end) const;
  // Asks the allocator for segments up to `count` (from 0) if it was not asked already.
  void WantSegmentsLocked(uint64_t count) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AllocatorLoop();

  io::IoBackend& io_;
  SegmentFiles files_;
  const WalOptions options_;
  const uint64_t min_lsn_;
  const uint64_t data_bytes_;

  absl::Mutex append_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one Append at a time: LSN order
  absl::AnyInvocable<void()> catch_up_hook_;  // set before appends start: read without a lock

  mutable absl::Mutex mu_;
  absl::CondVar cv_;        // start and close: a segment became ready, the last write landed
  absl::CondVar alloc_cv_;  // the allocator thread: a segment is wanted, or stopping
  bool ready_ ABSL_GUARDED_BY(mu_) = false;  // Replay ran
  bool sealed_ ABSL_GUARDED_BY(mu_) = false;  // Seal ran: no more appends
  uint64_t needed_from_ ABSL_GUARDED_BY(mu_) = 0;  // Replay's start, raised by DropBelow
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<io::BufferPool> pool_;
  io::IoBuffer buf_;                                // the log buffer
  uint64_t buf_lsn_ ABSL_GUARDED_BY(mu_) = 0;       // LSN of buf_.data[0] (block aligned)
  uint64_t next_lsn_ ABSL_GUARDED_BY(mu_) = 0;      // where the next fragment goes
  // Every byte below is durable. Written under mu_; atomic so durable_lsn() reads it without.
  std::atomic<uint64_t> durable_lsn_{0};
  uint64_t submitted_lsn_ ABSL_GUARDED_BY(mu_) = 0; // end of the last write submitted
  // Where the next write starts (block aligned): the block holding submitted_lsn_ (rewritten
  // once no write owns it), or the block after it once a skip fragment left it behind.
  uint64_t write_from_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t wanted_lsn_ ABSL_GUARDED_BY(mu_) = 0;    // the furthest end anyone waits for
  uint64_t records_buffered_ ABSL_GUARDED_BY(mu_) = 0;  // appended, not yet in a write
  std::deque<InflightWrite> inflight_ ABSL_GUARDED_BY(mu_);  // in LSN order
  uint64_t first_inflight_seq_ ABSL_GUARDED_BY(mu_) = 0;     // seq of inflight_.front()
  // Min-heap on end: the next to wake is on top.
  std::vector<SyncWaiter*> waiters_ ABSL_GUARDED_BY(mu_);
  std::multimap<uint64_t, absl::AnyInvocable<void(absl::Status)>> async_waiters_
      ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, io::FileSlot> open_ ABSL_GUARDED_BY(mu_);  // segment number -> file
  bool direct_ = true;
  WalStats stats_ ABSL_GUARDED_BY(mu_);

  // Background segment creation: segments below ready_segment_ exist.
  uint64_t ready_segment_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t wanted_segment_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Completions still delivering (waking writers, then the catch-up hook): the writers they
  // woke may close the log at once, so its destructor waits for these too.
  int delivering_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status allocator_error_ ABSL_GUARDED_BY(mu_);
  std::thread allocator_;
};

}  // namespace ringkv::wal

#endif  // RINGKV_WAL_WAL_H_
