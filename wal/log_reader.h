// Replays the WAL: reads segments in order, checks every fragment (checksum, its own LSN, the
// segment header), reassembles records, and tells a torn tail (stop quietly) from corruption
// (a bad fragment followed by valid ones beyond the last write's reach: an error with file,
// offset and checksums). Wal::Replay (wal/wal.h) calls it; "log" here is that WAL.
#ifndef RINGKV_WAL_LOG_READER_H_
#define RINGKV_WAL_LOG_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "uring/io_backend.h"
#include "wal/segment_files.h"

namespace ringkv::wal {

struct ReplayResult {
  uint64_t end_lsn = 0;     // where the next record goes: just past the last whole record
  uint64_t records = 0;     // records delivered
  uint64_t bytes = 0;       // payload bytes delivered
  uint64_t bytes_read = 0;  // file bytes read
  // The bytes of the block holding end_lsn, from its start up to end_lsn (the writer rewrites
  // that block with the same bytes followed by new records).
  std::string tail;
};

using RecordFn = absl::FunctionRef<absl::Status(uint64_t lsn, std::string_view record)>;

// Delivers every whole record starting at or after `from`, which must be a record boundary (the
// end of a record, as a checkpoint LSN is): DataLoss if the log shows it is not.
absl::StatusOr<ReplayResult> ReplayLog(io::IoBackend& io, const SegmentFiles& files,
                                       uint64_t from, RecordFn fn);

}  // namespace ringkv::wal

#endif  // RINGKV_WAL_LOG_READER_H_
