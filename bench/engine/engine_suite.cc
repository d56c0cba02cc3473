#include "bench/engine/engine_suite.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/device/device_bench.h"
#include "bench/device/device_suite.h"
#include "bench/report/honesty_checks.h"
#include "bench/report/medians.h"
#include "bench/report/report.h"

namespace ringkv::bench {
namespace {

RunFigures ToFigures(const WorkloadResult& w) {
  RunFigures f;
  f.ops = w.ops;
  f.seconds = w.seconds;
  f.ops_per_sec = w.ops_per_sec;
  f.mb_per_sec = w.seconds > 0 ? w.user_bytes / w.seconds / 1e6 : 0;
  f.p50_us = w.p50_us;
  f.p90_us = w.p90_us;
  f.p99_us = w.p99_us;
  f.p999_us = w.p999_us;
  f.max_us = w.max_us;
  f.mean_us = w.mean_us;
  return f;
}

bool IsSync(const std::string& workload) { return workload == "fillsync" || workload == "mixed"; }

// The device's own durable write: 4 KiB O_DIRECT|O_DSYNC pwrite at QD1 into a zeroed file.
absl::StatusOr<RunFigures> DeviceReference(const std::string& dir, double seconds) {
  DeviceBench device(dir);
  DeviceRun run{FindWriteMethod("direct_dsync"), FileState::kZeroed, 4096, 1, seconds, -1};
  absl::StatusOr<DeviceMeasurement> m = device.Measure(run);
  if (!m.ok()) return m.status();
  if (m->ops == 0) return absl::UnavailableError("no writes completed");
  return DeviceFigures(*m, run.block_bytes);
}

// One row: the store's repetitions of one goal, and their medians.
RunResult Row(const EngineGoal& goal, const std::string& store, const WorkloadConfig& config,
              const std::vector<WorkloadResult>& reps, double device_p50_us) {
  RunResult run;
  run.kind = "engine";
  run.goal = goal.name;
  run.store = store;
  run.workload = goal.workload;
  run.threads = goal.threads;
  run.key_bytes = config.key_bytes;
  run.value_bytes = config.value_bytes;
  run.label = absl::StrCat(store, " ", goal.workload, " ", goal.threads, "t");
  std::map<std::string, std::vector<double>> engine;
  for (const WorkloadResult& w : reps) {
    run.repetitions.push_back(ToFigures(w));
    for (const auto& [name, value] : w.engine) engine[name].push_back(value);
    if (w.io_bytes_per_user_byte > 0) engine["io_bytes_per_user_byte"].push_back(w.io_bytes_per_user_byte);
  }
  for (auto& [name, values] : engine) run.engine[name] = Median(values);
  run.median = MedianFigures(run.repetitions);
  if (IsSync(goal.workload) && device_p50_us > 0 && run.median.p50_us > 0) {
    run.engine["p50_vs_device_p50"] = run.median.p50_us / device_p50_us;
  }
  return run;
}

double Figure(const RunResult& r, const std::string& figure) {
  if (figure == "p50") return r.median.p50_us;
  if (figure == "seconds") return r.median.seconds;
  return r.median.ops_per_sec;
}

// ringkv against the best peer on the goal's figure, and against the device for sync goals.
GoalSummary Summarize(const EngineGoal& goal, const std::vector<RunResult>& rows,
                      const RunFigures& device) {
  GoalSummary g;
  g.goal = goal.name;
  g.figure = goal.figure;
  const bool lower_is_better = goal.figure != "rate";
  const RunResult* ringkv = nullptr;
  const RunResult* best = nullptr;
  for (const RunResult& r : rows) {
    if (r.goal != goal.name) continue;
    if (r.store == "ringkv") {
      ringkv = &r;
    } else if (best == nullptr || (lower_is_better ? Figure(r, goal.figure) < Figure(*best, goal.figure)
                                                   : Figure(r, goal.figure) > Figure(*best, goal.figure))) {
      best = &r;
    }
  }
  if (ringkv == nullptr) return g;
  g.ringkv = Figure(*ringkv, goal.figure);
  if (best != nullptr && g.ringkv > 0 && Figure(*best, goal.figure) > 0) {
    g.best_peer = best->store;
    g.best_peer_value = Figure(*best, goal.figure);
    g.vs_best_peer = lower_is_better ? g.best_peer_value / g.ringkv : g.ringkv / g.best_peer_value;
  }
  if (goal.workload == "fillsync" && device.ops > 0) {
    g.vs_device = goal.figure == "p50" ? g.ringkv / device.p50_us : g.ringkv / device.ops_per_sec;
  }
  return g;
}

}  // namespace

const std::vector<EngineGoal>& EngineGoals() {
  static const std::vector<EngineGoal> goals = {
      {"fillsync1", "fillsync", 1, "p50"},
      {"fillsync64", "fillsync", 64, "rate"},
      {"fillrandom1", "fillrandom", 1, "rate"},
      {"readrandom2", "readrandom", 2, "rate"},
      {"recovery", "recovery", 1, "seconds"},
  };
  return goals;
}

absl::StatusOr<std::vector<EngineGoal>> ParseGoals(const std::string& text) {
  if (text == "all") return EngineGoals();
  std::vector<EngineGoal> out;
  for (absl::string_view name : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    auto it = std::find_if(EngineGoals().begin(), EngineGoals().end(),
                           [&](const EngineGoal& g) { return g.name == name; });
    if (it == EngineGoals().end()) {
      std::vector<std::string> names;
      for (const EngineGoal& g : EngineGoals()) names.push_back(g.name);
      return absl::InvalidArgumentError(absl::StrCat("--goals: unknown goal '", name, "' (one of ",
                                                     absl::StrJoin(names, ", "), ", or all)"));
    }
    out.push_back(*it);
  }
  if (out.empty()) return absl::InvalidArgumentError("--goals is empty");
  return out;
}

absl::StatusOr<Report> RunEngineSuite(const EngineSuiteConfig& config, Progress& progress) {
  Report report;
  StartReport("engine", config.dir, config.repeat, &report);
  report.seconds_per_run = config.workload.seconds;
  const auto t0 = std::chrono::steady_clock::now();
  const bool sync = std::any_of(config.goals.begin(), config.goals.end(),
                                [](const EngineGoal& g) { return IsSync(g.workload); });
  const int total = (static_cast<int>(config.stores.size() * config.goals.size()) + sync) * report.repeat;
  int done = 0;
  std::vector<RunFigures> device_reps;
  std::map<std::pair<std::string, std::string>, std::vector<WorkloadResult>> results;  // goal, store
  for (int rep = 0; rep < report.repeat; ++rep) {
    if (sync) {
      progress.Show(done++, total, "device reference: direct_dsync zeroed 4KiB qd1");
      absl::StatusOr<RunFigures> d = DeviceReference(config.dir, config.device_reference_seconds);
      if (d.ok()) {
        device_reps.push_back(*d);
      } else if (rep == 0) {
        report.notes.push_back(absl::StrCat("device reference not measured: ", d.status().message()));
      }
    }
    for (const EngineGoal& goal : config.goals) {
      WorkloadConfig c = config.workload;
      c.threads = goal.threads;
      for (const std::string& store : config.stores) {
        progress.Show(done++, total, absl::StrCat(store, " ", goal.name, " (repetition ", rep + 1, ")"));
        absl::StatusOr<WorkloadResult> r = RunWorkload(store, goal.workload, c);
        if (!r.ok()) {
          progress.Clear();
          return absl::Status(r.status().code(), absl::StrCat(store, " ", goal.workload, ": ", r.status().message()));
        }
        results[{goal.name, store}].push_back(std::move(*r));
      }
    }
  }
  progress.Clear();
  const RunFigures device = MedianFigures(device_reps);
  if (device.ops > 0) {
    report.notes.push_back(absl::StrFormat(
        "device reference: 4KiB O_DIRECT|O_DSYNC pwrite QD1 into a zeroed file: p50 %.1f us, "
        "p99 %.1f us, %.0f writes/s over %.2f s%s",
        device.p50_us, device.p99_us, device.ops_per_sec, device.seconds,
        device_reps.size() > 1 ? " (medians)" : ""));
  }
  for (const EngineGoal& goal : config.goals) {
    for (const std::string& store : config.stores) {
      report.runs.push_back(Row(goal, store, config.workload, results[{goal.name, store}], device.p50_us));
    }
    if (config.compare_goals) report.goals.push_back(Summarize(goal, report.runs, device));
  }
  CheckMachine(&report);
  // A commit is suspect only if it beats every measurement of the device: one second of writes
  // can land in a slow spell of a shared device, and the median of such seconds with it.
  double fastest_device_p50_us = 0;
  for (const RunFigures& d : device_reps) {
    if (d.ops > 0 && (fastest_device_p50_us == 0 || d.p50_us < fastest_device_p50_us)) {
      fastest_device_p50_us = d.p50_us;
    }
  }
  CheckEngineRuns(fastest_device_p50_us, &report);
  report.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace ringkv::bench
