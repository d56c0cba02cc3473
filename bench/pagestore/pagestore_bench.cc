// The page store's read paths and its checkpoint write against the raw syscalls doing the same
// work, side by side in one run, with the ratios printed at the end.
//
// Reads: random 4 KiB pages of a 64 MiB page file that sits in the OS page cache, by 1 and 2
// threads; each read touches every cache line of the page it got:
//   read/plain_pread    pread(2) into the caller's buffer (the baseline)
//   read/mmap           PageStore, mmap path (default): a view into the mapping
//   read/ring_miss      PageStore, pread path with a 16-page cache: nearly every read goes
//                       through the ring (one READ op, submit + wait) and is checksummed
//   read/ring_hit       PageStore, pread path with a cache that holds the whole file
//   read/ring_batch16   PageStore::PinnedPages::ReadPages of 16 random pages, cache of 16 pages:
//                       16 reads in flight through the ring at once (time per page)
//   read/plain_pread16  16 pread(2) calls one after the other (time per page)
//   cold/ring_batch16, cold/plain_pread16   the same two with the page file dropped from the
//                       OS page cache before each batch (posix_fadvise DONTNEED, not timed), so
//                       every read waits for the device: what a batch in flight is for
// Writes: one checkpoint of 256 dirty pages (stage, batched ring writes, fdatasync, manifest
// publication) against the raw device doing the same writes on a plain descriptor:
//   write/commit256               PageStore: Stage x256 + Commit
//   write/raw256_fdatasync        256 x pwrite(4 KiB) + fdatasync
//   write/raw256_fdatasync_publish  the same + write/fsync/rename/fsync(dir) of a manifest
//
//   build/bench/pagestore/pagestore_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true        (RINGKV_BENCH_DIR, default /var/tmp)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "pagestore/page_store.h"
#include "uring/io_backend.h"

namespace ringkv::pagestore {
namespace {

constexpr uint32_t kPageBytes = 4096;
constexpr uint64_t kFilePages = 16384;  // 64 MiB: in the page cache, far beyond the CPU caches
constexpr int kWriteBatchPages = 256;

std::string BenchDir() {
  const char* d = std::getenv("RINGKV_BENCH_DIR");
  return d != nullptr ? d : "/var/tmp";
}

void Die(const std::string& what) {
  std::fprintf(stderr, "pagestore_bench: %s\n", what.c_str());
  std::exit(1);
}

std::unique_ptr<PageStore> OpenStore(io::IoBackend& io, const std::string& dir, bool mmap,
                                     size_t cache_bytes) {
  PageStoreOptions o;
  o.page_size = kPageBytes;
  o.use_mmap = mmap;
  o.cache_bytes = cache_bytes;
  auto s = PageStore::Open(io, dir, o);
  if (!s.ok()) Die(std::string(s.status().message()));
  return std::move(*s);
}

// A fresh scratch directory `<bench dir>/ringkv-pagestore-bench-<tag>-<pid>` with a page file of
// kFilePages pages, each stamped with its number, written through `io`.
std::string MakePageFile(io::IoBackend& io, const std::string& tag, bool mmap) {
  const std::string dir =
      BenchDir() + "/ringkv-pagestore-bench-" + tag + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto writer = OpenStore(io, dir, mmap, mmap ? 0 : 16 * kPageBytes);
  std::string payload(writer->payload_size(), 'p');
  for (uint64_t done = 0; done < kFilePages;) {
    for (int i = 0; i < 1024; ++i, ++done) {
      auto id = writer->Allocate();
      if (!id.ok()) Die(std::string(id.status().message()));
      std::memcpy(payload.data(), &done, sizeof(done));
      absl::Status s = writer->Stage(
          *id, 1,
          absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()),
                                    payload.size()));
      if (!s.ok()) Die(std::string(s.message()));
    }
    absl::Status s = writer->Commit(0, done);
    if (!s.ok()) Die(std::string(s.message()));
  }
  return dir;
}

std::unique_ptr<io::IoBackend> MakeBackend() {
  auto b = io::OpenBackend(io::IoOptions());
  if (!b.ok()) Die(std::string(b.status().message()));
  return std::move(*b);
}

// The read fixture, made once: a 64 MiB page file read once so the OS caches it, and one store
// per read path over it.
struct ReadFixture {
  std::string dir;
  std::unique_ptr<io::IoBackend> io;
  std::unique_ptr<PageStore> mmap_store, miss_store, hit_store;
  std::shared_ptr<PageStore::PinnedPages> mmap_v, miss_v, hit_v;
  int fd = -1;

  ReadFixture() {
    io = MakeBackend();
    dir = MakePageFile(*io, "read", /*mmap=*/true);
    fd = ::open((dir + "/pages.db").c_str(), O_RDONLY);
    if (fd < 0) Die("open pages.db: " + std::string(std::strerror(errno)));
    std::vector<char> buf(1 << 20);
    for (off_t off = 0; ::pread(fd, buf.data(), buf.size(), off) > 0; off += buf.size()) {
    }
    mmap_store = OpenStore(*io, dir, true, 0);
    miss_store = OpenStore(*io, dir, false, 16 * kPageBytes);
    hit_store = OpenStore(*io, dir, false, 2 * kFilePages * kPageBytes);
    mmap_v = mmap_store->Current();
    miss_v = miss_store->Current();
    hit_v = hit_store->Current();
    // Warm the whole-file cache, and the mapping's page tables.
    for (uint64_t id = 0; id < kFilePages; ++id) {
      if (!hit_v->Read(id).ok() || !mmap_v->Read(id).ok()) Die("warm-up read failed");
    }
  }
  ~ReadFixture() {
    mmap_v.reset();
    miss_v.reset();
    hit_v.reset();
    mmap_store.reset();
    miss_store.reset();
    hit_store.reset();
    ::close(fd);
    io.reset();
    std::filesystem::remove_all(dir);
  }
};

ReadFixture& Reads() {
  static ReadFixture f;  // made on first use (only if a read benchmark runs), removed at exit
  return f;
}

// Reads one 8-byte word per cache line of the page, as a consumer of its bytes would.
uint64_t Touch(const uint8_t* p, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i += 64) {
    uint64_t w;
    std::memcpy(&w, p + i, sizeof(w));
    sum += w;
  }
  return sum;
}

enum class ReadPath { kPlainPread, kMmap, kRingMiss, kRingHit };

void BM_Read(benchmark::State& state, ReadPath path) {
  ReadFixture& f = Reads();
  std::mt19937_64 rng(1000 + state.thread_index());
  alignas(64) static thread_local uint8_t buf[kPageBytes];
  uint64_t sum = 0;
  const PageStore::PinnedPages* v = path == ReadPath::kMmap       ? f.mmap_v.get()
                                : path == ReadPath::kRingMiss ? f.miss_v.get()
                                                              : f.hit_v.get();
  for (auto _ : state) {
    const uint64_t id = rng() % kFilePages;
    if (path == ReadPath::kPlainPread) {
      if (::pread(f.fd, buf, kPageBytes, static_cast<off_t>(id * kPageBytes)) != kPageBytes) {
        state.SkipWithError("pread failed");
        break;
      }
      sum += Touch(buf + 32, kPageBytes - 32);
      continue;
    }
    absl::StatusOr<PageView> p = v->Read(id);
    if (!p.ok()) {
      state.SkipWithError(std::string(p.status().message()).c_str());
      break;
    }
    sum += Touch(p->payload, p->size);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * kPageBytes);
}

// 16 random pages per iteration: one batch through the ring, or 16 pread(2) calls.
void BM_Read16(benchmark::State& state, bool ring) {
  ReadFixture& f = Reads();
  std::mt19937_64 rng(2000 + state.thread_index());
  static thread_local std::vector<uint8_t> buf(16 * kPageBytes);
  uint64_t ids[16];
  uint64_t sum = 0;
  for (auto _ : state) {
    for (uint64_t& id : ids) id = rng() % kFilePages;
    if (!ring) {
      for (int i = 0; i < 16; ++i) {
        uint8_t* dst = buf.data() + i * kPageBytes;
        if (::pread(f.fd, dst, kPageBytes, static_cast<off_t>(ids[i] * kPageBytes)) !=
            kPageBytes) {
          state.SkipWithError("pread failed");
          break;
        }
        sum += Touch(dst + 32, kPageBytes - 32);
      }
      continue;
    }
    absl::StatusOr<std::vector<PageView>> pages = f.miss_v->ReadPages(ids);
    if (!pages.ok()) {
      state.SkipWithError(std::string(pages.status().message()).c_str());
      break;
    }
    for (const PageView& p : *pages) sum += Touch(p.payload, p.size);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 16);
  state.SetBytesProcessed(state.iterations() * 16 * kPageBytes);
}

// A second page file, never mapped (a mapped page cannot be dropped from the page cache).
struct ColdFixture {
  std::string dir;
  std::unique_ptr<io::IoBackend> io;
  std::unique_ptr<PageStore> store;
  std::shared_ptr<PageStore::PinnedPages> v;
  int fd = -1;

  ColdFixture() {
    io = MakeBackend();
    dir = MakePageFile(*io, "cold", /*mmap=*/false);
    store = OpenStore(*io, dir, false, 16 * kPageBytes);
    v = store->Current();
    fd = ::open((dir + "/pages.db").c_str(), O_RDONLY);
    if (fd < 0) Die("open pages.db: " + std::string(std::strerror(errno)));
  }
  void Drop() const { ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); }
  ~ColdFixture() {
    v.reset();
    store.reset();
    ::close(fd);
    io.reset();
    std::filesystem::remove_all(dir);
  }
};

ColdFixture& Cold() {
  static ColdFixture f;
  return f;
}

void BM_Cold16(benchmark::State& state, bool ring) {
  ColdFixture& f = Cold();
  std::mt19937_64 rng(3000);
  std::vector<uint8_t> buf(kPageBytes);
  uint64_t ids[16];
  uint64_t sum = 0;
  for (auto _ : state) {
    state.PauseTiming();
    f.Drop();
    for (uint64_t& id : ids) id = rng() % kFilePages;
    state.ResumeTiming();
    if (ring) {
      absl::StatusOr<std::vector<PageView>> pages = f.v->ReadPages(ids);
      if (!pages.ok()) {
        state.SkipWithError(std::string(pages.status().message()).c_str());
        break;
      }
      for (const PageView& p : *pages) sum += Touch(p.payload, p.size);
      continue;
    }
    for (uint64_t id : ids) {
      if (::pread(f.fd, buf.data(), kPageBytes, static_cast<off_t>(id * kPageBytes)) !=
          kPageBytes) {
        state.SkipWithError("pread failed");
        break;
      }
      sum += Touch(buf.data() + 32, kPageBytes - 32);
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 16);
  state.SetBytesProcessed(state.iterations() * 16 * kPageBytes);
}

// --- writes ---

std::string WriteDir(const char* name) {
  std::string d = BenchDir() + "/ringkv-pagestore-bench-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

void BM_Commit256(benchmark::State& state) {
  const std::string dir = WriteDir("commit");
  auto b = io::OpenBackend(io::IoOptions());
  if (!b.ok()) {
    state.SkipWithError(std::string(b.status().message()).c_str());
    return;
  }
  {
    auto store = OpenStore(**b, dir, true, 0);
    std::string payload(store->payload_size(), 'w');
    const auto bytes = absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()),
                                                 payload.size());
    std::vector<uint64_t> live;
    uint64_t lsn = 0;
    auto checkpoint = [&]() -> absl::Status {
      // Copy-on-write: 256 new page versions; the previous 256 are freed.
      for (uint64_t id : live) store->Free(id);
      live.clear();
      for (int i = 0; i < kWriteBatchPages; ++i) {
        absl::StatusOr<uint64_t> id = store->Allocate();
        if (!id.ok()) return id.status();
        payload[0] = static_cast<char>(i);
        absl::Status s = store->Stage(*id, 1, bytes);
        if (!s.ok()) return s;
        live.push_back(*id);
      }
      return store->Commit(live[0], ++lsn);
    };
    // Reach the steady state first: the file has grown and freed pages come back.
    for (int i = 0; i < 4; ++i) {
      if (absl::Status s = checkpoint(); !s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        break;
      }
    }
    for (auto _ : state) {
      if (absl::Status s = checkpoint(); !s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kWriteBatchPages);
  state.SetBytesProcessed(state.iterations() * kWriteBatchPages * kPageBytes);
  b->reset();
  std::filesystem::remove_all(dir);
}

void BM_Raw256(benchmark::State& state, bool publish) {
  const std::string dir = WriteDir(publish ? "raw-publish" : "raw");
  const std::string path = dir + "/pages.raw";
  // A preallocated, written file, like the page store's in its steady state.
  constexpr uint64_t kSlots = 4 * kWriteBatchPages;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  std::vector<char> page(kPageBytes, 'w');
  for (uint64_t i = 0; i < kSlots; ++i) {
    if (::pwrite(fd, page.data(), kPageBytes, static_cast<off_t>(i * kPageBytes)) != kPageBytes) {
      state.SkipWithError("pwrite failed");
      return;
    }
  }
  ::fsync(fd);
  uint64_t next = 0;
  const std::string manifest(88, 'm');
  for (auto _ : state) {
    for (int i = 0; i < kWriteBatchPages; ++i, next = (next + 1) % kSlots) {
      page[0] = static_cast<char>(i);
      if (::pwrite(fd, page.data(), kPageBytes, static_cast<off_t>(next * kPageBytes)) !=
          kPageBytes) {
        state.SkipWithError("pwrite failed");
        break;
      }
    }
    if (::fdatasync(fd) != 0) state.SkipWithError("fdatasync failed");
    if (publish) {
      const std::string tmp = dir + "/MANIFEST.tmp";
      const int m = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (m < 0 || ::write(m, manifest.data(), manifest.size()) < 0 || ::fsync(m) != 0) {
        state.SkipWithError("manifest write failed");
      }
      ::close(m);
      if (::rename(tmp.c_str(), (dir + "/MANIFEST").c_str()) != 0) {
        state.SkipWithError("rename failed");
      }
      const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
      ::fsync(d);
      ::close(d);
    }
  }
  state.SetItemsProcessed(state.iterations() * kWriteBatchPages);
  state.SetBytesProcessed(state.iterations() * kWriteBatchPages * kPageBytes);
  ::close(fd);
  std::filesystem::remove_all(dir);
}

// Prints each figure as a ratio to its baseline (same thread count) after the usual output.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      // With repetitions, the median; otherwise the single run.
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      auto it = r.counters.find("items_per_second");
      if (it == r.counters.end()) continue;
      Key k{r.run_name.function_name, r.threads};
      if (r.run_type == Run::RT_Aggregate || !rates_.count(k)) {
        if (!rates_.count(k)) order_.push_back(k);
        rates_[k] = it->second.value;
      }
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nratios (items/s, same thread count; median when repeated):\n");
    for (const Key& k : order_) {
      const double rate = rates_[k];
      const bool write = k.first.rfind("write/", 0) == 0;
      std::string base = write ? "write/raw256_fdatasync" : "read/plain_pread";
      if (k.first == "read/ring_batch16") base = "read/plain_pread16";
      if (k.first.rfind("cold/", 0) == 0) base = "cold/plain_pread16";
      auto b = rates_.find({base, write ? 1 : k.second});
      std::printf("  %-34s threads %lld  %12.0f pages/s  %8.3f us/page", k.first.c_str(),
                  static_cast<long long>(k.second), rate, 1e6 / rate * k.second);
      if (b != rates_.end() && b->first != k) {
        std::printf("  = %.2fx %s", rate / b->second, base.c_str());
      }
      std::printf("\n");
    }
  }

 private:
  using Key = std::pair<std::string, int64_t>;
  std::map<Key, double> rates_;
  std::vector<Key> order_;
};

void Register() {
  const std::pair<const char*, ReadPath> reads[] = {
      {"read/plain_pread", ReadPath::kPlainPread},
      {"read/mmap", ReadPath::kMmap},
      {"read/ring_miss", ReadPath::kRingMiss},
      {"read/ring_hit", ReadPath::kRingHit},
  };
  for (const auto& [name, path] : reads) {
    benchmark::RegisterBenchmark(name, BM_Read, path)->Threads(1)->Threads(2)->UseRealTime();
  }
  benchmark::RegisterBenchmark("read/plain_pread16", BM_Read16, false)
      ->Threads(1)
      ->Threads(2)
      ->UseRealTime();
  benchmark::RegisterBenchmark("read/ring_batch16", BM_Read16, true)
      ->Threads(1)
      ->Threads(2)
      ->UseRealTime();
  benchmark::RegisterBenchmark("cold/plain_pread16", BM_Cold16, false)->UseRealTime();
  benchmark::RegisterBenchmark("cold/ring_batch16", BM_Cold16, true)->UseRealTime();
  benchmark::RegisterBenchmark("write/raw256_fdatasync", BM_Raw256, false)->UseRealTime();
  benchmark::RegisterBenchmark("write/raw256_fdatasync_publish", BM_Raw256, true)->UseRealTime();
  benchmark::RegisterBenchmark("write/commit256", BM_Commit256)->UseRealTime();
}

}  // namespace
}  // namespace ringkv::pagestore

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ringkv::pagestore::Register();
  ringkv::pagestore::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
