#include "bench/report/honesty_checks.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_format.h"

namespace ringkv::bench {
namespace {

// p99.9 is one write in a thousand: with fewer, it is just the maximum.
constexpr uint64_t kMinOpsForTail = 1000;
// Repetitions whose rates differ by more than this factor were disturbed by something else.
constexpr double kMaxRepeatSpread = 1.5;

void Warn(RunResult& run, Report* report, std::string text) {
  run.warnings.push_back(text);
  report->warnings.push_back(run.label + ": " + text);
}

void CheckCommon(RunResult& run, Report* report) {
  // A recovery run is one reopen by design: it has no tail to speak of.
  if (run.median.ops < kMinOpsForTail && run.workload != "recovery") {
    Warn(run, report,
         absl::StrFormat("only %d ops: p99.9 and max rest on a handful of samples (run longer)",
                         run.median.ops));
  }
  if (run.repetitions.size() > 1) {
    double lo = run.repetitions[0].ops_per_sec, hi = lo;
    for (const RunFigures& f : run.repetitions) {
      lo = std::min(lo, f.ops_per_sec);
      hi = std::max(hi, f.ops_per_sec);
    }
    if (lo > 0 && hi / lo > kMaxRepeatSpread) {
      Warn(run, report,
           absl::StrFormat("repetitions differ %.1fx in ops/s (%.0f .. %.0f): the machine was "
                           "busy or the device throttled; trust the median less",
                           hi / lo, lo, hi));
    }
  }
}

}  // namespace

void CheckMachine(Report* report) {
  const MachineInfo& m = report->machine;
  if (m.write_cache == "write through") {
    report->warnings.push_back(absl::StrFormat(
        "%s reports a write-through cache: the kernel sends it no flushes, so every durable "
        "figure rests on the device's claim (true of power-loss-protected SSDs; some virtual "
        "disks claim it without honouring it)",
        m.block_device));
  } else if (m.write_cache.empty()) {
    report->warnings.push_back(
        "the write cache mode of the device behind the directory is unknown (no /sys/block "
        "entry): the plausibility checks use the non-NVMe thresholds");
  }
}

void CheckDeviceRuns(const std::map<uint64_t, double>& buffered_p50_us, Report* report) {
  const MachineInfo& m = report->machine;
  const double floor_us = m.nvme ? kMinFlushUsNvme : kMinFlushUsNonNvme;
  for (RunResult& run : report->runs) {
    if (run.kind != "device") continue;
    CheckCommon(run, report);
    if (!run.durable || run.block_bytes > kSmallBlockBytes || run.median.ops == 0) continue;
    if (run.median.p50_us < floor_us) {
      Warn(run, report,
           absl::StrFormat("p50 %.1f us is faster than a flush to a %s device can be (floor "
                           "%.0f us): something acknowledges from a volatile cache (a hypervisor "
                           "cache mode that drops flushes, a disk that ignores FLUSH); this is "
                           "not durability",
                           run.median.p50_us, m.nvme ? "NVMe" : "non-NVMe", floor_us));
    }
    auto b = buffered_p50_us.find(run.block_bytes);
    if (b != buffered_p50_us.end() && run.median.p50_us < b->second + kMinSyncCostUs) {
      Warn(run, report,
           absl::StrFormat("p50 %.1f us is within %.0f us of a plain page-cache write (%.1f us):"
                           " the sync reached no device%s",
                           run.median.p50_us, kMinSyncCostUs, b->second,
                           m.write_cache == "write back" && m.fua == "0"
                               ? " although it reports a volatile write-back cache without FUA, "
                                 "which needs a FLUSH per sync"
                               : ""));
    }
  }
}

void CheckEngineRuns(double raw_p50_us, Report* report) {
  for (RunResult& run : report->runs) {
    if (run.kind != "engine") continue;
    CheckCommon(run, report);
    const bool sync_commits = run.workload == "fillsync";
    if (sync_commits && run.threads == 1 && raw_p50_us > 0 && run.median.p50_us < 0.9 * raw_p50_us) {
      Warn(run, report,
           absl::StrFormat("sync commit p50 %.1f us is below the device's own durable 4 KiB "
                           "write (%.1f us, its fastest measurement): %s is not waiting for "
                           "stable media per commit",
                           run.median.p50_us, raw_p50_us, run.store));
    }
  }
}

}  // namespace ringkv::bench
