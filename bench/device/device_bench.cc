#include "bench/device/device_bench.h"

#include <fcntl.h>
#include <liburing.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "uring/dio_alignment.h"

namespace ringkv::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Sync = WriteMethod::Sync;

// The zero-filled file's size: big enough that wrapping around rewrites cold blocks, small
// enough to write once per invocation in well under a second on this class of disk.
constexpr uint64_t kZeroedMinBytes = 64ull << 20;
// Fallocated and extending runs stop when they have used this much (a run must not wrap
// around: the second pass would find written, not unwritten, extents).
constexpr uint64_t kFreshMaxBytes = 1ull << 30;

std::string Errno(int err) { return std::strerror(err); }

uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

// Block-aligned memory, freed with std::free.
struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

absl::StatusOr<AlignedBuffer> AllocateBlocks(uint64_t bytes, uint64_t alignment, uint64_t seed) {
  void* p = nullptr;
  if (int err = ::posix_memalign(&p, std::max<uint64_t>(alignment, 4096), bytes); err != 0) {
    return absl::ResourceExhaustedError(absl::StrCat("allocating ", bytes, " bytes: ", Errno(err)));
  }
  // Pseudo-random contents: a virtual disk that compresses or deduplicates zeros must not make
  // the writes look cheaper than real data would be.
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  auto* words = static_cast<uint64_t*>(p);
  for (uint64_t i = 0; i < bytes / 8; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    words[i] = x;
  }
  return AlignedBuffer(static_cast<uint8_t*>(p));
}

absl::Status FsyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", path, ": ", Errno(errno)));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat("fsync ", path, ": ", Errno(err)));
  return absl::OkStatus();
}

// State shared by the threads of one run. Hot fields are touched once per write: an atomic
// block counter and a relaxed stop flag; nothing allocates or locks until a thread fails.
struct RunState {
  int fd = -1;
  std::string path;
  uint64_t block_bytes = 0;
  uint64_t region_blocks = 0;  // blocks the run may write
  bool wrap = false;           // zeroed: wrap around; otherwise stop at the region's end
  std::atomic<uint64_t> next_block{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> exhausted{false};
  absl::Notification finished_early;
  absl::Mutex error_mu;
  absl::Status error ABSL_GUARDED_BY(error_mu);

  // The offset of the next write, or false when the region is used up.
  bool NextOffset(uint64_t* offset) {
    const uint64_t n = next_block.fetch_add(1, std::memory_order_relaxed);
    if (!wrap && n >= region_blocks) {
      if (!exhausted.exchange(true)) {
        stop.store(true);
        finished_early.Notify();
      }
      return false;
    }
    *offset = (n % region_blocks) * block_bytes;
    return true;
  }
  void Fail(absl::Status s) {
    {
      absl::MutexLock l(&error_mu);
      if (error.ok()) error = std::move(s);
    }
    if (!stop.exchange(true)) finished_early.Notify();
  }
};

struct ThreadResult {
  LatencyHistogram latency;
  uint64_t ops = 0;
  Clock::time_point end;
};

// A syscall method: this thread blocks in each write (and its sync) in turn.
void SyscallWorker(const WriteMethod& m, RunState& rs, const uint8_t* buf,
                   const absl::Notification& go, ThreadResult& out) {
  go.WaitForNotification();
  uint64_t offset = 0;
  while (!rs.stop.load(std::memory_order_relaxed) && rs.NextOffset(&offset)) {
    const Clock::time_point t0 = Clock::now();
    const ssize_t n = ::pwrite(rs.fd, buf, rs.block_bytes, static_cast<off_t>(offset));
    if (n != static_cast<ssize_t>(rs.block_bytes)) {
      rs.Fail(absl::InternalError(absl::StrCat(
          "pwrite ", rs.path, " offset ", offset, " (", rs.block_bytes, " bytes): ",
          n < 0 ? Errno(errno) : absl::StrCat("short write of ", n, " bytes"))));
      break;
    }
    int rc = 0;
    if (m.sync == Sync::kFdatasync) rc = ::fdatasync(rs.fd);
    if (m.sync == Sync::kFsync) rc = ::fsync(rs.fd);
    if (rc != 0) {
      rs.Fail(absl::InternalError(absl::StrCat(m.sync == Sync::kFsync ? "fsync " : "fdatasync ",
                                               rs.path, " after offset ", offset, ": ", Errno(errno))));
      break;
    }
    out.latency.Record(Nanos(Clock::now() - t0));
    ++out.ops;
  }
  out.end = Clock::now();
}

// An io_uring method: one thread keeps `depth` chains (a write, linked to an fdatasync when the
// method syncs) in flight, submitting a new one as each completes.
class UringLoop {
 public:
  UringLoop(const WriteMethod& m, RunState& rs, int depth, uint8_t* bufs, ThreadResult& out)
      : m_(m), rs_(rs), depth_(depth), bufs_(bufs), out_(out), linked_(m.sync != Sync::kNone),
        started_(depth), offsets_(depth) {}
  ~UringLoop() {
    if (ring_ready_) io_uring_queue_exit(&ring_);
  }
  UringLoop(const UringLoop&) = delete;
  UringLoop& operator=(const UringLoop&) = delete;

  // Sets up the ring (SQPOLL pinned to `sqpoll_cpu` if >= 0) and registers the buffers.
  absl::Status Init(int sqpoll_cpu) {
    io_uring_params params{};
    if (m_.sqpoll) {
      params.flags |= IORING_SETUP_SQPOLL;
      params.sq_thread_idle = 1000;  // ms: the poller must not sleep between writes of a run
      if (sqpoll_cpu >= 0) {
        params.flags |= IORING_SETUP_SQ_AFF;
        params.sq_thread_cpu = static_cast<uint32_t>(sqpoll_cpu);
      }
    }
    const unsigned per_chain = linked_ ? 2 : 1;
    const unsigned entries = std::max(4u, per_chain * static_cast<unsigned>(depth_));
    if (int rc = io_uring_queue_init_params(entries, &ring_, &params); rc < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "io_uring_setup (", entries, " entries", m_.sqpoll ? ", SQPOLL" : "", "): ", Errno(-rc),
          " (kernel.io_uring_disabled or a seccomp profile? the syscall methods still work)"));
    }
    ring_ready_ = true;
    if (!m_.fixed) return absl::OkStatus();
    std::vector<iovec> iov(depth_);
    for (int i = 0; i < depth_; ++i) iov[i] = {bufs_ + i * rs_.block_bytes, rs_.block_bytes};
    if (int rc = io_uring_register_buffers(&ring_, iov.data(), static_cast<unsigned>(depth_)); rc < 0) {
      return absl::FailedPreconditionError(absl::StrCat("io_uring_register_buffers (", depth_, " x ",
                                                        rs_.block_bytes, " bytes): ", Errno(-rc),
                                                        " (RLIMIT_MEMLOCK too low?)"));
    }
    return absl::OkStatus();
  }

  // Keeps the chains in flight until the run stops or fails.
  void Run(const absl::Notification& go) {
    go.WaitForNotification();
    int in_flight = 0;
    for (int slot = 0; slot < depth_; ++slot) in_flight += Queue(slot);
    while (in_flight > 0) {
      const int rc = io_uring_submit_and_wait(&ring_, 1);
      if (rc < 0 && rc != -EINTR) {
        rs_.Fail(absl::InternalError(absl::StrCat("io_uring_submit_and_wait: ", Errno(-rc))));
        break;  // nothing more will complete that we could wait for safely
      }
      io_uring_cqe* cqe = nullptr;
      while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
        const uint64_t user_data = cqe->user_data;
        const int res = cqe->res;
        io_uring_cqe_seen(&ring_, cqe);
        in_flight += Complete(user_data, res);
      }
    }
  }

 private:
  // Queues chain `slot`; false when the region is used up or the run is stopping.
  bool Queue(int slot) {
    if (rs_.stop.load(std::memory_order_relaxed) || !rs_.NextOffset(&offsets_[slot])) return false;
    uint8_t* buf = bufs_ + slot * rs_.block_bytes;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);  // never null: entries >= chains in flight
    if (m_.fixed) {
      io_uring_prep_write_fixed(sqe, rs_.fd, buf, static_cast<unsigned>(rs_.block_bytes), offsets_[slot], slot);
    } else {
      io_uring_prep_write(sqe, rs_.fd, buf, static_cast<unsigned>(rs_.block_bytes), offsets_[slot]);
    }
    sqe->user_data = static_cast<uint64_t>(slot) * 2;
    if (linked_) {
      sqe->flags |= IOSQE_IO_LINK;
      io_uring_sqe* sync = io_uring_get_sqe(&ring_);
      io_uring_prep_fsync(sync, rs_.fd, m_.sync == Sync::kFdatasync ? IORING_FSYNC_DATASYNC : 0);
      sync->user_data = static_cast<uint64_t>(slot) * 2 + 1;
    }
    started_[slot] = Clock::now();
    return true;
  }

  // One completion: records a finished chain and queues the next in its slot. Returns -1 when
  // the slot falls idle (the run is stopping), else 0.
  int Complete(uint64_t user_data, int res) {
    const int slot = static_cast<int>(user_data / 2);
    const bool is_sync = user_data % 2 == 1;
    if (!is_sync && res != static_cast<int>(rs_.block_bytes)) {
      // A failed or short write; its linked sync completes with -ECANCELED after it.
      rs_.Fail(absl::InternalError(absl::StrCat(
          "io_uring write ", rs_.path, " offset ", offsets_[slot], " (", rs_.block_bytes, " bytes): ",
          res < 0 ? Errno(-res) : absl::StrCat("short write of ", res, " bytes"))));
    } else if (is_sync && res < 0 && res != -ECANCELED) {
      rs_.Fail(absl::InternalError(absl::StrCat("io_uring fdatasync ", rs_.path, " after offset ",
                                                offsets_[slot], ": ", Errno(-res))));
    }
    if (linked_ && !is_sync) return 0;  // the chain ends with its sync
    if (res >= 0) {
      out_.latency.Record(Nanos(Clock::now() - started_[slot]));
      ++out_.ops;
    }
    return Queue(slot) ? 0 : -1;
  }

  const WriteMethod& m_;
  RunState& rs_;
  const int depth_;
  uint8_t* const bufs_;
  ThreadResult& out_;
  const bool linked_;
  io_uring ring_{};
  bool ring_ready_ = false;
  std::vector<Clock::time_point> started_;  // per slot: when its chain was queued
  std::vector<uint64_t> offsets_;           // per slot: the offset its write covers
};

void UringWorker(const WriteMethod& m, RunState& rs, int depth, int sqpoll_cpu, uint8_t* bufs,
                 const absl::Notification& go, ThreadResult& out) {
  UringLoop loop(m, rs, depth, bufs, out);
  if (absl::Status s = loop.Init(sqpoll_cpu); !s.ok()) {
    rs.Fail(std::move(s));
  } else {
    loop.Run(go);
  }
  out.end = Clock::now();
}

// Sums the threads' results; `start` is when the run began.
DeviceMeasurement Collect(const std::vector<ThreadResult>& results, Clock::time_point start,
                          const RunState& rs, const DeviceRun& run) {
  DeviceMeasurement out;
  Clock::time_point end = start;
  for (const ThreadResult& r : results) {
    out.latency.Merge(r.latency);
    out.ops += r.ops;
    end = std::max(end, r.end);
  }
  out.seconds = std::chrono::duration<double>(end - start).count();
  if (rs.exhausted.load()) {
    out.note = absl::StrFormat("stopped after %.2f s: the %s region (%d MiB) was used up", out.seconds,
                               FileStateName(run.state), rs.region_blocks * run.block_bytes >> 20);
  }
  return out;
}

}  // namespace

const std::vector<WriteMethod>& WriteMethods() {
  static const std::vector<WriteMethod> methods = {
      {"buffered", "pwrite into the page cache, no sync: NOT durable, the reference floor", 0,
       Sync::kNone, false, false, false, false},
      {"direct_dsync", "pwrite, O_DIRECT|O_DSYNC: the write returns once on stable media",
       O_DIRECT | O_DSYNC, Sync::kNone, false, false, false, true},
      {"dsync", "pwrite, O_DSYNC through the page cache", O_DSYNC, Sync::kNone, false, false,
       false, true},
      {"fdatasync", "pwrite, then fdatasync", 0, Sync::kFdatasync, false, false, false, true},
      {"fsync", "pwrite, then fsync", 0, Sync::kFsync, false, false, false, true},
      {"uring_fdatasync", "io_uring write linked to fdatasync, page cache, plain buffer", 0,
       Sync::kFdatasync, true, false, false, true},
      {"uring_direct_fdatasync", "io_uring write linked to fdatasync, O_DIRECT, plain buffer",
       O_DIRECT, Sync::kFdatasync, true, false, false, true},
      {"uring_direct_fdatasync_fixed",
       "io_uring WRITE_FIXED linked to fdatasync, O_DIRECT, registered buffer", O_DIRECT,
       Sync::kFdatasync, true, true, false, true},
      {"uring_direct_dsync_fixed",
       "io_uring WRITE_FIXED, O_DIRECT|O_DSYNC, registered buffer (the WAL's way)",
       O_DIRECT | O_DSYNC, Sync::kNone, true, true, false, true},
      {"uring_direct_dsync_fixed_sqpoll", "as uring_direct_dsync_fixed, with SQPOLL",
       O_DIRECT | O_DSYNC, Sync::kNone, true, true, true, true},
  };
  return methods;
}

const WriteMethod* FindWriteMethod(std::string_view name) {
  for (const WriteMethod& m : WriteMethods()) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

const char* FileStateName(FileState state) {
  switch (state) {
    case FileState::kZeroed: return "zeroed";
    case FileState::kFallocated: return "fallocated";
    case FileState::kExtending: return "extending";
  }
  return "?";
}

bool ParseFileState(std::string_view name, FileState* state) {
  for (FileState s : AllFileStates()) {
    if (name == FileStateName(s)) {
      *state = s;
      return true;
    }
  }
  return false;
}

std::vector<FileState> AllFileStates() {
  return {FileState::kZeroed, FileState::kFallocated, FileState::kExtending};
}

DeviceBench::DeviceBench(std::string dir)
    : dir_(std::move(dir)),
      zeroed_path_(absl::StrCat(dir_, "/ringkv-bench-", ::getpid(), "-zeroed.dat")),
      fresh_path_(absl::StrCat(dir_, "/ringkv-bench-", ::getpid(), "-fresh.dat")) {}

DeviceBench::~DeviceBench() {
  // Best effort: a file that is already gone is fine.
  ::unlink(zeroed_path_.c_str());
  ::unlink(fresh_path_.c_str());
}

absl::Status DeviceBench::PrepareZeroed(uint64_t bytes) {
  if (zeroed_bytes_ >= bytes) return absl::OkStatus();
  const int fd = ::open(zeroed_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("create ", zeroed_path_, ": ", Errno(errno)));
  std::vector<uint8_t> zeros(1 << 20, 0);
  for (uint64_t off = zeroed_bytes_; off < bytes; off += zeros.size()) {
    const ssize_t n = ::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(off));
    if (n != static_cast<ssize_t>(zeros.size())) {
      const int err = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat("zero-filling ", zeroed_path_, " offset ", off, ": ",
                                              n < 0 ? Errno(err) : "short write"));
    }
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("fsync ", zeroed_path_, ": ", Errno(err)));
  }
  if (::close(fd) != 0) return absl::InternalError(absl::StrCat("close ", zeroed_path_, ": ", Errno(errno)));
  absl::Status s = FsyncPath(dir_);  // the new file's name is durable too
  if (!s.ok()) return s;
  zeroed_bytes_ = bytes;
  return absl::OkStatus();
}

absl::StatusOr<std::string> DeviceBench::PrepareFresh(FileState state, uint64_t bytes) {
  if (::unlink(fresh_path_.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("unlink ", fresh_path_, ": ", Errno(errno)));
  }
  const int fd = ::open(fresh_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("create ", fresh_path_, ": ", Errno(errno)));
  if (state == FileState::kFallocated && ::fallocate(fd, 0, 0, static_cast<off_t>(bytes)) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat("fallocate ", fresh_path_, " (", bytes,
                                                   " bytes): ", Errno(err)));
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("fsync ", fresh_path_, ": ", Errno(err)));
  }
  if (::close(fd) != 0) return absl::InternalError(absl::StrCat("close ", fresh_path_, ": ", Errno(errno)));
  absl::Status s = FsyncPath(dir_);
  if (!s.ok()) return s;
  return fresh_path_;
}

absl::StatusOr<DeviceBench::Region> DeviceBench::PrepareRegion(const DeviceRun& run) {
  if (run.state == FileState::kZeroed) {
    const uint64_t bytes = std::max<uint64_t>(kZeroedMinBytes, run.block_bytes * run.depth * 4);
    if (absl::Status s = PrepareZeroed(bytes); !s.ok()) return s;
    return Region{zeroed_path_, bytes / run.block_bytes, true};
  }
  // At most a quarter of the free space, so a benchmark never fills the disk.
  struct statvfs vfs {};
  if (::statvfs(dir_.c_str(), &vfs) != 0) {
    return absl::InternalError(absl::StrCat("statvfs ", dir_, ": ", Errno(errno)));
  }
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  uint64_t bytes = std::min(kFreshMaxBytes, free_bytes / 4);
  bytes -= bytes % run.block_bytes;
  if (bytes < run.block_bytes * run.depth) {
    return absl::ResourceExhaustedError(absl::StrCat(dir_, " has too little free space (", free_bytes, " bytes)"));
  }
  absl::StatusOr<std::string> path = PrepareFresh(run.state, bytes);
  if (!path.ok()) return path.status();
  return Region{*path, bytes / run.block_bytes, false};
}

absl::StatusOr<DeviceMeasurement> DeviceBench::Measure(const DeviceRun& run) {
  const WriteMethod& m = *run.method;
  if (run.depth < 1 || run.block_bytes == 0) {
    return absl::InvalidArgumentError("depth and block size must be positive");
  }
  const bool direct = (m.open_flags & O_DIRECT) != 0;
  const io::DioAlignment align = io::DirectIoAlignment(dir_);
  if (direct && run.block_bytes % align.offset_bytes != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %d-byte blocks are not a multiple of the %u-byte O_DIRECT alignment of %s%s", m.name,
        run.block_bytes, align.offset_bytes, dir_, align.from_statx ? " (statx DIOALIGN)" : ""));
  }
  RunState rs;
  rs.block_bytes = run.block_bytes;
  absl::StatusOr<Region> region = PrepareRegion(run);
  if (!region.ok()) return region.status();
  rs.path = region->path;
  rs.region_blocks = region->blocks;
  rs.wrap = region->wrap;
  rs.fd = ::open(rs.path.c_str(), O_WRONLY | O_CLOEXEC | m.open_flags);
  if (rs.fd < 0) {
    const int err = errno;
    return (err == EINVAL && direct)
               ? absl::InvalidArgumentError(absl::StrCat("open ", rs.path, " with O_DIRECT: ",
                                                         Errno(err), " (the filesystem refuses it)"))
               : absl::InternalError(absl::StrCat("open ", rs.path, ": ", Errno(err)));
  }
  // Buffers and histograms exist before the clock starts.
  const int threads = m.uring ? 1 : run.depth;
  const int buffers = m.uring ? run.depth : threads;
  absl::StatusOr<AlignedBuffer> memory =
      AllocateBlocks(run.block_bytes * buffers, align.memory_bytes, run.block_bytes + run.depth);
  if (!memory.ok()) {
    ::close(rs.fd);
    return memory.status();
  }
  std::vector<ThreadResult> results(threads);
  absl::Notification go;
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    uint8_t* buf = memory->get() + t * run.block_bytes;
    if (m.uring) {
      workers.emplace_back(UringWorker, std::cref(m), std::ref(rs), run.depth, run.sqpoll_cpu, buf,
                           std::cref(go), std::ref(results[t]));
    } else {
      workers.emplace_back(SyscallWorker, std::cref(m), std::ref(rs), buf, std::cref(go), std::ref(results[t]));
    }
  }
  const Clock::time_point start = Clock::now();
  go.Notify();
  rs.finished_early.WaitForNotificationWithTimeout(absl::Seconds(run.seconds));
  rs.stop.store(true);
  for (std::thread& w : workers) w.join();
  const int close_rc = ::close(rs.fd);
  const int close_errno = errno;
  {
    absl::MutexLock l(&rs.error_mu);
    if (!rs.error.ok()) return rs.error;
  }
  if (close_rc != 0) return absl::InternalError(absl::StrCat("close ", rs.path, ": ", Errno(close_errno)));
  return Collect(results, start, rs, run);
}

}  // namespace ringkv::bench
