// A forensic reading of the WAL for `ringkv check` and salvage: unlike replay it never stops at
// the first bad fragment. It reports every bad segment file and every damaged stretch of the
// log, and delivers every whole record that still passes its checksums, in LSN order.
#ifndef RINGKV_WAL_LOG_SCAN_H_
#define RINGKV_WAL_LOG_SCAN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "uring/io_backend.h"

namespace ringkv::wal {

// One damaged place: a segment file that is missing, of the wrong size or with a bad header,
// or a stretch of the log [lsn, resume_lsn) whose fragments fail their checks.
struct LogDamage {
  std::string file;
  uint64_t offset = 0;      // in `file`
  uint64_t lsn = 0;         // where the damage starts in the log
  uint64_t resume_lsn = 0;  // where valid records go on (0: nothing valid follows)
  std::string cause;
};

struct LogScanResult {
  std::vector<LogDamage> damage;
  uint64_t segments = 0;  // segment files read
  uint64_t records = 0;   // whole records delivered
  uint64_t end_lsn = 0;   // just past the last whole record found
};

using ScannedRecordFn = absl::FunctionRef<void(uint64_t lsn, std::string_view record)>;

// Reads every segment in `wal_dir` holding LSNs at or after `from`. The segment size is the
// one most headers record (`fallback_segment_bytes` if none can be read). Reads only.
absl::StatusOr<LogScanResult> ScanLog(io::IoBackend& io, const std::string& wal_dir,
                                      uint64_t from, uint64_t fallback_segment_bytes,
                                      ScannedRecordFn on_record);

}  // namespace ringkv::wal

#endif  // RINGKV_WAL_LOG_SCAN_H_
