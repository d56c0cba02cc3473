#include "bench/engine/workloads.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

// Latencies in nanoseconds, preallocated per thread (no allocation while measuring).
struct Samples {
  std::vector<uint32_t> ns;
  void Reserve(size_t n) { ns.reserve(n); }
  void Add(Clock::duration d) {
    if (ns.size() < ns.capacity()) {
      ns.push_back(static_cast<uint32_t>(std::min<int64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(), UINT32_MAX)));
    }
  }
};

void Summarize(std::vector<Samples>& per_thread, WorkloadResult* r) {
  std::vector<uint32_t> all;
  for (Samples& s : per_thread) all.insert(all.end(), s.ns.begin(), s.ns.end());
  if (all.empty()) return;
  std::sort(all.begin(), all.end());
  r->p50_us = all[all.size() / 2] / 1000.0;
  r->p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)] / 1000.0;
  r->max_us = all.back() / 1000.0;
}

std::string FreshDir(const WorkloadConfig& c, const std::string& name) {
  static std::atomic<int> counter{0};
  std::string d = absl::StrCat(c.dir, "/", name, "-", ::getpid(), "-", counter.fetch_add(1));
  std::filesystem::remove_all(d);
  return d;
}

absl::StatusOr<std::unique_ptr<KvStore>> Load(const std::string& store, const std::string& dir,
                                              const WorkloadConfig& c, bool random_order) {
  auto s = OpenStore(store, dir);
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

absl::StatusOr<WorkloadResult> RawDeviceQD1(const WorkloadConfig& c) {
  const std::string path = absl::StrCat(c.dir, "/raw-qd1-", ::getpid(), ".dat");
  constexpr size_t kBlock = 4096;
  constexpr size_t kBlocks = 4096;  // 16 MiB, reused round-robin
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
  std::vector<char> zeros(1 << 20, 0);
  for (size_t off = 0; off < kBlock * kBlocks; off += zeros.size()) {
    if (::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(off)) < 0) break;
  }
  ::fsync(fd);
  ::close(fd);
  fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_DSYNC);
  if (fd < 0) return absl::InternalError(absl::StrCat("open O_DIRECT ", path, ": ", std::strerror(errno)));
  void* buf = nullptr;
  if (posix_memalign(&buf, kBlock, kBlock) != 0) return absl::ResourceExhaustedError("memalign");
  std::memset(buf, 'r', kBlock);
  std::vector<Samples> samples(1);
  samples[0].Reserve(c.ops);
  const auto start = Clock::now();
  for (uint64_t i = 0; i < c.ops; ++i) {
    const auto t0 = Clock::now();
    if (::pwrite(fd, buf, kBlock, static_cast<off_t>((i % kBlocks) * kBlock)) != kBlock) {
      ::close(fd);
      std::free(buf);
      return absl::InternalError(absl::StrCat("pwrite ", path, ": ", std::strerror(errno)));
    }
    samples[0].Add(Clock::now() - t0);
  }
  WorkloadResult r;
  r.store = "raw device";
  r.workload = "4k O_DIRECT|O_DSYNC QD1";
  r.ops = c.ops;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.ops_per_sec = r.ops / r.seconds;
  Summarize(samples, &r);
  ::close(fd);
  std::free(buf);
  ::unlink(path.c_str());
  return r;
}

absl::StatusOr<WorkloadResult> RunWorkload(const std::string& store, const std::string& workload,
                                           const WorkloadConfig& c) {
  WorkloadResult r;
  r.store = store;
  r.workload = workload;
  const std::string dir = FreshDir(c, absl::StrCat(store, "-", workload));
  const std::string value(c.value_bytes, 'v');
  const bool timed = workload == "fillsync" || workload == "readrandom" || workload == "scan";
  std::unique_ptr<KvStore> kv;
  if (workload == "readrandom" || workload == "scan" || workload == "recovery") {
    auto loaded = Load(store, dir, c, /*random_order=*/true);
    if (!loaded.ok()) return loaded.status();
    kv = std::move(*loaded);
  } else {
    auto opened = OpenStore(store, dir);
    if (!opened.ok()) return opened.status();
    kv = std::move(*opened);
  }
  if (workload == "recovery") {
    // Close cleanly, then time a reopen (recovery replays whatever the engine must).
    absl::Status s = kv->Close();
    if (!s.ok()) return s;
    kv.reset();
    const auto t0 = Clock::now();
    auto again = OpenStore(store, dir);
    if (!again.ok()) return again.status();
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r.ops = 1;
    r.ops_per_sec = 1 / r.seconds;
    (*again)->Close().IgnoreError();
    std::filesystem::remove_all(dir);
    return r;
  }

  std::vector<Samples> samples(c.threads);
  std::vector<uint64_t> done(c.threads, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::string first_error;
  std::mutex error_mu;
  const double cpu0 = CpuSeconds();
  const auto start = Clock::now();
  auto body = [&](int t) {
    std::mt19937_64 rng(1234 + t);
    samples[t].Reserve(timed ? 2'000'000 : c.ops);
    for (uint64_t i = 0;; ++i) {
      if (timed ? stop.load(std::memory_order_relaxed) : i >= c.ops) break;
      const auto t0 = Clock::now();
      absl::Status s;
      if (workload == "fillsync" || workload == "fillrandom") {
        s = kv->Put(Key(rng(), c.key_bytes), value, workload == "fillsync");
      } else if (workload == "fillseq") {
        s = kv->Put(Key(i * c.threads + t, c.key_bytes), value, false);
      } else if (workload == "readrandom") {
        s = kv->Get(Key(rng() % c.num_keys, c.key_bytes)).status();
      } else if (workload == "scan") {
        s = kv->Scan(Key(rng() % c.num_keys, c.key_bytes), 100).status();
      } else {
        s = absl::InvalidArgumentError(absl::StrCat("unknown workload ", workload));
      }
      samples[t].Add(Clock::now() - t0);
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
  kv->Close().IgnoreError();
  kv.reset();
  std::filesystem::remove_all(dir);
  if (errors.load() > 0) {
    return absl::InternalError(absl::StrCat(store, " ", workload, ": ", first_error));
  }
  for (uint64_t d : done) r.ops += d;
  r.ops_per_sec = r.ops / r.seconds;
  r.cpu_us_per_op = r.ops ? cpu * 1e6 / r.ops : 0;
  Summarize(samples, &r);
  return r;
}

}  // namespace ringkv::bench
