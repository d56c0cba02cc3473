// What `ringkv crash exec` records of a workload run: the file-system ops that took effect under
// the recorded root, in order, and the workload's standard output, stamped with the same event
// counter so a line printed after an op returned is known to come after it.
#ifndef RINGKV_CRASH_EXEC_RECORDING_H_
#define RINGKV_CRASH_EXEC_RECORDING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "uring/recording_backend.h"

namespace ringkv::crash::exec {

// Bytes the workload wrote to its standard output, read right after event `event`.
struct OutputChunk {
  uint64_t event = 0;
  std::string bytes;
};

struct Recording {
  std::string root;                  // every op's path lies under it (the mount point)
  std::vector<io::RecordedOp> ops;   // in completion order; each op is its own chain
  std::vector<OutputChunk> output;   // in event order
  // Operations the filesystem refused because the crash model does not cover them (symlinks,
  // special files, RENAME_EXCHANGE, fallocate modes other than 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE), one line each.
  std::vector<std::string> refused;
};

// The workload output printed before the crash right after `event`.
std::string OutputBefore(const Recording& recording, uint64_t event);

}  // namespace ringkv::crash::exec

#endif  // RINGKV_CRASH_EXEC_RECORDING_H_
