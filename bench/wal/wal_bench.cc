// The WAL against the raw device, side by side in one run: 4 KiB O_DIRECT|O_DSYNC pwrite at
// QD1 (the device limit); one writer doing sync appends of 100-byte records (p50 vs raw p50);
// 64 writers (rate vs raw QD1 rate, p99, group size); replay of a 1 GiB log, warm and cold.
//   build/bench/wal/wal_bench [--dir=/var/tmp] [--seconds=3] [--replay_mib=1024]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "uring/io_backend.h"
#include "wal/wal.h"

ABSL_FLAG(std::string, dir, "/var/tmp", "directory on the disk to measure");
ABSL_FLAG(double, seconds, 3.0, "duration of each timed phase");
ABSL_FLAG(int, replay_mib, 1024, "size of the log replayed (0: skip the replay phase)");
ABSL_FLAG(int, writers, 64, "writer threads of the concurrent phase");
ABSL_FLAG(int, max_writes_in_flight, ringkv::wal::WalOptions().max_writes_in_flight,
          "group-commit writes in flight at once");

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double p50_us = 0, p99_us = 0, per_sec = 0;
  double seconds = 0;
};

Figures Summarize(std::vector<double> us, double seconds) {
  Figures f;
  f.seconds = seconds;
  if (us.empty()) return f;
  std::sort(us.begin(), us.end());
  f.p50_us = us[us.size() / 2];
  f.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  f.per_sec = us.size() / seconds;
  return f;
}

Figures RawQd1(const std::string& dir, double seconds) {
  const std::string path = dir + "/wal-bench-raw.dat";
  constexpr size_t kBlocks = 4096;
  {
    std::ofstream zero(path, std::ios::binary | std::ios::trunc);
    std::vector<char> z(1 << 20, 0);
    for (size_t i = 0; i < kBlocks * 4096 / z.size(); ++i) zero.write(z.data(), z.size());
  }
  int fd = ::open(path.c_str(), O_WRONLY);
  ::fsync(fd);
  ::close(fd);
  fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_DSYNC);
  void* buf = nullptr;
  if (posix_memalign(&buf, 4096, 4096) != 0) std::abort();
  std::memset(buf, 'r', 4096);
  std::vector<double> us;
  const auto start = Clock::now();
  for (size_t i = 0; std::chrono::duration<double>(Clock::now() - start).count() < seconds; ++i) {
    const auto t = Clock::now();
    if (::pwrite(fd, buf, 4096, static_cast<off_t>((i % kBlocks) * 4096)) != 4096) std::abort();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  ::unlink(path.c_str());
  std::free(buf);
  return Summarize(std::move(us), took);
}

std::unique_ptr<ringkv::wal::Wal> OpenWal(ringkv::io::IoBackend& io, const std::string& dir) {
  ringkv::wal::WalOptions options;
  options.max_writes_in_flight = absl::GetFlag(FLAGS_max_writes_in_flight);
  auto w = ringkv::wal::Wal::Open(io, dir, options, 0);
  if (!w.ok()) {
    std::fprintf(stderr, "%s\n", std::string(w.status().message()).c_str());
    std::exit(1);
  }
  if (!(*w)->Replay(0, [](uint64_t, std::string_view) { return absl::OkStatus(); }).ok()) std::exit(1);
  return std::move(*w);
}

Figures Appends(ringkv::io::IoBackend& io, const std::string& dir, int threads, double seconds,
                ringkv::wal::WalStats* stats) {
  std::filesystem::remove_all(dir);
  auto w = OpenWal(io, dir);
  const std::string record(100, 'x');
  std::vector<std::vector<double>> lat(threads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    lat[t].reserve(1 << 20);
    ts.emplace_back([&, t] {
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        auto r = w->Append(record);
        if (!r.ok() || !w->WaitDurable(r->end).ok()) std::abort();
        lat[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  *stats = w->stats();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return Summarize(std::move(all), took);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Debian's abseil is built with mutex deadlock detection on (~30 ns per lock, a global
  // graph under a spinlock); the peers pay nothing like it. Tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  auto io = ringkv::io::OpenBackend(ringkv::io::IoOptions());
  if (!io.ok()) return 1;
  const std::string wal_dir = dir + "/wal-bench";

  const Figures raw = RawQd1(dir, seconds);
  std::printf("raw 4 KiB O_DIRECT|O_DSYNC QD1: p50 %.1f us, p99 %.1f us, %.0f writes/s\n",
              raw.p50_us, raw.p99_us, raw.per_sec);
  ringkv::wal::WalStats s1, s64;
  const Figures one = Appends(**io, wal_dir, 1, seconds, &s1);
  std::printf("WAL 1 writer, sync 100 B appends: p50 %.1f us (%.2fx raw p50), p99 %.1f us, %.0f/s\n",
              one.p50_us, one.p50_us / raw.p50_us, one.p99_us, one.per_sec);
  const int writers = absl::GetFlag(FLAGS_writers);
  const Figures many = Appends(**io, wal_dir, writers, seconds, &s64);
  const double writes = s64.durable_writes ? double(s64.durable_writes) : 1.0;
  std::printf("WAL %d writers: %.0f records/s (%.1fx raw QD1 rate), p50 %.1f us, p99 %.1f us, "
              "group %.1f records per durable write, %.1f writes in flight on average "
              "(max %llu), %.0f durable writes/s, %.0f%% of writes after a skip\n",
              writers, many.per_sec, many.per_sec / raw.per_sec, many.p50_us, many.p99_us,
              s64.records_made_durable / writes, s64.writes_in_flight_sum / writes,
              static_cast<unsigned long long>(s64.max_writes_in_flight),
              s64.durable_writes / many.seconds, 100.0 * s64.skips / writes);
  if (absl::GetFlag(FLAGS_replay_mib) == 0) return 0;

  // Replay: fill a log of replay_mib with non-sync 4 KiB records, then read it back.
  std::filesystem::remove_all(wal_dir);
  const uint64_t bytes = uint64_t(absl::GetFlag(FLAGS_replay_mib)) << 20;
  {
    auto w = OpenWal(**io, wal_dir);
    const std::string rec(4000, 'r');
    for (uint64_t b = 0; b < bytes; b += rec.size()) {
      if (!w->Append(rec).ok()) return 1;
    }
    if (!w->Flush().ok()) return 1;
  }
  // "open" is the first reopen: it also creates the spare segments the writer will want, so it
  // is reported apart; "warm" reads from the page cache; "cold" after dropping it.
  for (const char* phase : {"open", "warm", "cold"}) {
    if (std::string(phase) == "cold") {
      ::sync();
      std::ofstream("/proc/sys/vm/drop_caches") << "3\n";
    }
    auto w = ringkv::wal::Wal::Open(**io, wal_dir, ringkv::wal::WalOptions(), 0);
    if (!w.ok()) return 1;
    uint64_t payload = 0, records = 0;
    const auto t0 = Clock::now();
    absl::Status s = (*w)->Replay(0, [&](uint64_t, std::string_view r) {
      payload += r.size();
      ++records;
      return absl::OkStatus();
    });
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!s.ok()) return 1;
    std::printf("replay %s: %llu records, %.0f MiB in %.2f s = %.0f MB/s\n", phase,
                static_cast<unsigned long long>(records), payload / 1048576.0, took,
                payload / took / 1e6);
  }
  std::filesystem::remove_all(wal_dir);
  return 0;
}
