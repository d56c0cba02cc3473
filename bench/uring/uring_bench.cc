// 4 KiB O_DIRECT|O_DSYNC writes into a zero-filled file, at queue depth 1 and 16: plain pwrite
// (the raw device limit), the plain-syscall backend, and io_uring with fixed buffers, SQPOLL off
// and on. Every variant writes the same offsets of the same file, so their ratios are the cost
// of the path, not of the disk.
//   build/bench/uring/uring_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "uring/dio_alignment.h"
#include "uring/io_backend.h"

namespace ringkv::io {
namespace {

constexpr uint64_t kBlock = 4096;
constexpr uint64_t kFileBytes = 64ull << 20;  // wraps around: the file stays zero-filled+allocated

std::string BenchDir() {
  const char* d = std::getenv("RINGKV_BENCH_DIR");
  return d != nullptr ? d : "/var/tmp";
}

// A zero-filled, fully written and synced file, so writes into it need no metadata journaling.
const std::string& ZeroFilledFile() {
  static const std::string path = [] {
    std::string p = BenchDir() + "/ringkv-uring-bench.dat";
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      std::perror(p.c_str());
      std::exit(1);
    }
    std::vector<char> zeros(1 << 20, 0);
    for (uint64_t off = 0; off < kFileBytes; off += zeros.size()) {
      if (::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(off)) < 0) std::exit(1);
    }
    ::fsync(fd);
    ::close(fd);
    return p;
  }();
  return path;
}

void* AlignedBlock(size_t n) {
  void* p = nullptr;
  if (posix_memalign(&p, kBlock, n * kBlock) != 0) std::abort();
  std::memset(p, 'r', n * kBlock);
  return p;
}

// Raw: pwrite on an O_DIRECT|O_DSYNC descriptor, one at a time.
void BM_RawPwriteQD1(benchmark::State& state) {
  const int fd = ::open(ZeroFilledFile().c_str(), O_WRONLY | O_DIRECT | O_DSYNC);
  if (fd < 0) {
    state.SkipWithError("open O_DIRECT failed");
    return;
  }
  void* buf = AlignedBlock(1);
  uint64_t off = 0;
  for (auto _ : state) {
    if (::pwrite(fd, buf, kBlock, static_cast<off_t>(off)) != static_cast<ssize_t>(kBlock)) {
      state.SkipWithError("pwrite failed");
      break;
    }
    off = (off + kBlock) % kFileBytes;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * kBlock);
  ::close(fd);
  std::free(buf);
}
BENCHMARK(BM_RawPwriteQD1)->UseRealTime();

// Through an IoBackend: args {backend (0 uring, 1 posix), sqpoll, queue depth}.
void BM_BackendWrite(benchmark::State& state) {
  IoOptions options;
  options.backend = state.range(0) == 0 ? BackendKind::kUring : BackendKind::kPosix;
  options.sqpoll = state.range(1) != 0;
  // Arg sqpoll=2: the poller pinned to CPU 0 (away from this VM's disk interrupts on CPU 1).
  if (state.range(1) == 2) options.sqpoll_cpu = 0;
  options.single_issuer = options.backend == BackendKind::kUring;  // one thread submits & waits
  const int depth = static_cast<int>(state.range(2));
  options.posix_threads = static_cast<uint32_t>(depth);
  auto io = OpenBackend(options);
  if (!io.ok()) {
    state.SkipWithError(std::string(io.status().message()).c_str());
    return;
  }
  auto slot = (*io)->ReserveFile();
  auto pool = (*io)->CreateBufferPool(static_cast<size_t>(depth), kBlock, kBlock);
  if (!slot.ok() || !pool.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Completion c = (*io)->Run(Chain().OpenAt(slot->id(), ZeroFilledFile(), O_WRONLY | O_DIRECT | O_DSYNC));
  if (!c.ok()) {
    state.SkipWithError(std::string(c.status.message()).c_str());
    return;
  }
  std::vector<IoBuffer> bufs;
  for (int i = 0; i < depth; ++i) bufs.push_back((*pool)->Acquire());
  uint64_t off = 0;
  std::vector<Ticket> tickets(depth);
  for (auto _ : state) {
    // Queue depth N: N independent writes in flight together.
    if (options.backend == BackendKind::kUring) {
      Chain chain;
      chain.set_linked(false);
      for (int i = 0; i < depth; ++i) {
        chain.Write(slot->id(), bufs[i].data, kBlock, off, bufs[i].index);
        off = (off + kBlock) % kFileBytes;
      }
      tickets[0] = (*io)->Submit(std::move(chain), nullptr, /*caller_waits=*/true);
      (*io)->Wait(tickets[0]);
      if (!tickets[0]->completion.ok()) state.SkipWithError("write failed");
    } else {
      // The posix backend runs one chain per worker thread: N chains give N writes in flight.
      for (int i = 0; i < depth; ++i) {
        tickets[i] = (*io)->Submit(Chain().Write(slot->id(), bufs[i].data, kBlock, off),
                                   nullptr, /*caller_waits=*/true);
        off = (off + kBlock) % kFileBytes;
      }
      for (int i = depth - 1; i >= 0; --i) (*io)->Wait(tickets[i]);
    }
  }
  state.SetItemsProcessed(state.iterations() * depth);
  state.SetBytesProcessed(state.iterations() * depth * kBlock);
  for (const IoBuffer& b : bufs) (*pool)->Release(b);
}
BENCHMARK(BM_BackendWrite)
    ->ArgNames({"posix", "sqpoll", "qd"})
    ->Args({0, 0, 1})
    ->Args({0, 1, 1})
    ->Args({0, 2, 1})
    ->Args({1, 0, 1})
    ->Args({0, 0, 16})
    ->Args({0, 1, 16})
    ->Args({0, 2, 16})
    ->Args({1, 0, 16})
    ->UseRealTime();

}  // namespace
}  // namespace ringkv::io

BENCHMARK_MAIN();
