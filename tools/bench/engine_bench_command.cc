// `ringkv bench engine DIR`: --workload W (or --goals G,...) on ringkv and, with --compare or
// --engines, its peers; --workload=scale runs the scale workload (scale_bench_command.cc).
// Flags in, bench/engine/engine_suite.h's report out.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/engine/engine_suite.h"
#include "tools/bench/bench_flags.h"
#include "tools/bench/bench_modes.h"
#include "tools/bench/bench_output.h"
#include "tools/command.h"

namespace ringkv::tools {
namespace {

constexpr double kDefaultEngineSeconds = 3.0;
constexpr uint64_t kDefaultNumKeys = 100000;
constexpr uint64_t kDefaultGoalNumKeys = 1000000;  // the goals are stated at 1M keys
constexpr uint64_t kDefaultGoalFillOps = 200000;

absl::Status CheckFlags(const std::string& workload) {
  const std::vector<std::string>& names = bench::WorkloadNames();
  if (std::find(names.begin(), names.end(), workload) == names.end()) {
    return absl::InvalidArgumentError(absl::StrCat("--workload: unknown workload '", workload,
                                                   "' (one of ", absl::StrJoin(names, ", "), ", scale)"));
  }
  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 1 || threads > 1024) {
    return absl::InvalidArgumentError(absl::StrCat("--threads=", threads, " is not from 1 to 1024"));
  }
  const uint64_t key = absl::GetFlag(FLAGS_key_bytes);
  if (key < 8 || key > 16384) {
    return absl::InvalidArgumentError(absl::StrCat("--key_bytes=", key, " is not from 8 to 16384"));
  }
  const uint64_t value = absl::GetFlag(FLAGS_value_bytes);
  if (value > (64u << 20)) {
    return absl::InvalidArgumentError(absl::StrCat("--value_bytes=", value, " is above 64MiB"));
  }
  const int read_percent = absl::GetFlag(FLAGS_read_percent);
  if (read_percent < 0 || read_percent > 100) {
    return absl::InvalidArgumentError(absl::StrCat("--read_percent=", read_percent, " is not from 0 to 100"));
  }
  if (absl::GetFlag(FLAGS_seconds) < 0) return absl::InvalidArgumentError("--seconds must not be negative");
  return absl::OkStatus();
}

// The goals to run: --goals, or the one --workload at --threads.
absl::StatusOr<std::vector<bench::EngineGoal>> GoalsFromFlags() {
  if (const std::string goals = absl::GetFlag(FLAGS_goals); !goals.empty()) return bench::ParseGoals(goals);
  const std::string workload = absl::GetFlag(FLAGS_workload);
  if (absl::Status s = CheckFlags(workload); !s.ok()) return s;
  return std::vector<bench::EngineGoal>{{workload, workload, absl::GetFlag(FLAGS_threads), "rate"}};
}

bench::WorkloadConfig WorkloadFromFlags(const std::string& dir, bool goals) {
  bench::WorkloadConfig config;
  config.dir = dir;
  config.key_bytes = absl::GetFlag(FLAGS_key_bytes);
  config.value_bytes = absl::GetFlag(FLAGS_value_bytes);
  config.seconds = absl::GetFlag(FLAGS_seconds) > 0 ? absl::GetFlag(FLAGS_seconds) : kDefaultEngineSeconds;
  const uint64_t num_keys = absl::GetFlag(FLAGS_num_keys);
  config.num_keys = num_keys > 0 ? num_keys : (goals ? kDefaultGoalNumKeys : kDefaultNumKeys);
  config.read_percent = absl::GetFlag(FLAGS_read_percent);
  config.store = StoreOptionsFromFlags();
  config.checkpoint_before_reopen = absl::GetFlag(FLAGS_checkpoint_before_reopen);
  const uint64_t op_count = absl::GetFlag(FLAGS_op_count);
  if (goals) {
    // Each goal as it is stated: fills bound by a count of puts, the others by time.
    config.bound = bench::WorkloadConfig::Bound::kDefault;
    config.ops = op_count > 0 ? op_count : kDefaultGoalFillOps;
  } else if (op_count > 0) {
    config.bound = bench::WorkloadConfig::Bound::kCount;
    config.ops = op_count;
  } else {
    config.bound = bench::WorkloadConfig::Bound::kTime;
  }
  return config;
}

}  // namespace

int RunEngineBench(const std::string& dir) {
  if (absl::GetFlag(FLAGS_workload) == "scale" && absl::GetFlag(FLAGS_goals).empty()) {
    return RunScaleBench(dir);
  }
  absl::StatusOr<std::vector<bench::EngineGoal>> goals = GoalsFromFlags();
  if (!goals.ok()) return Fail("bench", std::string(goals.status().message()));
  std::vector<std::string> skipped;
  absl::StatusOr<std::vector<std::string>> stores = StoresFromFlags(&skipped);
  if (!stores.ok()) return Fail("bench", std::string(stores.status().message()));
  bench::EngineSuiteConfig config;
  config.dir = dir;
  config.stores = *stores;
  config.goals = *goals;
  config.compare_goals = !absl::GetFlag(FLAGS_goals).empty();
  config.workload = WorkloadFromFlags(dir, config.compare_goals);
  config.repeat = absl::GetFlag(FLAGS_repeat);
  config.device_reference_seconds = std::min(config.workload.seconds, 1.0);
  bench::Progress progress;
  absl::StatusOr<bench::Report> report = bench::RunEngineSuite(config, progress);
  if (!report.ok()) return Fail("bench", std::string(report.status().message()));
  report->skipped.insert(report->skipped.end(), skipped.begin(), skipped.end());
  return FinishReport(*report);
}

}  // namespace ringkv::tools
