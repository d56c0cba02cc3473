#include "bench/scale/stall_phase.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/report/sample_percentiles.h"
#include "bench/scale/scale_keys.h"

namespace ringkv::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The store's background work, or for a store that cannot tell, whether the other thread is
// still writing (then every sample taken during its burst counts as busy).
class BusyProbe {
 public:
  BusyProbe(KvStore& kv, const std::atomic<bool>& writer_running)
      : kv_(kv), writer_running_(writer_running),
        tells_(!absl::IsUnimplemented(kv.BackgroundWorkRunning().status())) {}
  bool store_tells() const { return tells_; }
  // An error from the store's probe counts as not busy: the sample is left out, not misfiled.
  bool Busy() const {
    if (!tells_) return writer_running_.load();
    absl::StatusOr<bool> busy = kv_.BackgroundWorkRunning();
    return busy.ok() && *busy;
  }
  // Waits up to `max_seconds` for the store's background work to end; false if it did not.
  bool WaitIdle(double max_seconds) const {
    if (!tells_) return true;
    const Clock::time_point t0 = Clock::now();
    while (Busy()) {
      if (SecondsSince(t0) > max_seconds) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

 private:
  KvStore& kv_;
  const std::atomic<bool>& writer_running_;
  const bool tells_;
};

// The other thread. Where the store tells, it writes until background work starts, then waits
// for the work to end before writing again: the busy samples then show the store's own work,
// not sync puts queued behind a writer that outran it. Elsewhere it writes until stopped.
struct Writer {
  std::atomic<bool> stop{false};
  std::atomic<bool> running{false};
  std::atomic<uint64_t> puts{0};
  absl::Status status;  // read after join

  void Run(KvStore& kv, uint64_t keys, const BusyProbe& probe) {
    ScaleRandom rng(43);
    std::string key, value;
    while (!stop.load()) {
      if (probe.store_tells() && puts.load() % 256 == 0 && probe.Busy()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      ScaleKey(rng.Below(keys), &key);
      rng.Value(&value);
      if (absl::Status s = kv.Put(key, value, /*sync=*/false); !s.ok()) {
        status = s;
        break;
      }
      puts.fetch_add(1);
    }
    running = false;
  }
};

// One sync put of a random existing key; its latency in microseconds.
absl::StatusOr<double> TimedSyncPut(KvStore& kv, uint64_t keys, ScaleRandom& rng, std::string* key,
                                    std::string* value) {
  ScaleKey(rng.Below(keys), key);
  rng.Value(value);
  const Clock::time_point t0 = Clock::now();
  if (absl::Status s = kv.Put(*key, *value, /*sync=*/true); !s.ok()) return s;
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// The engine's own counters of its background work (ringkv's checkpoints and merges of sorted
// runs), so the report says which work the busy samples ran beside: a checkpoint that writes a
// memtable as a run is short, a merge of the runs into the tree is long. Empty for stores
// without statistics.
std::map<std::string, double> WorkCounters(KvStore& kv) {
  static constexpr const char* kNames[] = {"ringkv.checkpoints", "ringkv.runs.merges"};
  std::map<std::string, double> counters;
  absl::StatusOr<std::string> stats = kv.Statistics();
  if (!stats.ok()) return counters;
  for (absl::string_view line : absl::StrSplit(*stats, '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    double v = 0;
    for (const char* name : kNames) {
      if (f.first == name && absl::SimpleAtod(f.second, &v)) counters[name] = v;
    }
  }
  return counters;
}

std::string CounterDeltas(const std::map<std::string, double>& before, const std::map<std::string, double>& after) {
  std::vector<std::string> parts;
  for (const auto& [name, v] : after) {
    auto it = before.find(name);
    if (it != before.end()) parts.push_back(absl::StrCat(name, " +", v - it->second));
  }
  return absl::StrJoin(parts, ", ");
}

int Fail(ScaleLineWriter& out, const std::string& store, const char* step, const absl::Status& s) {
  out.Error(absl::StrCat(store, " ", step, ": ", s.message()));
  return 1;
}

void ReportSamples(ScaleLineWriter& out, const char* prefix, const std::vector<double>& us) {
  out.Figure(absl::StrCat("stall_", prefix, "_samples"), static_cast<double>(us.size()));
  out.Figure(absl::StrCat("stall_", prefix, "_p50_us"), NearestRankPercentile(us, 50));
  out.Figure(absl::StrCat("stall_", prefix, "_p99_us"), NearestRankPercentile(us, 99));
}

}  // namespace

int RunScaleStallPhase(const std::string& store, const ScaleConfig& c, const std::string& dir,
                       ScaleLineWriter& out) {
  const Clock::time_point phase_start = Clock::now();
  absl::StatusOr<std::unique_ptr<KvStore>> opened = OpenStore(store, dir, c.store);
  if (!opened.ok()) return Fail(out, store, "open for the stall phase", opened.status());
  // Never closed: see the header. The child _exits without running destructors.
  KvStore& kv = *opened->release();
  Writer writer;
  const BusyProbe probe(kv, writer.running);
  out.Text("stall_during", probe.store_tells() ? kv.BackgroundWorkName() + " running"
                                               : std::string("another thread's burst of non-sync puts"));
  ScaleRandom rng(41);
  std::string key, value;

  const double idle_cap = c.stall_max_seconds / 3;
  if (!probe.WaitIdle(idle_cap)) {
    out.Note(absl::StrCat("stall phase: ", kv.BackgroundWorkName(), " still running after ", idle_cap,
                          " s; the idle samples were taken beside it"));
  }
  std::vector<double> idle;
  for (const Clock::time_point t0 = Clock::now(); idle.size() < c.stall_samples && SecondsSince(t0) < idle_cap;) {
    absl::StatusOr<double> us = TimedSyncPut(kv, c.keys, rng, &key, &value);
    if (!us.ok()) return Fail(out, store, "sync put (stall phase, idle)", us.status());
    idle.push_back(*us);
  }
  ReportSamples(out, "idle", idle);

  const std::map<std::string, double> counters_before = WorkCounters(kv);
  writer.running = true;
  std::thread background([&] { writer.Run(kv, c.keys, probe); });
  std::vector<double> busy;
  uint64_t runs = 0;
  bool was_busy = false;
  absl::Status failed;
  for (const Clock::time_point t0 = Clock::now();
       busy.size() < c.stall_samples && SecondsSince(t0) < c.stall_max_seconds && writer.running.load();) {
    const bool before = probe.Busy();
    absl::StatusOr<double> us = TimedSyncPut(kv, c.keys, rng, &key, &value);
    if (!us.ok()) {
      failed = us.status();
      break;
    }
    const bool after = probe.Busy();
    // A put that overlapped the work at either end felt it.
    if (before || after) {
      busy.push_back(*us);
      if (!was_busy) ++runs;
    }
    was_busy = after;
  }
  writer.stop = true;
  background.join();
  if (!failed.ok()) return Fail(out, store, "sync put (stall phase, busy)", failed);
  if (!writer.status.ok()) return Fail(out, store, "non-sync put (stall phase)", writer.status);
  ReportSamples(out, "busy", busy);
  if (const std::string deltas = CounterDeltas(counters_before, WorkCounters(kv)); !deltas.empty()) {
    out.Note(absl::StrCat("stall phase, over the busy part: ", deltas));
  }
  out.Figure("stall_background_puts", static_cast<double>(writer.puts.load()));
  out.Figure("stall_background_runs", static_cast<double>(runs));
  if (busy.empty()) {
    out.Note(absl::StrCat("stall phase: the background work watched (", kv.BackgroundWorkName(),
                          ") was not seen running within ", c.stall_max_seconds, " s of non-sync puts"));
  }
  out.Figure("stall_seconds", SecondsSince(phase_start));
  return 0;
}

}  // namespace ringkv::bench
