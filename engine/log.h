// What the engine needs from a write-ahead log, as an interface: ordered buffered appends that
// hand back their LSN range, group-committed durability waits, replay and truncation.
// Names: `Log` is this interface, the engine's view of the log; `wal::Wal` (wal/wal.h) is the
// log itself and `wal::ReplayLog` (wal/log_reader.h) its replay; engine/wal_log.cc adapts the
// one to the other (`WalLog`); tests/engine/mem_parts.h has one in memory (`MemLog`).
#ifndef RINGKV_ENGINE_LOG_H_
#define RINGKV_ENGINE_LOG_H_

#include <cstdint>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wal/wal.h"

namespace ringkv {

struct LogStats {
  uint64_t bytes_appended = 0;
  uint64_t records_appended = 0;
  uint64_t durable_writes = 0;  // writes that made records durable (each one O_DSYNC write)
  uint64_t syncs = 0;           // explicit fsync/fdatasync calls
  uint64_t max_inflight = 0;      // most durable writes in flight at once
  double avg_inflight = 0;        // durable writes in flight at a submission, itself included
  uint64_t skips = 0;             // blocks left to an in-flight write (docs/format.md)
  double avg_group_records = 0;  // records per durable write
};

class Log {
 public:
  // A record's LSNs: `start` is its own, `end` the one just past it (it is durable once
  // durable_lsn() >= end). The WAL's own type: one definition, no conversion.
  using Range = wal::Wal::Range;

  virtual ~Log() = default;
  // Copies `record` into the log buffer; the order of calls is the log order. No I/O wait.
  virtual absl::StatusOr<Range> Append(std::string_view record) = 0;
  // Blocks until every record ending at or before `end` is durable (joining a group commit).
  virtual absl::Status WaitDurable(uint64_t end) = 0;
  // Same, without blocking: `done` runs (on an I/O completion thread) once durable or failed.
  virtual void WaitDurableAsync(uint64_t end, absl::AnyInvocable<void(absl::Status)> done) = 0;
  // `hook` runs while a write is in flight, on a thread with time to spare: right after
  // WaitDurable or WaitDurableAsync waiters were woken (on the thread that woke them), or on a
  // writer waiting for its own write. Set before the first Append.
  virtual void SetCatchUpHook(absl::AnyInvocable<void()> hook) = 0;
  // Makes everything appended so far durable.
  virtual absl::Status Flush() = 0;
  virtual uint64_t next_lsn() const = 0;
  // Every record ending at or before this LSN is durable.
  virtual uint64_t durable_lsn() const = 0;
  // Calls `fn` for each record at or after `from` in order; stops at a torn tail quietly, and
  // fails with DataLoss on corruption followed by valid records. Call before any Append.
  virtual absl::Status Replay(
      uint64_t from, absl::FunctionRef<absl::Status(uint64_t lsn, std::string_view record)> fn) = 0;
  // Records below `lsn` are no longer needed (a checkpoint covers them): drop or recycle them.
  virtual absl::Status DropBelow(uint64_t lsn) = 0;
  virtual LogStats stats() const = 0;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_LOG_H_
