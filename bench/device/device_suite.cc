#include "bench/device/device_suite.h"

#include <chrono>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/honesty_checks.h"
#include "bench/report/medians.h"
#include "bench/report/report.h"

namespace ringkv::bench {
namespace {

// The buffered reference the honesty checks compare syncs against, when the matrix has none.
constexpr double kCalibrationSeconds = 0.2;

std::vector<DeviceConfig> DefaultMatrix() {
  std::vector<DeviceConfig> out;
  for (const WriteMethod& m : WriteMethods()) out.push_back({&m, FileState::kZeroed, 4096, 1});
  const WriteMethod* dd = FindWriteMethod("direct_dsync");
  const WriteMethod* wal = FindWriteMethod("uring_direct_dsync_fixed");
  out.push_back({dd, FileState::kFallocated, 4096, 1});
  out.push_back({dd, FileState::kExtending, 4096, 1});
  for (uint64_t b : {512ull << 0, 16ull << 10, 64ull << 10, 256ull << 10, 1ull << 20}) {
    out.push_back({dd, FileState::kZeroed, b, 1});
  }
  for (int d : {4, 16, 64}) out.push_back({dd, FileState::kZeroed, 4096, d});
  for (int d : {4, 16, 64}) out.push_back({wal, FileState::kZeroed, 4096, d});
  return out;
}

absl::StatusOr<std::vector<const WriteMethod*>> ResolveMethods(const std::vector<std::string>& names) {
  std::vector<const WriteMethod*> methods;
  if (names.size() == 1 && names[0] == "all") {
    for (const WriteMethod& m : WriteMethods()) methods.push_back(&m);
    return methods;
  }
  if (names.empty()) return std::vector<const WriteMethod*>{FindWriteMethod("direct_dsync")};
  for (const std::string& name : names) {
    const WriteMethod* m = FindWriteMethod(name);
    if (m == nullptr) {
      std::string known;
      for (const WriteMethod& w : WriteMethods()) absl::StrAppend(&known, known.empty() ? "" : ", ", w.name);
      return absl::InvalidArgumentError(
          absl::StrCat("--methods: unknown method '", name, "' (one of ", known, ", or all)"));
    }
    methods.push_back(m);
  }
  return methods;
}

absl::StatusOr<std::vector<FileState>> ResolveStates(const std::vector<std::string>& names) {
  if (names.empty()) return std::vector<FileState>{FileState::kZeroed};
  std::vector<FileState> states;
  for (const std::string& name : names) {
    FileState s;
    if (!ParseFileState(name, &s)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--file_states: unknown state '", name, "' (one of zeroed, fallocated, extending)"));
    }
    states.push_back(s);
  }
  return states;
}

absl::Status CheckSizes(const std::vector<uint64_t>& blocks, const std::vector<int>& depths) {
  for (uint64_t b : blocks) {
    if (b < 512 || b > (1u << 20) || b % 512 != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--block_sizes: ", b, " bytes is not a multiple of 512 from 512 to 1MiB"));
    }
  }
  for (int d : depths) {
    if (d < 1 || d > 64) return absl::InvalidArgumentError(absl::StrCat("--depths: ", d, " is not from 1 to 64"));
  }
  return absl::OkStatus();
}

// Not worth a run's slot: the combination cannot be done here, not a failure of the disk.
bool IsSkippable(const absl::Status& s) {
  return absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s) || absl::IsResourceExhausted(s);
}

// The measurements of every run, repetition by repetition.
struct MatrixFigures {
  std::vector<std::vector<RunFigures>> reps;
  std::vector<std::string> notes;
  std::vector<bool> skipped;
};

absl::Status MeasureMatrix(const DeviceSuiteConfig& config, const std::vector<DeviceConfig>& configs,
                           DeviceBench& bench, Progress& progress, MatrixFigures* out, Report* report) {
  out->reps.resize(configs.size());
  out->notes.resize(configs.size());
  out->skipped.assign(configs.size(), false);
  const int total = static_cast<int>(configs.size()) * report->repeat;
  int done = 0;
  for (int rep = 0; rep < report->repeat; ++rep) {
    for (size_t i = 0; i < configs.size(); ++i, ++done) {
      if (out->skipped[i]) continue;
      const DeviceConfig& c = configs[i];
      progress.Show(done, total, DeviceLabel(c));
      DeviceRun run{c.method, c.state, c.block_bytes, c.depth, config.seconds, config.sqpoll_cpu};
      absl::StatusOr<DeviceMeasurement> m = bench.Measure(run);
      if (!m.ok()) {
        if (!IsSkippable(m.status())) {
          return absl::Status(m.status().code(), absl::StrCat(DeviceLabel(c), ": ", m.status().message()));
        }
        out->skipped[i] = true;
        report->skipped.push_back(absl::StrCat(DeviceLabel(c), ": ", m.status().message()));
        continue;
      }
      out->reps[i].push_back(DeviceFigures(*m, c.block_bytes));
      if (!m->note.empty()) out->notes[i] = m->note;
    }
  }
  return absl::OkStatus();
}

// The buffered p50 at every small block size a durable run used, for the "sync costs
// nothing" check: from the matrix's own buffered rows, else from a short reference run.
std::map<uint64_t, double> BufferedReference(const std::vector<DeviceConfig>& configs,
                                             const MatrixFigures& figures, DeviceBench& bench,
                                             Progress& progress, Report* report) {
  std::map<uint64_t, double> buffered_p50;
  for (size_t i = 0; i < configs.size(); ++i) {
    const DeviceConfig& c = configs[i];
    if (!figures.skipped[i] && !c.method->durable && c.depth == 1 && !buffered_p50.count(c.block_bytes)) {
      buffered_p50[c.block_bytes] = MedianFigures(figures.reps[i]).p50_us;
    }
  }
  for (size_t i = 0; i < configs.size(); ++i) {
    const DeviceConfig& c = configs[i];
    if (figures.skipped[i] || !c.method->durable || c.block_bytes > kSmallBlockBytes ||
        buffered_p50.count(c.block_bytes)) {
      continue;
    }
    progress.Show(0, 1, absl::StrCat("buffered reference ", FormatBytes(c.block_bytes)));
    DeviceRun run{FindWriteMethod("buffered"), FileState::kZeroed, c.block_bytes, 1,
                  kCalibrationSeconds, -1};
    absl::StatusOr<DeviceMeasurement> m = bench.Measure(run);
    if (!m.ok()) continue;  // the check is skipped; the figures stand
    buffered_p50[c.block_bytes] = m->latency.PercentileNs(50) / 1e3;
    report->notes.push_back(absl::StrFormat(
        "buffered reference (not a row): %s page-cache pwrite p50 %.1f us over %.1f s",
        FormatBytes(c.block_bytes), buffered_p50[c.block_bytes], kCalibrationSeconds));
  }
  return buffered_p50;
}

void AddRows(const std::vector<DeviceConfig>& configs, const MatrixFigures& figures, Report* report) {
  for (size_t i = 0; i < configs.size(); ++i) {
    if (figures.skipped[i]) continue;
    const DeviceConfig& c = configs[i];
    RunResult r;
    r.kind = "device";
    r.label = DeviceLabel(c);
    r.method = c.method->name;
    r.file_state = FileStateName(c.state);
    r.block_bytes = c.block_bytes;
    r.depth = c.depth;
    r.durable = c.method->durable;
    r.repetitions = figures.reps[i];
    r.median = MedianFigures(figures.reps[i]);
    r.note = figures.notes[i];
    report->runs.push_back(std::move(r));
  }
}

}  // namespace

RunFigures DeviceFigures(const DeviceMeasurement& m, uint64_t block_bytes) {
  RunFigures f;
  f.ops = m.ops;
  f.seconds = m.seconds;
  f.ops_per_sec = m.seconds > 0 ? m.ops / m.seconds : 0;
  f.mb_per_sec = f.ops_per_sec * block_bytes / 1e6;
  f.p50_us = m.latency.PercentileNs(50) / 1e3;
  f.p90_us = m.latency.PercentileNs(90) / 1e3;
  f.p99_us = m.latency.PercentileNs(99) / 1e3;
  f.p999_us = m.latency.PercentileNs(99.9) / 1e3;
  f.max_us = m.latency.max_ns() / 1e3;
  f.mean_us = m.latency.mean_ns() / 1e3;
  return f;
}

std::string DeviceLabel(const DeviceConfig& c) {
  return absl::StrCat(c.method->name, " ", FileStateName(c.state), " ", FormatBytes(c.block_bytes),
                      " qd", c.depth);
}

absl::StatusOr<std::vector<DeviceConfig>> BuildDeviceMatrix(const DeviceMatrixSpec& spec) {
  if (spec.methods.empty() && spec.file_states.empty() && spec.block_sizes.empty() && spec.depths.empty()) {
    return DefaultMatrix();
  }
  absl::StatusOr<std::vector<const WriteMethod*>> methods = ResolveMethods(spec.methods);
  if (!methods.ok()) return methods.status();
  absl::StatusOr<std::vector<FileState>> states = ResolveStates(spec.file_states);
  if (!states.ok()) return states.status();
  const std::vector<uint64_t> blocks = spec.block_sizes.empty() ? std::vector<uint64_t>{4096} : spec.block_sizes;
  const std::vector<int> depths = spec.depths.empty() ? std::vector<int>{1} : spec.depths;
  if (absl::Status s = CheckSizes(blocks, depths); !s.ok()) return s;
  std::vector<DeviceConfig> out;
  for (const WriteMethod* m : *methods) {
    for (FileState s : *states) {
      for (uint64_t b : blocks) {
        for (int d : depths) out.push_back({m, s, b, d});
      }
    }
  }
  return out;
}

absl::StatusOr<Report> RunDeviceSuite(const DeviceSuiteConfig& config, Progress& progress) {
  // Duplicates (the default matrix's sweeps share their 4 KiB QD1 zeroed point) run once.
  std::vector<DeviceConfig> configs;
  std::set<decltype(DeviceConfig{}.key())> seen;
  for (const DeviceConfig& c : config.matrix) {
    if (seen.insert(c.key()).second) configs.push_back(c);
  }
  Report report;
  StartReport("device", config.dir, config.repeat, &report);
  report.seconds_per_run = config.seconds;
  const auto t0 = std::chrono::steady_clock::now();
  DeviceBench bench(config.dir);
  MatrixFigures figures;
  absl::Status s = MeasureMatrix(config, configs, bench, progress, &figures, &report);
  if (!s.ok()) {
    progress.Clear();
    return s;
  }
  const std::map<uint64_t, double> buffered_p50 = BufferedReference(configs, figures, bench, progress, &report);
  progress.Clear();
  AddRows(configs, figures, &report);
  CheckMachine(&report);
  CheckDeviceRuns(buffered_p50, &report);
  report.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace ringkv::bench
