// Side-by-side engine benchmark: the issue-6 goals, each measured in one run against the raw
// device and against every peer built in, repeated and reported as medians.
//   build/bench/engine/engine_bench --repeat=3            (all goals, all engines)
//   build/bench/engine/engine_bench --goals=fillsync1 --engines=ringkv,rocksdb
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/engine/workloads.h"

ABSL_FLAG(std::string, dir, "/var/tmp", "scratch directory on the disk to measure");
ABSL_FLAG(std::string, engines, "", "comma-separated engines (default: every one built in)");
ABSL_FLAG(std::string, goals, "raw,fillsync1,fillsync64,fillrandom1,readrandom2,recovery",
          "comma-separated goals to run");
ABSL_FLAG(int, repeat, 3, "repetitions per figure (the median is reported)");
ABSL_FLAG(double, seconds, 3.0, "duration of time-bound workloads");
ABSL_FLAG(uint64_t, num_keys, 1000000, "keys loaded for readrandom/recovery");
ABSL_FLAG(uint64_t, fill_ops, 200000, "puts for fillrandom");
ABSL_FLAG(bool, checkpoint_before_reopen, false,
          "recovery: checkpoint before closing, so the reopen replays nothing (stores without "
          "a checkpoint fail the run)");
ABSL_FLAG(uint64_t, ringkv_memtable_mib, 0,
          "ringkv's memtable budget (0: its default); recovery after N MiB of WAL needs one "
          "larger than N, so that nothing is checkpointed before the reopen");

namespace ringkv::bench {
namespace {

struct Goal {
  std::string name;
  std::string workload;
  int threads;
  const char* figure;  // which figure matters: "p50" or "rate" or "seconds"
};

const std::vector<Goal>& Goals() {
  static const std::vector<Goal> goals = {
      {"fillsync1", "fillsync", 1, "p50"},
      {"fillsync64", "fillsync", 64, "rate"},
      {"fillrandom1", "fillrandom", 1, "rate"},
      {"readrandom2", "readrandom", 2, "rate"},
      {"recovery", "recovery", 1, "seconds"},
  };
  return goals;
}

WorkloadResult Median(std::vector<WorkloadResult> runs, const char* figure) {
  auto key = [&](const WorkloadResult& r) {
    return std::string(figure) == "p50" ? r.p50_us
           : std::string(figure) == "seconds" ? r.seconds
                                               : r.ops_per_sec;
  };
  std::sort(runs.begin(), runs.end(),
            [&](const WorkloadResult& a, const WorkloadResult& b) { return key(a) < key(b); });
  return runs[runs.size() / 2];
}

int Main() {
  WorkloadConfig config;
  config.dir = absl::GetFlag(FLAGS_dir);
  config.seconds = absl::GetFlag(FLAGS_seconds);
  config.num_keys = absl::GetFlag(FLAGS_num_keys);
  config.store.ringkv_memtable_bytes = absl::GetFlag(FLAGS_ringkv_memtable_mib) << 20;
  config.checkpoint_before_reopen = absl::GetFlag(FLAGS_checkpoint_before_reopen);
  const int repeat = std::max(1, absl::GetFlag(FLAGS_repeat));
  std::vector<std::string> engines;
  if (absl::GetFlag(FLAGS_engines).empty()) {
    for (const PeerInfo& p : KnownStores()) {
      if (p.available) {
        engines.push_back(p.name);
      } else {
        std::printf("skipping %s: not built in (install it with scripts/setup.sh --peers)\n",
                    p.name.c_str());
      }
    }
  } else {
    engines = absl::StrSplit(absl::GetFlag(FLAGS_engines), ',');
  }
  const std::vector<std::string> wanted = absl::StrSplit(absl::GetFlag(FLAGS_goals), ',');
  auto want = [&](const std::string& g) {
    return std::find(wanted.begin(), wanted.end(), g) != wanted.end();
  };
  std::printf("engine benchmark: 16-byte keys, 100-byte values, median of %d, dir %s\n\n", repeat,
              config.dir.c_str());

  double raw_p50 = 0, raw_rate = 0;
  if (want("raw")) {
    std::vector<WorkloadResult> runs;
    WorkloadConfig c = config;
    c.ops = 3000;
    for (int i = 0; i < repeat; ++i) {
      auto r = RawDeviceQD1(c);
      if (!r.ok()) {
        std::fprintf(stderr, "raw device: %s\n", std::string(r.status().message()).c_str());
        return 1;
      }
      runs.push_back(*r);
    }
    WorkloadResult m = Median(runs, "p50");
    raw_p50 = m.p50_us;
    raw_rate = m.ops_per_sec;
    std::printf("%-12s %-10s p50 %8.1f us  p99 %8.1f us  %10.0f writes/s\n", "raw device",
                "QD1 4KiB", m.p50_us, m.p99_us, m.ops_per_sec);
  }
  for (const Goal& g : Goals()) {
    if (!want(g.name)) continue;
    std::printf("\n%s (%s, %d thread%s):\n", g.name.c_str(), g.workload.c_str(), g.threads,
                g.threads == 1 ? "" : "s");
    std::map<std::string, WorkloadResult> by_engine;
    for (const std::string& e : engines) {
      std::vector<WorkloadResult> runs;
      WorkloadConfig c = config;
      c.threads = g.threads;
      c.ops = absl::GetFlag(FLAGS_fill_ops);
      if (g.workload == "fillsync") c.seconds = std::min(config.seconds, 3.0);
      bool failed = false;
      for (int i = 0; i < repeat && !failed; ++i) {
        auto r = RunWorkload(e, g.workload, c);
        if (!r.ok()) {
          std::printf("  %-10s error: %s\n", e.c_str(), std::string(r.status().message()).c_str());
          failed = true;
        } else {
          runs.push_back(*r);
        }
      }
      if (failed) continue;
      WorkloadResult m = Median(runs, g.figure);
      by_engine[e] = m;
      std::printf("  %-10s %10.0f ops/s  p50 %8.1f us  p99 %9.1f us  cpu %6.2f us/op  %s\n",
                  e.c_str(), m.ops_per_sec, m.p50_us, m.p99_us, m.cpu_us_per_op,
                  g.workload == "recovery" ? ("reopen " + std::to_string(m.seconds) + " s").c_str() : "");
    }
    // Ratios: ringkv against the raw device and the best peer.
    auto ringkv = by_engine.find("ringkv");
    if (ringkv == by_engine.end()) continue;
    const WorkloadResult& rk = ringkv->second;
    std::string best_peer;
    double best = 0;
    for (const auto& [name, r] : by_engine) {
      if (name == "ringkv") continue;
      const double v = std::string(g.figure) == "p50" ? -r.p50_us
                       : std::string(g.figure) == "seconds" ? -r.seconds
                                                            : r.ops_per_sec;
      if (best_peer.empty() || v > best) {
        best = v;
        best_peer = name;
      }
    }
    if (std::string(g.figure) == "p50" && raw_p50 > 0) {
      std::printf("  ringkv p50 / raw QD1 p50 = %.2f\n", rk.p50_us / raw_p50);
    }
    if (g.name == "fillsync64" && raw_rate > 0) {
      std::printf("  ringkv rate / raw QD1 rate = %.1f\n", rk.ops_per_sec / raw_rate);
    }
    if (!best_peer.empty()) {
      const WorkloadResult& p = by_engine[best_peer];
      if (std::string(g.figure) == "p50") {
        std::printf("  ringkv p50 / best peer (%s) p50 = %.2f\n", best_peer.c_str(), rk.p50_us / p.p50_us);
      } else if (std::string(g.figure) == "seconds") {
        std::printf("  ringkv reopen / best peer (%s) = %.2f\n", best_peer.c_str(), rk.seconds / p.seconds);
      } else {
        std::printf("  ringkv / best peer (%s) = %.2fx\n", best_peer.c_str(), rk.ops_per_sec / p.ops_per_sec);
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace ringkv::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Debian's abseil is built with mutex deadlock detection on (~30 ns per lock, a global
  // graph under a spinlock); the peers pay nothing like it. Tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return ringkv::bench::Main();
}
