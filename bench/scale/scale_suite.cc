// RunScaleSuite: the scale workload store after store, repetition after repetition, one report.
#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/honesty_checks.h"
#include "bench/report/report.h"
#include "bench/report/scale_medians.h"
#include "bench/scale/scale_workload.h"

namespace ringkv::bench {

absl::StatusOr<Report> RunScaleSuite(const ScaleConfig& config, const std::vector<std::string>& stores,
                                     Progress& progress) {
  const int repeat = std::max(1, config.repeat);
  Report report;
  StartReport("scale", config.dir, repeat, &report);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<ScaleResult>> runs(stores.size());
  for (int rep = 0; rep < repeat; ++rep) {
    for (size_t i = 0; i < stores.size(); ++i) {
      const std::string& store = stores[i];
      const std::string tag = repeat > 1 ? absl::StrFormat("[%s %d/%d, run %d/%d]", store, i + 1, stores.size(),
                                                           rep + 1, repeat)
                                         : absl::StrFormat("[%s %d/%d]", store, i + 1, stores.size());
      progress.Log(absl::StrFormat("%s %s: starting", tag, ScaleModeName(config.mode)));
      absl::StatusOr<ScaleResult> r = RunScaleWorkload(
          store, config, [&](const ScaleResult&, const ScaleChunk& chunk) {
            progress.Log(absl::StrFormat("%s %d/%d ops  %.0f ops/s  write amp %.2f", tag, chunk.ops, config.keys,
                                         chunk.ops_per_sec, chunk.write_amp));
          });
      if (!r.ok()) {
        progress.Clear();
        return r.status();
      }
      if (!r->error.empty()) {
        report.warnings.push_back(repeat > 1 ? absl::StrCat(store, " run ", rep + 1, " failed: ", r->error)
                                             : absl::StrCat(store, " failed: ", r->error));
      }
      runs[i].push_back(std::move(*r));
    }
  }
  progress.Clear();
  for (std::vector<ScaleResult>& store_runs : runs) {
    ScaleResult r = repeat > 1 ? MedianScaleResult(store_runs) : std::move(store_runs.front());
    for (const std::string& note : r.notes) report.notes.push_back(absl::StrCat(r.store, ": ", note));
    report.scale.push_back(std::move(r));
  }
  CheckMachine(&report);
  report.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace ringkv::bench
