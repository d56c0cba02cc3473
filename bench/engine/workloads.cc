#include "bench/engine/workloads.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/engine/process_io.h"
#include "ringkv/options.h"

namespace ringkv::bench {
namespace {

using Clock = std::chrono::steady_clock;

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string Key(uint64_t n, size_t bytes) {
  std::string k = absl::StrFormat("%016llu", static_cast<unsigned long long>(n));
  if (k.size() > bytes) k = k.substr(k.size() - bytes);
  if (k.size() < bytes) k.append(bytes - k.size(), 'k');
  return k;
}

// Per-thread latency histograms (allocated before the run: recording neither allocates nor
// locks), merged into the result at the end.
void Summarize(const std::vector<LatencyHistogram>& per_thread, WorkloadResult* r) {
  for (const LatencyHistogram& h : per_thread) r->latency.Merge(h);
  r->p50_us = r->latency.PercentileNs(50) / 1000.0;
  r->p90_us = r->latency.PercentileNs(90) / 1000.0;
  r->p99_us = r->latency.PercentileNs(99) / 1000.0;
  r->p999_us = r->latency.PercentileNs(99.9) / 1000.0;
  r->max_us = r->latency.max_ns() / 1000.0;
  r->mean_us = r->latency.mean_ns() / 1000.0;
}

uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

// "name value" lines of KvStore::Statistics; empty when the store has none.
std::map<std::string, double> ReadStatistics(KvStore& kv) {
  std::map<std::string, double> out;
  absl::StatusOr<std::string> text = kv.Statistics();
  if (!text.ok()) return out;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv_pair = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    double v = 0;
    if (absl::SimpleAtod(kv_pair.second, &v)) out[kv_pair.first] = v;
  }
  return out;
}

// The engine figures of WorkloadResult::engine from statistics before and after the run.
void EngineFigures(const std::map<std::string, double>& before,
                   const std::map<std::string, double>& after, uint64_t sync_commits,
                   uint64_t user_bytes_written, WorkloadResult* r) {
  if (after.empty()) return;
  auto delta = [&](const char* name) {
    auto a = after.find(name);
    auto b = before.find(name);
    if (a == after.end()) return 0.0;
    return a->second - (b == before.end() ? 0.0 : b->second);
  };
  const double records = delta("ringkv.wal.records");
  const double writes = delta("ringkv.wal.durable_writes");
  const double syncs = delta("ringkv.wal.syncs");
  const double wal_bytes = delta("ringkv.wal.bytes");
  const double pages = delta("ringkv.checkpoint.pages_written");
  if (writes > 0) r->engine["group_records"] = records / writes;
  if (sync_commits > 0) r->engine["durable_writes_per_commit"] = (writes + syncs) / sync_commits;
  if (user_bytes_written > 0) {
    r->engine["wal_bytes_per_user_byte"] = wal_bytes / user_bytes_written;
    r->engine["engine_bytes_per_user_byte"] =
        (wal_bytes + pages * Options().page_size) / user_bytes_written;
  }
}

std::string FreshDir(const WorkloadConfig& c, const std::string& name) {
  static std::atomic<int> counter{0};
  std::string d = absl::StrCat(c.dir, "/", name, "-", ::getpid(), "-", counter.fetch_add(1));
  std::filesystem::remove_all(d);
  return d;
}

absl::StatusOr<std::unique_ptr<KvStore>> Load(const std::string& store, const std::string& dir,
                                              const WorkloadConfig& c, bool random_order) {
  auto s = OpenStore(store, dir, c.store);
  if (!s.ok()) return s.status();
  std::vector<uint64_t> order(c.num_keys);
  for (uint64_t i = 0; i < c.num_keys; ++i) order[i] = i;
  if (random_order) std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  const std::string value(c.value_bytes, 'v');
  for (uint64_t i = 0; i < c.num_keys; ++i) {
    absl::Status st = (*s)->Put(Key(order[i], c.key_bytes), value, /*sync=*/false);
    if (!st.ok()) return st;
  }
  return s;
}

}  // namespace

const std::vector<std::string>& WorkloadNames() {
  static const std::vector<std::string> names = {"fillsync", "fillrandom", "fillseq", "readrandom",
                                                 "readseq",  "scan",       "mixed",   "recovery"};
  return names;
}

absl::StatusOr<WorkloadResult> RunWorkload(const std::string& store, const std::string& workload,
                                           const WorkloadConfig& c) {
  if (std::find(WorkloadNames().begin(), WorkloadNames().end(), workload) == WorkloadNames().end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown workload '", workload, "' (one of ",
                                                   absl::StrJoin(WorkloadNames(), ", "), ")"));
  }
  WorkloadResult r;
  r.store = store;
  r.workload = workload;
  const std::string dir = FreshDir(c, absl::StrCat(store, "-", workload));
  const std::string value(c.value_bytes, 'v');
  const bool timed =
      c.bound == WorkloadConfig::Bound::kTime ||
      (c.bound == WorkloadConfig::Bound::kDefault && workload != "fillrandom" && workload != "fillseq");
  const bool preload = workload == "readrandom" || workload == "readseq" || workload == "scan" ||
                       workload == "mixed" || workload == "recovery";
  std::unique_ptr<KvStore> kv;
  if (preload) {
    auto loaded = Load(store, dir, c, /*random_order=*/true);
    if (!loaded.ok()) return loaded.status();
    kv = std::move(*loaded);
  } else {
    auto opened = OpenStore(store, dir, c.store);
    if (!opened.ok()) return opened.status();
    kv = std::move(*opened);
  }
  if (workload == "recovery") {
    // Close cleanly, then time a reopen (recovery replays whatever the engine must).
    absl::Status s = c.checkpoint_before_reopen ? kv->Checkpoint() : absl::OkStatus();
    if (s.ok()) s = kv->Close();
    if (!s.ok()) return s;
    kv.reset();
    const auto t0 = Clock::now();
    auto again = OpenStore(store, dir, c.store);
    if (!again.ok()) return again.status();
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r.ops = 1;
    r.ops_per_sec = 1 / r.seconds;
    r.latency.Record(Nanos(Clock::now() - t0));
    r.p50_us = r.p90_us = r.p99_us = r.p999_us = r.max_us = r.mean_us = r.seconds * 1e6;
    (*again)->Close().IgnoreError();
    std::filesystem::remove_all(dir);
    return r;
  }

  constexpr size_t kScanKeys = 100;  // keys per op of scan and readseq
  std::vector<LatencyHistogram> samples(c.threads);
  std::vector<uint64_t> done(c.threads, 0);
  std::vector<uint64_t> sync_puts(c.threads, 0);
  std::vector<uint64_t> puts(c.threads, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::string first_error;
  std::mutex error_mu;
  const std::map<std::string, double> stats_before = ReadStatistics(*kv);
  const uint64_t io_before = ProcessWriteBytes();
  const double cpu0 = CpuSeconds();
  const auto start = Clock::now();
  auto body = [&](int t) {
    std::mt19937_64 rng(1234 + t);
    // readseq: each thread walks its own share of the key space in order, wrapping around.
    uint64_t next_seq = c.num_keys / c.threads * t;
    for (uint64_t i = 0;; ++i) {
      if (timed ? stop.load(std::memory_order_relaxed) : i >= c.ops) break;
      const auto t0 = Clock::now();
      absl::Status s;
      if (workload == "fillsync" || workload == "fillrandom") {
        const bool sync = workload == "fillsync";
        s = kv->Put(Key(rng(), c.key_bytes), value, sync);
        ++puts[t];
        sync_puts[t] += sync;
      } else if (workload == "fillseq") {
        s = kv->Put(Key(i * c.threads + t, c.key_bytes), value, false);
        ++puts[t];
      } else if (workload == "readrandom") {
        s = kv->Get(Key(rng() % c.num_keys, c.key_bytes)).status();
      } else if (workload == "readseq") {
        absl::StatusOr<size_t> got = kv->Scan(Key(next_seq, c.key_bytes), kScanKeys);
        s = got.status();
        next_seq = (got.ok() && *got == kScanKeys) ? next_seq + kScanKeys : 0;
        if (next_seq >= c.num_keys) next_seq = 0;
      } else if (workload == "scan") {
        s = kv->Scan(Key(rng() % c.num_keys, c.key_bytes), kScanKeys).status();
      } else {  // mixed
        const uint64_t k = rng() % c.num_keys;
        if (static_cast<int>(rng() % 100) < c.read_percent) {
          s = kv->Get(Key(k, c.key_bytes)).status();
        } else {
          s = kv->Put(Key(k, c.key_bytes), value, /*sync=*/true);
          ++puts[t];
          ++sync_puts[t];
        }
      }
      samples[t].Record(Nanos(Clock::now() - t0));
      if (!s.ok()) {
        if (errors.fetch_add(1) == 0) {
          std::lock_guard<std::mutex> l(error_mu);
          first_error = std::string(s.message());
        }
        break;
      }
      ++done[t];
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < c.threads; ++t) threads.emplace_back(body, t);
  if (timed) {
    std::this_thread::sleep_for(std::chrono::duration<double>(c.seconds));
    stop = true;
  }
  for (std::thread& th : threads) th.join();
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu0;
  const std::map<std::string, double> stats_after = ReadStatistics(*kv);
  kv->Close().IgnoreError();
  kv.reset();
  const uint64_t io_after = ProcessWriteBytes();
  std::filesystem::remove_all(dir);
  if (errors.load() > 0) {
    return absl::InternalError(absl::StrCat(store, " ", workload, ": ", first_error));
  }
  uint64_t total_puts = 0, total_sync = 0;
  for (int t = 0; t < c.threads; ++t) {
    r.ops += done[t];
    total_puts += puts[t];
    total_sync += sync_puts[t];
  }
  const uint64_t record_bytes = c.key_bytes + c.value_bytes;
  const uint64_t written = total_puts * record_bytes;
  const bool scans = workload == "readseq" || workload == "scan";
  r.user_bytes = written + (r.ops - total_puts) * record_bytes * (scans ? kScanKeys : 1);
  r.ops_per_sec = r.ops / r.seconds;
  r.cpu_us_per_op = r.ops ? cpu * 1e6 / r.ops : 0;
  if (written > 0 && io_after > io_before) {
    r.io_bytes_per_user_byte = static_cast<double>(io_after - io_before) / written;
  }
  EngineFigures(stats_before, stats_after, total_sync, written, &r);
  Summarize(samples, &r);
  return r;
}

}  // namespace ringkv::bench
