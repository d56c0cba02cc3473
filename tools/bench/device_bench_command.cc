// `ringkv bench device DIR`: the flags into a DeviceMatrixSpec, then bench/device's suite, then
// the report (bench/device/device_suite.h has the logic).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "bench/device/device_suite.h"
#include "tools/bench/bench_flags.h"
#include "tools/bench/bench_modes.h"
#include "tools/bench/bench_output.h"
#include "tools/command.h"
#include "tools/io_flags.h"

namespace ringkv::tools {
namespace {

constexpr double kDefaultDeviceSeconds = 2.0;

std::vector<std::string> Names(const std::string& text) {
  return absl::StrSplit(text, ',', absl::SkipWhitespace());
}

absl::StatusOr<bench::DeviceMatrixSpec> SpecFromFlags() {
  bench::DeviceMatrixSpec spec;
  spec.methods = Names(absl::GetFlag(FLAGS_methods));
  spec.file_states = Names(absl::GetFlag(FLAGS_file_states));
  if (const std::string text = absl::GetFlag(FLAGS_block_sizes); !text.empty()) {
    absl::StatusOr<std::vector<uint64_t>> parsed = ParseSizeList("block_sizes", text);
    if (!parsed.ok()) return parsed.status();
    spec.block_sizes = *parsed;
  }
  if (const std::string text = absl::GetFlag(FLAGS_depths); !text.empty()) {
    absl::StatusOr<std::vector<int>> parsed = ParseIntList("depths", text, 1, 64);
    if (!parsed.ok()) return parsed.status();
    spec.depths = *parsed;
  }
  return spec;
}

}  // namespace

int RunDeviceBench(const std::string& dir) {
  absl::StatusOr<bench::DeviceMatrixSpec> spec = SpecFromFlags();
  if (!spec.ok()) return Fail("bench", std::string(spec.status().message()));
  absl::StatusOr<std::vector<bench::DeviceConfig>> matrix = bench::BuildDeviceMatrix(*spec);
  if (!matrix.ok()) return Fail("bench", std::string(matrix.status().message()));
  bench::DeviceSuiteConfig config;
  config.dir = dir;
  config.matrix = *matrix;
  config.seconds = absl::GetFlag(FLAGS_seconds) > 0 ? absl::GetFlag(FLAGS_seconds) : kDefaultDeviceSeconds;
  config.repeat = absl::GetFlag(FLAGS_repeat);
  config.sqpoll_cpu = absl::GetFlag(FLAGS_sqpoll_cpu);
  bench::Progress progress;
  absl::StatusOr<bench::Report> report = bench::RunDeviceSuite(config, progress);
  if (!report.ok()) return Fail("bench", std::string(report.status().message()));
  const int status = FinishReport(*report);
  if (report->runs.empty()) return Fail("bench", "no run could be done in " + dir + " (see the skipped list)");
  return status;
}

}  // namespace ringkv::tools
