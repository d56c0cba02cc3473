// `ringkv bench engine DIR --workload=scale`: flags in, bench/scale's report out.
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "bench/scale/scale_workload.h"
#include "tools/bench/bench_flags.h"
#include "tools/bench/bench_modes.h"
#include "tools/bench/bench_output.h"
#include "tools/command.h"

namespace ringkv::tools {

int RunScaleBench(const std::string& dir) {
  bench::ScaleConfig config;
  config.dir = dir;
  config.keys = absl::GetFlag(FLAGS_scale_keys);
  config.chunk_ops = absl::GetFlag(FLAGS_scale_chunk);
  config.warm_gets = absl::GetFlag(FLAGS_scale_gets);
  config.cold_gets = absl::GetFlag(FLAGS_scale_cold_gets);
  config.memory_limit_fraction = absl::GetFlag(FLAGS_scale_memory_fraction);
  config.stall_samples = absl::GetFlag(FLAGS_scale_stall_samples);
  config.repeat = absl::GetFlag(FLAGS_repeat);
  config.stall_max_seconds = absl::GetFlag(FLAGS_scale_stall_seconds);
  config.store = StoreOptionsFromFlags();
  if (config.keys == 0) return Fail("bench", "--keys must be positive");
  if (config.repeat < 1) return Fail("bench", "--repeat must be at least 1");
  if (!(config.memory_limit_fraction > 0)) return Fail("bench", "--scale_memory_fraction must be positive");
  if (!(config.stall_max_seconds > 0)) return Fail("bench", "--scale_stall_seconds must be positive");
  if (!bench::ParseScaleMode(absl::GetFlag(FLAGS_scale_mode), &config.mode)) {
    return Fail("bench", absl::StrCat("--scale_mode: unknown mode '", absl::GetFlag(FLAGS_scale_mode),
                                      "' (one of insert, overwrite, mix)"));
  }
  std::vector<std::string> skipped;
  absl::StatusOr<std::vector<std::string>> stores = StoresFromFlags(&skipped);
  if (!stores.ok()) return Fail("bench", std::string(stores.status().message()));
  bench::Progress progress;
  absl::StatusOr<bench::Report> report = bench::RunScaleSuite(config, *stores, progress);
  if (!report.ok()) return Fail("bench", std::string(report.status().message()));
  report->skipped.insert(report->skipped.end(), skipped.begin(), skipped.end());
  const int status = FinishReport(*report);
  // A failed run fails the command even when other runs of the store gave medians.
  for (const bench::ScaleResult& r : report->scale) {
    if (!r.error.empty()) return Fail("bench", r.error);
    for (const bench::ScaleResult& run : r.repetitions) {
      if (!run.error.empty()) return Fail("bench", run.error);
    }
  }
  return status;
}

}  // namespace ringkv::tools
