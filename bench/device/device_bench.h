// `ringkv bench device`: how fast can this disk make a block durable, by each method the kernel
// offers, into files in each allocation state, at each block size and queue depth. This file
// is allowed raw syscalls and raw io_uring (the "no hidden I/O" rule binds wal/, pagestore/ and
// engine/): measuring the methods themselves, without ringkv's layers, is the point.
#ifndef RINGKV_BENCH_DEVICE_DEVICE_BENCH_H_
#define RINGKV_BENCH_DEVICE_DEVICE_BENCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/report/latency_histogram.h"

namespace ringkv::bench {

// One way to write a block and make it durable.
struct WriteMethod {
  const char* name;
  const char* description;
  int open_flags;  // added to O_WRONLY (O_DIRECT, O_DSYNC)
  enum class Sync { kNone, kFdatasync, kFsync } sync;
  bool uring;      // submitted through io_uring (a write linked to its sync, if any)
  bool fixed;      // io_uring: registered buffers (WRITE_FIXED)
  bool sqpoll;     // io_uring: a kernel thread polls the submission queue
  bool durable;    // false only for "buffered", the not-durable reference
};

// Every method, in the order the table lists them.
const std::vector<WriteMethod>& WriteMethods();
// nullptr for an unknown name.
const WriteMethod* FindWriteMethod(std::string_view name);

// How the blocks written are allocated before the run.
enum class FileState {
  kZeroed,      // written with zeros and fsynced: overwrites need no metadata (the WAL's case)
  kFallocated,  // fallocate(2)d: unwritten extents, the first write of each converts it
  kExtending,   // empty: every write grows the file (size and extent metadata)
};
const char* FileStateName(FileState state);
bool ParseFileState(std::string_view name, FileState* state);
std::vector<FileState> AllFileStates();

struct DeviceRun {
  const WriteMethod* method = nullptr;
  FileState state = FileState::kZeroed;
  uint64_t block_bytes = 4096;
  // Writes in flight: threads for the syscall methods (each blocks in its own write), ring
  // entries for the io_uring ones (one thread keeps `depth` chains submitted).
  int depth = 1;
  double seconds = 1.0;
  int sqpoll_cpu = -1;  // pin the SQPOLL thread (-1: unpinned)
};

struct DeviceMeasurement {
  uint64_t ops = 0;
  double seconds = 0;  // from the first submission to the last completion measured
  LatencyHistogram latency;
  std::string note;  // e.g. "stopped after 0.4 s: the fallocated region was used up"
};

// Owns the scratch files of one `ringkv bench device` invocation in one directory: the
// zero-filled file is written once and reused by every zeroed run; fallocated and extending
// runs get a fresh file each. Everything is removed when this is destroyed.
class DeviceBench {
 public:
  explicit DeviceBench(std::string dir);
  ~DeviceBench();
  DeviceBench(const DeviceBench&) = delete;
  DeviceBench& operator=(const DeviceBench&) = delete;

  // Checks the run can be done here (O_DIRECT alignment for its block size, say) and does it.
  // InvalidArgument: the combination is impossible on this filesystem (the caller skips it).
  absl::StatusOr<DeviceMeasurement> Measure(const DeviceRun& run);

 private:
  // The file a run writes and the blocks it may write; `wrap`: round and round (zeroed), else
  // stop at the end (a second pass would find written, not unwritten, extents).
  struct Region {
    std::string path;
    uint64_t blocks = 0;
    bool wrap = false;
  };
  absl::StatusOr<Region> PrepareRegion(const DeviceRun& run);
  absl::Status PrepareZeroed(uint64_t bytes);
  absl::StatusOr<std::string> PrepareFresh(FileState state, uint64_t bytes);

  const std::string dir_;
  const std::string zeroed_path_;
  uint64_t zeroed_bytes_ = 0;  // how much of zeroed_path_ is written with zeros
  const std::string fresh_path_;
};

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_DEVICE_DEVICE_BENCH_H_
