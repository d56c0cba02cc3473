// db_bench-style workloads run identically against any KvStore (ringkv or a peer), one store
// and one workload per call; bench/engine/engine_suite.h repeats them across stores and goals.
#ifndef RINGKV_BENCH_ENGINE_WORKLOADS_H_
#define RINGKV_BENCH_ENGINE_WORKLOADS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/peers/kv_store.h"
#include "bench/report/latency_histogram.h"

namespace ringkv::bench {

struct WorkloadResult {
  std::string store;
  std::string workload;
  uint64_t ops = 0;
  double seconds = 0;
  double ops_per_sec = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
  double cpu_us_per_op = 0;  // process CPU time per op
  uint64_t user_bytes = 0;   // key + value bytes written (puts) or read (gets, scans)
  // Bytes this process caused to be written to storage (/proc/self/io write_bytes) from the
  // start of the measured phase through Close, per byte of user data written; 0 if unknown or
  // nothing was written. Comparable across engines: it sees WAL, compaction, checkpoints alike.
  double io_bytes_per_user_byte = 0;
  // The engine's own figures over the measured phase (ringkv only; empty for peers):
  //   group_records               records per durable WAL write
  //   durable_writes_per_commit   (O_DSYNC WAL writes + fsync/fdatasync calls) per sync commit
  //   wal_bytes_per_user_byte     WAL bytes appended per byte of key+value written
  //   engine_bytes_per_user_byte  (WAL bytes + checkpoint pages * page size) per user byte
  std::map<std::string, double> engine;
  LatencyHistogram latency;  // every op of every thread
};

struct WorkloadConfig {
  std::string dir;          // scratch directory (each run gets a fresh subdirectory)
  size_t key_bytes = 16;
  size_t value_bytes = 100;
  uint64_t ops = 20000;     // per thread, for count-bound workloads
  double seconds = 3.0;     // for time-bound workloads
  int threads = 1;
  uint64_t num_keys = 1000000;  // read workloads: keys loaded before reading
  int read_percent = 50;        // mixed: share of gets (the rest are sync puts)
  StoreOptions store;           // passed to every OpenStore
  bool checkpoint_before_reopen = false;  // recovery: checkpoint, so the reopen replays nothing
  // kDefault: fill workloads run `ops` puts per thread, the others run for `seconds`.
  // kCount / kTime: every workload is bound by `ops` per thread / by `seconds`.
  enum class Bound { kDefault, kCount, kTime } bound = Bound::kDefault;
};

// The workloads RunWorkload knows, in the order `ringkv bench --help` lists them.
const std::vector<std::string>& WorkloadNames();

// Workloads: "fillsync" (sync puts, random keys, config.threads writers, time-bound),
// "fillrandom" (non-sync puts, count-bound), "fillseq" (non-sync, sequential keys),
// "readrandom" (loads num_keys, then random gets with config.threads readers, time-bound),
// "readseq" (loads num_keys, then reads them in key order, 100 keys per op, time-bound),
// "scan" (100-key scans from random starts over num_keys), "mixed" (loads num_keys, then
// read_percent% random gets and the rest sync puts of random loaded keys, time-bound),
// "recovery" (time to reopen after loading num_keys and closing).
absl::StatusOr<WorkloadResult> RunWorkload(const std::string& store, const std::string& workload,
                                           const WorkloadConfig& config);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_ENGINE_WORKLOADS_H_
