// RunScaleSuite: the scale workload store after store, one report.
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/honesty_checks.h"
#include "bench/report/report.h"
#include "bench/scale/scale_workload.h"

namespace ringkv::bench {

absl::StatusOr<Report> RunScaleSuite(const ScaleConfig& config, const std::vector<std::string>& stores,
                                     Progress& progress) {
  Report report;
  StartReport("scale", config.dir, 1, &report);
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < stores.size(); ++i) {
    const std::string& store = stores[i];
    progress.Log(absl::StrFormat("[%s %d/%d] %s: starting", store, i + 1, stores.size(),
                                 ScaleModeName(config.mode)));
    absl::StatusOr<ScaleResult> r = RunScaleWorkload(
        store, config, [&](const ScaleResult&, const ScaleChunk& chunk) {
          progress.Log(absl::StrFormat("[%s %d/%d] %d/%d ops  %.0f ops/s  write amp %.2f", store, i + 1,
                                       stores.size(), chunk.ops, config.keys, chunk.ops_per_sec,
                                       chunk.write_amp));
        });
    if (!r.ok()) {
      progress.Clear();
      return r.status();
    }
    if (!r->error.empty()) report.warnings.push_back(absl::StrCat(store, " failed: ", r->error));
    for (const std::string& note : r->notes) report.notes.push_back(absl::StrCat(store, ": ", note));
    report.scale.push_back(std::move(*r));
  }
  progress.Clear();
  CheckMachine(&report);
  report.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace ringkv::bench
