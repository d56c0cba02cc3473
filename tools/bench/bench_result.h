// What `ringkv bench` measured: one RunResult per row of the table (a device method at one file
// state, block size and depth; or one engine workload on one store), the machine it ran on, and
// the warnings of the honesty checks. The table, JSON and SVG writers read only this.
#ifndef RINGKV_TOOLS_BENCH_BENCH_RESULT_H_
#define RINGKV_TOOLS_BENCH_BENCH_RESULT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ringkv::tools {

// The figures of one repetition (or, in RunResult::median, the median of each figure over the
// repetitions: a row's figures may then come from different repetitions).
struct RunFigures {
  uint64_t ops = 0;
  double seconds = 0;
  double ops_per_sec = 0;
  double mb_per_sec = 0;  // 10^6 bytes per second of user data (blocks, or keys+values)
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
};

struct RunResult {
  std::string kind;   // "device" or "engine"
  std::string label;  // one line naming the run, e.g. "direct_dsync zeroed 4KiB qd1"
  // Device runs.
  std::string method;
  std::string file_state;
  uint64_t block_bytes = 0;
  int depth = 0;  // writes in flight: threads for syscall methods, ring entries for io_uring
  bool durable = true;  // false only for the "buffered" reference method
  // Engine runs.
  std::string store;
  std::string workload;
  int threads = 0;
  uint64_t key_bytes = 0, value_bytes = 0;
  // Both.
  std::vector<RunFigures> repetitions;
  RunFigures median;
  // Engine figures (medians over repetitions): see bench/engine/workloads.h.
  std::map<std::string, double> engine;
  std::string note;  // e.g. why a run stopped before its duration
  std::vector<std::string> warnings;
};

struct MachineInfo {
  std::string kernel;        // uname -srvm
  std::string hostname;
  int cpus = 0;
  std::string dir;           // the directory measured
  std::string filesystem;    // type from /proc/mounts (statfs magic as a fallback)
  std::string mount_point;
  std::string device;        // e.g. "/dev/vda"
  std::string block_device;  // the /sys/block name of the whole disk, e.g. "vda"
  std::string model;         // /sys/block/<dev>/device/model, "" if absent
  std::string write_cache;   // "write back", "write through" or "" if unknown
  std::string fua;           // "1", "0" or "" if unknown
  std::string rotational;    // "1", "0" or ""
  bool nvme = false;
};

struct Report {
  std::string mode;          // "device" or "engine"
  std::string command_line;  // as typed
  std::string started_utc;   // ISO 8601
  double total_seconds = 0;
  double seconds_per_run = 0;
  int repeat = 1;
  MachineInfo machine;
  std::vector<RunResult> runs;
  std::vector<std::string> warnings;  // machine-level and per-run, for the summary
  std::vector<std::string> skipped;   // runs that cannot be done here, and why
  std::vector<std::string> notes;     // how figures were obtained (calibrations, references)
};

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_BENCH_BENCH_RESULT_H_
