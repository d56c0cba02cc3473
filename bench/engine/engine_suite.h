// `ringkv bench engine`'s logic: workloads (one, or the goals below) run on ringkv and its
// peers, repeated round-robin, reported as medians with ringkv's own figures. Sync workloads
// are measured next to the device's own durable 4 KiB write, measured in the same run.
#ifndef RINGKV_BENCH_ENGINE_ENGINE_SUITE_H_
#define RINGKV_BENCH_ENGINE_ENGINE_SUITE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/engine/workloads.h"
#include "bench/report/bench_result.h"
#include "bench/report/progress.h"

namespace ringkv::bench {

// A workload at a thread count, and the figure by which the engines are compared.
struct EngineGoal {
  std::string name;      // "fillsync64"; for a single --workload run, the workload's name
  std::string workload;  // a name of WorkloadNames()
  int threads = 1;
  std::string figure;    // "p50" (lower is better), "rate" (ops/s) or "seconds" (lower)
};

// The project's goals at 1M keys (docs/performance.md): sync put p50 with 1 thread, sync put
// rate with 64, non-sync put rate, random get rate with 2 threads, reopen time.
const std::vector<EngineGoal>& EngineGoals();
// "all" or comma-separated goal names -> goals; InvalidArgument naming an unknown one.
absl::StatusOr<std::vector<EngineGoal>> ParseGoals(const std::string& text);

struct EngineSuiteConfig {
  std::string dir;
  std::vector<std::string> stores;  // built-in stores, ringkv first
  std::vector<EngineGoal> goals;    // run in this order, each on every store
  WorkloadConfig workload;          // threads are each goal's
  int repeat = 1;
  double device_reference_seconds = 1.0;
  bool compare_goals = false;  // add the goal summary (ringkv against the device and best peer)
};

absl::StatusOr<Report> RunEngineSuite(const EngineSuiteConfig& config, Progress& progress);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_ENGINE_ENGINE_SUITE_H_
