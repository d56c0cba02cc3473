// `ringkv bench engine DIR --workload W`: one db_bench-style workload on ringkv (and, with
// --compare, on every peer built in), repeated round-robin, reported as medians with ringkv's
// own figures (group commit size, durable writes per commit, bytes written per user byte).
// Sync workloads are measured next to the device's own durable 4 KiB write in the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/engine/workloads.h"
#include "tools/bench/bench_common.h"
#include "tools/bench/bench_flags.h"
#include "tools/bench/bench_modes.h"
#include "tools/bench/device_bench.h"
#include "tools/bench/honesty_checks.h"
#include "tools/command.h"

namespace ringkv::tools {
namespace {

constexpr double kDefaultEngineSeconds = 3.0;
constexpr double kDeviceReferenceSeconds = 1.0;

RunFigures ToFigures(const bench::WorkloadResult& w) {
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

absl::Status CheckFlags(const std::string& workload) {
  const std::vector<std::string>& names = bench::WorkloadNames();
  if (std::find(names.begin(), names.end(), workload) == names.end()) {
    return absl::InvalidArgumentError(absl::StrCat("--workload: unknown workload '", workload,
                                                   "' (one of ", absl::StrJoin(names, ", "), ")"));
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
  if (absl::GetFlag(FLAGS_num_keys) == 0) return absl::InvalidArgumentError("--num_keys must be positive");
  if (absl::GetFlag(FLAGS_seconds) < 0) return absl::InvalidArgumentError("--seconds must not be negative");
  return absl::OkStatus();
}

}  // namespace

int RunEngineBench(const std::string& dir) {
  const std::string workload = absl::GetFlag(FLAGS_workload);
  if (absl::Status s = CheckFlags(workload); !s.ok()) return Fail("bench", std::string(s.message()));
  Report report;
  StartReport("engine", dir, &report);
  const double seconds =
      absl::GetFlag(FLAGS_seconds) > 0 ? absl::GetFlag(FLAGS_seconds) : kDefaultEngineSeconds;
  report.seconds_per_run = seconds;
  const auto t0 = std::chrono::steady_clock::now();

  std::vector<std::string> stores;
  for (const bench::PeerInfo& p : bench::KnownStores()) {
    if (p.name != "ringkv" && !absl::GetFlag(FLAGS_compare)) continue;
    if (p.available) {
      stores.push_back(p.name);
    } else {
      std::fprintf(stderr, "ringkv bench: skipping %s: not built in (install its -dev package: "
                   "scripts/setup.sh --peers, then rebuild)\n", p.name.c_str());
      report.skipped.push_back(absl::StrCat(p.name, ": not built in"));
    }
  }

  bench::WorkloadConfig config;
  config.dir = dir;
  config.key_bytes = absl::GetFlag(FLAGS_key_bytes);
  config.value_bytes = absl::GetFlag(FLAGS_value_bytes);
  config.threads = absl::GetFlag(FLAGS_threads);
  config.seconds = seconds;
  config.num_keys = absl::GetFlag(FLAGS_num_keys);
  config.read_percent = absl::GetFlag(FLAGS_read_percent);
  if (absl::GetFlag(FLAGS_op_count) > 0) {
    config.bound = bench::WorkloadConfig::Bound::kCount;
    config.ops = absl::GetFlag(FLAGS_op_count);
  } else {
    config.bound = bench::WorkloadConfig::Bound::kTime;
  }

  Progress progress;
  const int total = static_cast<int>(stores.size()) * report.repeat + 1;
  int done = 0;
  // Sync commits are judged against the device's own durable write, measured in this run.
  double raw_p50_us = 0;
  if (workload == "fillsync" || workload == "mixed") {
    progress.Show(done++, total, "device reference: direct_dsync zeroed 4KiB qd1");
    DeviceBench device(dir);
    DeviceRun run{FindWriteMethod("direct_dsync"), FileState::kZeroed, 4096, 1,
                  std::min(seconds, kDeviceReferenceSeconds), -1};
    absl::StatusOr<DeviceMeasurement> m = device.Measure(run);
    if (m.ok() && m->ops > 0) {
      raw_p50_us = m->latency.PercentileNs(50) / 1e3;
      report.notes.push_back(absl::StrFormat(
          "device reference: 4KiB O_DIRECT|O_DSYNC pwrite QD1 into a zeroed file: p50 %.1f us, "
          "p99 %.1f us, %.0f writes/s over %.2f s",
          raw_p50_us, m->latency.PercentileNs(99) / 1e3, m->ops / m->seconds, m->seconds));
    } else {
      report.notes.push_back(absl::StrCat("device reference not measured: ",
                                          m.ok() ? "no writes" : m.status().message()));
    }
  }

  std::map<std::string, std::vector<bench::WorkloadResult>> results;
  for (int rep = 0; rep < report.repeat; ++rep) {
    for (const std::string& store : stores) {
      progress.Show(done++, total, absl::StrCat(store, " ", workload, " (repetition ", rep + 1, ")"));
      absl::StatusOr<bench::WorkloadResult> r = bench::RunWorkload(store, workload, config);
      if (!r.ok()) {
        progress.Clear();
        return Fail("bench", absl::StrCat(store, " ", workload, ": ", r.status().message()));
      }
      results[store].push_back(std::move(*r));
    }
  }
  progress.Clear();

  for (const std::string& store : stores) {
    const std::vector<bench::WorkloadResult>& reps = results[store];
    RunResult run;
    run.kind = "engine";
    run.store = store;
    run.workload = workload;
    run.threads = config.threads;
    run.key_bytes = config.key_bytes;
    run.value_bytes = config.value_bytes;
    run.label = absl::StrCat(store, " ", workload, " ", config.threads, "t");
    std::map<std::string, std::vector<double>> engine;
    for (const bench::WorkloadResult& w : reps) {
      run.repetitions.push_back(ToFigures(w));
      for (const auto& [name, value] : w.engine) engine[name].push_back(value);
      if (w.io_bytes_per_user_byte > 0) engine["io_bytes_per_user_byte"].push_back(w.io_bytes_per_user_byte);
    }
    for (auto& [name, values] : engine) run.engine[name] = Median(values);
    run.median = MedianFigures(run.repetitions);
    if (raw_p50_us > 0 && run.median.p50_us > 0) run.engine["p50_vs_device_p50"] = run.median.p50_us / raw_p50_us;
    report.runs.push_back(std::move(run));
  }
  CheckMachine(&report);
  CheckEngineRuns(raw_p50_us, &report);
  report.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return FinishReport(report);
}

}  // namespace ringkv::tools
