// db_bench-style workloads run identically against any KvStore (ringkv or a peer), plus the raw
// device limit they are measured against: 4 KiB O_DIRECT|O_DSYNC writes at queue depth 1.
#ifndef RINGKV_BENCH_ENGINE_WORKLOADS_H_
#define RINGKV_BENCH_ENGINE_WORKLOADS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/peers/kv_store.h"

namespace ringkv::bench {

struct WorkloadResult {
  std::string store;
  std::string workload;
  uint64_t ops = 0;
  double seconds = 0;
  double ops_per_sec = 0;
  double p50_us = 0, p99_us = 0, max_us = 0;
  double cpu_us_per_op = 0;  // process CPU time per op
};

struct WorkloadConfig {
  std::string dir;          // scratch directory (each run gets a fresh subdirectory)
  size_t key_bytes = 16;
  size_t value_bytes = 100;
  uint64_t ops = 20000;     // per thread, for count-bound workloads
  double seconds = 3.0;     // for time-bound workloads
  int threads = 1;
  uint64_t num_keys = 1000000;  // readrandom: keys loaded before reading
};

// Raw device limit: 4 KiB O_DIRECT|O_DSYNC pwrite into a zero-filled file, one at a time.
absl::StatusOr<WorkloadResult> RawDeviceQD1(const WorkloadConfig& config);

// Workloads: "fillsync" (sync puts, random keys, config.threads writers, time-bound),
// "fillrandom" (non-sync puts, count-bound), "fillseq" (non-sync, sequential keys),
// "readrandom" (loads num_keys, then random gets with config.threads readers, time-bound),
// "scan" (100-key scans from random starts over num_keys), "recovery" (time to reopen after
// loading num_keys without closing cleanly... measured as Close + Open).
absl::StatusOr<WorkloadResult> RunWorkload(const std::string& store, const std::string& workload,
                                           const WorkloadConfig& config);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_ENGINE_WORKLOADS_H_
