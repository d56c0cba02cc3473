// `ringkv bench device DIR`: builds the matrix of runs (the default one, or the product of
// --methods, --file_states, --block_sizes and --depths), measures every run --repeat times
// round-robin (so a disturbance hits one repetition of many runs, not every repetition of
// one), and reports medians with the honesty checks.
#include "tools/bench/bench_modes.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/bench/bench_common.h"
#include "tools/bench/bench_flags.h"
#include "tools/bench/device_bench.h"
#include "tools/bench/honesty_checks.h"
#include "tools/bench/report.h"
#include "tools/command.h"
#include "tools/io_flags.h"

namespace ringkv::tools {
namespace {

constexpr double kDefaultDeviceSeconds = 2.0;
// The buffered reference the honesty checks compare syncs against, when the matrix has none.
constexpr double kCalibrationSeconds = 0.2;

struct Config {
  const WriteMethod* method;
  FileState state;
  uint64_t block_bytes;
  int depth;
  auto key() const { return std::make_tuple(method->name, static_cast<int>(state), block_bytes, depth); }
};

std::string Label(const Config& c) {
  return absl::StrCat(c.method->name, " ", FileStateName(c.state), " ", FormatBytes(c.block_bytes),
                      " qd", c.depth);
}

// The default matrix, about a minute at 2 s a run: every method at 4 KiB QD1 into a zeroed
// file; the file states for O_DIRECT|O_DSYNC; a block-size sweep for it; a depth sweep for it
// (threads) and for the WAL's io_uring path (ring depth).
std::vector<Config> DefaultMatrix() {
  std::vector<Config> out;
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

bool MatrixFlagsGiven() {
  return !absl::GetFlag(FLAGS_methods).empty() || !absl::GetFlag(FLAGS_file_states).empty() ||
         !absl::GetFlag(FLAGS_block_sizes).empty() || !absl::GetFlag(FLAGS_depths).empty();
}

absl::StatusOr<std::vector<Config>> BuildMatrix() {
  if (!MatrixFlagsGiven()) return DefaultMatrix();
  std::vector<const WriteMethod*> methods;
  const std::string method_text = absl::GetFlag(FLAGS_methods);
  if (method_text == "all") {
    for (const WriteMethod& m : WriteMethods()) methods.push_back(&m);
  } else if (method_text.empty()) {
    methods.push_back(FindWriteMethod("direct_dsync"));
  } else {
    for (absl::string_view name : absl::StrSplit(method_text, ',', absl::SkipWhitespace())) {
      const WriteMethod* m = FindWriteMethod(std::string(name));
      if (m == nullptr) {
        std::string known;
        for (const WriteMethod& w : WriteMethods()) absl::StrAppend(&known, known.empty() ? "" : ", ", w.name);
        return absl::InvalidArgumentError(absl::StrCat("--methods: unknown method '", name, "' (one of ", known, ", or all)"));
      }
      methods.push_back(m);
    }
  }
  std::vector<FileState> states;
  const std::string state_text = absl::GetFlag(FLAGS_file_states);
  if (state_text.empty()) states.push_back(FileState::kZeroed);
  for (absl::string_view name : absl::StrSplit(state_text, ',', absl::SkipEmpty())) {
    FileState s;
    if (!ParseFileState(std::string(name), &s)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--file_states: unknown state '", name, "' (one of zeroed, fallocated, extending)"));
    }
    states.push_back(s);
  }
  std::vector<uint64_t> blocks = {4096};
  if (!absl::GetFlag(FLAGS_block_sizes).empty()) {
    auto parsed = ParseSizeList("block_sizes", absl::GetFlag(FLAGS_block_sizes));
    if (!parsed.ok()) return parsed.status();
    blocks = *parsed;
    for (uint64_t b : blocks) {
      if (b < 512 || b > (1u << 20) || b % 512 != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--block_sizes: ", b, " bytes is not a multiple of 512 from 512 to 1MiB"));
      }
    }
  }
  std::vector<int> depths = {1};
  if (!absl::GetFlag(FLAGS_depths).empty()) {
    auto parsed = ParseIntList("depths", absl::GetFlag(FLAGS_depths), 1, 64);
    if (!parsed.ok()) return parsed.status();
    depths = *parsed;
  }
  std::vector<Config> out;
  for (const WriteMethod* m : methods) {
    for (FileState s : states) {
      for (uint64_t b : blocks) {
        for (int d : depths) out.push_back({m, s, b, d});
      }
    }
  }
  return out;
}

RunFigures ToFigures(const DeviceMeasurement& m, uint64_t block_bytes) {
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

// Not worth a run's slot: the combination cannot be done here, not a failure of the disk.
bool IsSkippable(const absl::Status& s) {
  return absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s) || absl::IsResourceExhausted(s);
}

}  // namespace

int RunDeviceBench(const std::string& dir) {
  absl::StatusOr<std::vector<Config>> matrix = BuildMatrix();
  if (!matrix.ok()) return Fail("bench", std::string(matrix.status().message()));
  // Duplicates (the default matrix's sweeps share their 4 KiB QD1 zeroed point) run once.
  std::vector<Config> configs;
  std::set<decltype(Config{}.key())> seen;
  for (const Config& c : *matrix) {
    if (seen.insert(c.key()).second) configs.push_back(c);
  }
  const double seconds = absl::GetFlag(FLAGS_seconds) > 0 ? absl::GetFlag(FLAGS_seconds) : kDefaultDeviceSeconds;
  Report report;
  StartReport("device", dir, &report);
  report.seconds_per_run = seconds;
  const int repeat = report.repeat;
  const auto t0 = std::chrono::steady_clock::now();

  DeviceBench bench(dir);
  std::vector<std::vector<RunFigures>> reps(configs.size());
  std::vector<std::string> notes(configs.size());
  std::vector<bool> skipped(configs.size(), false);
  Progress progress;
  const int total = static_cast<int>(configs.size()) * repeat;
  int done = 0;
  for (int rep = 0; rep < repeat; ++rep) {
    for (size_t i = 0; i < configs.size(); ++i, ++done) {
      if (skipped[i]) continue;
      const Config& c = configs[i];
      progress.Show(done, total, Label(c));
      DeviceRun run{c.method, c.state, c.block_bytes, c.depth, seconds,
                    absl::GetFlag(FLAGS_sqpoll_cpu)};
      absl::StatusOr<DeviceMeasurement> m = bench.Measure(run);
      if (!m.ok()) {
        if (!IsSkippable(m.status())) {
          progress.Clear();
          return Fail("bench", absl::StrCat(Label(c), ": ", m.status().message()));
        }
        skipped[i] = true;
        report.skipped.push_back(absl::StrCat(Label(c), ": ", m.status().message()));
        continue;
      }
      reps[i].push_back(ToFigures(*m, c.block_bytes));
      if (!m->note.empty()) notes[i] = m->note;
    }
  }

  // The buffered reference for the "sync costs nothing" check, at every small block size.
  std::map<uint64_t, double> buffered_p50;
  for (size_t i = 0; i < configs.size(); ++i) {
    const Config& c = configs[i];
    if (!skipped[i] && !c.method->durable && c.depth == 1 && !buffered_p50.count(c.block_bytes)) {
      buffered_p50[c.block_bytes] = MedianFigures(reps[i]).p50_us;
    }
  }
  for (size_t i = 0; i < configs.size(); ++i) {
    const Config& c = configs[i];
    if (skipped[i] || !c.method->durable || c.block_bytes > kSmallBlockBytes ||
        buffered_p50.count(c.block_bytes)) {
      continue;
    }
    progress.Show(done, total, absl::StrCat("buffered reference ", FormatBytes(c.block_bytes)));
    DeviceRun run{FindWriteMethod("buffered"), FileState::kZeroed, c.block_bytes, 1,
                  kCalibrationSeconds, -1};
    absl::StatusOr<DeviceMeasurement> m = bench.Measure(run);
    if (!m.ok()) continue;  // the check is skipped; the figures stand
    buffered_p50[c.block_bytes] = m->latency.PercentileNs(50) / 1e3;
    report.notes.push_back(absl::StrFormat(
        "buffered reference (not a row): %s page-cache pwrite p50 %.1f us over %.1f s",
        FormatBytes(c.block_bytes), buffered_p50[c.block_bytes], kCalibrationSeconds));
  }
  progress.Clear();

  for (size_t i = 0; i < configs.size(); ++i) {
    if (skipped[i]) continue;
    const Config& c = configs[i];
    RunResult r;
    r.kind = "device";
    r.label = Label(c);
    r.method = c.method->name;
    r.file_state = FileStateName(c.state);
    r.block_bytes = c.block_bytes;
    r.depth = c.depth;
    r.durable = c.method->durable;
    r.repetitions = reps[i];
    r.median = MedianFigures(reps[i]);
    r.note = notes[i];
    report.runs.push_back(std::move(r));
  }
  CheckMachine(&report);
  CheckDeviceRuns(buffered_p50, &report);
  report.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (report.runs.empty()) {
    FinishReport(report);
    return Fail("bench", "no run could be done in " + dir + " (see the skipped list)");
  }
  return FinishReport(report);
}

}  // namespace ringkv::tools
