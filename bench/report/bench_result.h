// What `ringkv bench` measured: one RunResult per row of the table (a device method at one file
// state, block size and depth; or one engine workload on one store), or one ScaleResult per
// store of the scale workload, the machine it ran on, and the warnings of the honesty checks.
// The table, JSON and SVG writers read only this.
#ifndef RINGKV_BENCH_REPORT_BENCH_RESULT_H_
#define RINGKV_BENCH_REPORT_BENCH_RESULT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ringkv::bench {

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
  std::string goal;  // the EngineGoal's name (bench/engine/engine_suite.h)
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

// One goal of `ringkv bench engine --goals`: ringkv's median against the best peer's and the
// device's own durable write.
struct GoalSummary {
  std::string goal;
  std::string figure;  // "p50" (us), "rate" (ops/s) or "seconds"
  double ringkv = 0;
  std::string best_peer;  // "" when no peer ran
  double best_peer_value = 0;
  double vs_best_peer = 0;  // above 1: ringkv is better, whichever way the figure points
  double vs_device = 0;     // sync goals: ringkv p50 / device p50, or rate / device rate; else 0
};

// One chunk of the scale workload's measured phase.
struct ScaleChunk {
  uint64_t ops = 0;        // ops of the phase done by the end of this chunk
  double seconds = 0;      // this chunk's wall time
  double ops_per_sec = 0;  // this chunk's rate
  // Bytes the process wrote to storage (/proc/self/io write_bytes) since the phase began, per
  // user byte (key + value) put since then.
  double write_amp = 0;
};

// The scale workload on one store (bench/scale/scale_workload.h). Figures a phase did not
// reach stay 0.
struct ScaleResult {
  std::string store;
  std::string mode;  // insert, overwrite or mix
  uint64_t keys = 0;
  uint64_t user_bytes = 0;   // key + value bytes of the live keys
  double load_seconds = 0;   // overwrite and mix: putting the keys before the measured phase
  std::vector<ScaleChunk> chunks;
  double seconds = 0;        // the measured phase, without Close
  double ops_per_sec = 0;
  double last_vs_first_rate = 0;  // the last chunk's rate over the first's
  double write_amp = 0;      // as ScaleChunk::write_amp, through Close
  uint64_t disk_bytes = 0;   // allocated by the store's files after Close
  double space_amp = 0;      // disk_bytes / user_bytes
  double reopen_seconds = 0; // Open + the first Get
  uint64_t warm_gets = 0;    // random gets after the files were read into the page cache
  double warm_gets_per_sec = 0;
  double warm_hit_rate = 0;
  uint64_t memory_limit_bytes = 0;  // the cgroup limit of the cold gets (0: not run)
  uint64_t cold_gets = 0;
  double cold_gets_per_sec = 0;
  double cold_hit_rate = 0;
  uint64_t peak_rss_bytes = 0;       // of the write phase's process (ru_maxrss)
  uint64_t peak_anon_rss_bytes = 0;  // its RssAnon, the highest at a chunk's end (no mapped files)
  uint64_t cold_peak_rss_bytes = 0;  // of the cold gets' process
  // Sync-put latency with nothing else running ("idle") and while the store's background work
  // ran ("busy"), bench/scale/stall_phase.h. stall_during says what "busy" was; "" when the
  // phase did not run.
  std::string stall_during;
  uint64_t stall_idle_samples = 0;
  double stall_idle_p50_us = 0;
  double stall_idle_p99_us = 0;
  uint64_t stall_busy_samples = 0;
  double stall_busy_p50_us = 0;
  double stall_busy_p99_us = 0;
  double stall_p99_ratio = 0;           // busy p99 / idle p99
  uint64_t stall_background_puts = 0;   // the other thread's non-sync puts
  uint64_t stall_background_runs = 0;   // times the background work was seen to start
  double stall_seconds = 0;             // the whole phase
  std::vector<std::string> notes;
  std::string error;  // the store failed here; the figures before it stand
  // With --repeat=N above 1: each repetition as it ran (its own `repetitions` empty), while the
  // figures above are each figure's median over them (bench/report/scale_medians.h).
  std::vector<ScaleResult> repetitions;
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
  std::string mode;          // "device", "engine" or "scale"
  std::string command_line;  // as typed
  std::string started_utc;   // ISO 8601
  double total_seconds = 0;
  double seconds_per_run = 0;
  int repeat = 1;
  MachineInfo machine;
  std::vector<RunResult> runs;
  std::vector<GoalSummary> goals;  // mode "engine" with --goals
  std::vector<ScaleResult> scale;  // mode "scale"
  std::vector<std::string> warnings;  // machine-level and per-run, for the summary
  std::vector<std::string> skipped;   // runs that cannot be done here, and why
  std::vector<std::string> notes;     // how figures were obtained (calibrations, references)
};

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_BENCH_RESULT_H_
