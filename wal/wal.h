// Wal is ringkv's write-ahead log: ordered appends into an aligned, registered buffer, group
// commit of everything buffered in one O_DIRECT|O_DSYNC write, acknowledgement only once every
// byte up to a record's end is durable, replay, and recycling of segments a checkpoint no
// longer needs. Format: docs/format.md, "WAL segments".
#ifndef RINGKV_WAL_WAL_H_
#define RINGKV_WAL_WAL_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "uring/io_backend.h"
#include "wal/log_reader.h"
#include "wal/segment_files.h"

namespace ringkv::wal {

struct WalOptions {
  uint64_t segment_bytes = 64ull << 20;  // multiple of 4096, at least 64 KiB
  // Create the next segment in the background while the current one fills.
  bool preallocate = true;
};

struct WalStats {
  uint64_t bytes_appended = 0;
  uint64_t records_appended = 0;
  uint64_t durable_writes = 0;       // O_DSYNC writes issued by group commit
  uint64_t records_made_durable = 0;
  uint64_t syncs = 0;                // fdatasync calls (buffered fallback only)
  uint64_t segments_created = 0;
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
  // Retires every segment that holds only LSNs below `lsn`.
  absl::Status DropBelow(uint64_t lsn);

  uint64_t next_lsn() const;
  uint64_t durable_lsn() const;
  WalStats stats() const;

 private:
  Wal(io::IoBackend& io, std::string dir, const WalOptions& options, uint64_t min_lsn);
  absl::Status Init();
  absl::Status StartAppending(const ReplayResult& replay);

  // One group-commit write: the chain (one op per segment it touches) and the LSN it makes
  // durable.
  struct PreparedWrite {
    io::Chain chain;
    uint64_t end = 0;
  };
  // Claims the write (writing_) and builds it from everything buffered but not durable; nullopt
  // if there is nothing to write. May wait for the allocator to open a segment.
  absl::StatusOr<std::optional<PreparedWrite>> PrepareWriteLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // mu_ not held. With caller_waits the thread reaps the completion itself.
  void SubmitWrite(PreparedWrite w, bool caller_waits);
  void OnWriteDone(uint64_t end, const io::Completion& c);
  absl::Status WaitDurableLocked(uint64_t end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes room for `bytes` more in the buffer (flushing and compacting); append_mu_ held.
  absl::Status ReserveLocked(uint64_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SegmentFor(uint64_t lsn, io::FileId* file) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AllocatorLoop();

  io::IoBackend& io_;
  SegmentFiles files_;
  const WalOptions options_;
  const uint64_t min_lsn_;
  const uint64_t data_bytes_;

  absl::Mutex append_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one Append at a time: LSN order

  mutable absl::Mutex mu_;
  absl::CondVar cv_;        // writers: durability advanced, a segment became ready, failure
  absl::CondVar alloc_cv_;  // the allocator thread: a segment is wanted, or stopping
  bool ready_ ABSL_GUARDED_BY(mu_) = false;  // Replay ran
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<io::BufferPool> pool_;
  io::IoBuffer buf_;                                // the log buffer
  uint64_t buf_lsn_ ABSL_GUARDED_BY(mu_) = 0;       // LSN of buf_.data[0] (block aligned)
  uint64_t next_lsn_ ABSL_GUARDED_BY(mu_) = 0;      // where the next fragment goes
  uint64_t durable_lsn_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t records_buffered_ ABSL_GUARDED_BY(mu_) = 0;  // appended, not yet in a write
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::multimap<uint64_t, absl::AnyInvocable<void(absl::Status)>> async_waiters_
      ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, io::FileSlot> open_ ABSL_GUARDED_BY(mu_);  // segment number -> file
  bool direct_ = true;
  WalStats stats_ ABSL_GUARDED_BY(mu_);

  // Background segment creation: segments below ready_segment_ exist.
  uint64_t ready_segment_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t wanted_segment_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status allocator_error_ ABSL_GUARDED_BY(mu_);
  std::thread allocator_;
};

}  // namespace ringkv::wal

#endif  // RINGKV_WAL_WAL_H_
