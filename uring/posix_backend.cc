#include "uring/posix_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace ringkv::io {
namespace {

template <typename F>
int32_t RetryEintr(F f) {
  for (;;) {
    const auto r = f();
    if (r >= 0) return static_cast<int32_t>(r);
    if (errno != EINTR) return -errno;
  }
}

}  // namespace

PosixBackend::PosixBackend(const IoOptions& options) : files_(options.max_files) {
  const uint32_t threads = options.posix_threads == 0 ? 1 : options.posix_threads;
  features_.description = absl::StrCat("posix syscalls (", threads, " worker threads)");
  workers_.reserve(threads);
  for (uint32_t i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

PosixBackend::~PosixBackend() {
  {
    absl::MutexLock lock(&mu_);
    // Queued chains still run: their callers were promised a completion.
    stopping_ = true;
  }
  for (std::thread& t : workers_) t.join();
}

Ticket PosixBackend::Submit(Chain chain, Callback done, bool caller_waits) {
  CheckChain(chain);
  auto p = std::make_shared<PendingChain>();
  p->completion.results.assign(chain.size(), -ECANCELED);
  p->chain = std::move(chain);
  p->callback = std::move(done);
  p->caller_waits = caller_waits;
  p->state = kQueued;
  absl::MutexLock lock(&mu_);
  queue_.push_back(p);
  return p;
}

void PosixBackend::Wait(const Ticket& ticket) {
  PendingChain& p = *ticket;
  {
    absl::MutexLock lock(&mu_);
    if (p.state == kQueued) {
      p.state = kRunning;  // claim it; the worker that dequeues it will skip it
    } else {
      mu_.Await(absl::Condition(&p.done));
      return;
    }
  }
  Execute(p);
  Finish(p);
}

void PosixBackend::WorkerLoop() {
  for (;;) {
    Ticket p;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](PosixBackend* b) ABSL_EXCLUSIVE_LOCKS_REQUIRED(b->mu_) {
            return b->stopping_ || !b->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping and drained
      p = std::move(queue_.front());
      queue_.pop_front();
      if (p->state != kQueued) continue;  // a waiter runs it
      p->state = kRunning;
    }
    Execute(*p);
    Finish(*p);
  }
}

void PosixBackend::Execute(PendingChain& p) {
  const std::vector<Op>& ops = p.chain.ops();
  for (size_t i = 0; i < ops.size(); ++i) {
    const int32_t res = ExecuteOp(ops[i]);
    p.completion.results[i] = res;
    if (p.chain.linked() && !OpSucceeded(ops[i], res)) break;  // the rest stay -ECANCELED
  }
}

int32_t PosixBackend::ExecuteOp(const Op& op) {
  const int fd = op.file.valid() ? files_.FdOf(op.file) : -1;
  const bool needs_fd = op.type != OpType::kOpenAt && op.type != OpType::kRenameAt &&
                        op.type != OpType::kUnlinkAt && op.type != OpType::kMkdirAt &&
                        op.type != OpType::kNop;
  if (needs_fd && fd < 0) return -EBADF;
  switch (op.type) {
    case OpType::kOpenAt: {
      const int r = RetryEintr([&] { return ::openat(AT_FDCWD, op.path.c_str(), op.flags, op.mode); });
      if (r < 0) return r;
      // Like an io_uring direct open into an occupied slot: the old file is closed.
      const int old = files_.FdOf(op.file);
      if (old >= 0) ::close(old);
      files_.MarkOpen(op.file, op.path, r);
      return 0;
    }
    case OpType::kRead:
      return RetryEintr([&] { return ::pread(fd, op.buf, op.len, static_cast<off_t>(op.offset)); });
    case OpType::kWrite:
      return RetryEintr([&] { return ::pwrite(fd, op.buf, op.len, static_cast<off_t>(op.offset)); });
    case OpType::kFsync:
      return RetryEintr([&] { return ::fsync(fd); });
    case OpType::kFdatasync:
      return RetryEintr([&] { return ::fdatasync(fd); });
    case OpType::kFallocate:
      return RetryEintr([&] {
        return ::fallocate(fd, static_cast<int>(op.mode), static_cast<off_t>(op.offset),
                           static_cast<off_t>(op.len));
      });
    case OpType::kClose: {
      files_.MarkClosed(op.file);
      // close() is not retried on EINTR: on Linux the descriptor is gone either way.
      return ::close(fd) == 0 ? 0 : -errno;
    }
    case OpType::kRenameAt:
      return RetryEintr([&] {
        return ::renameat(AT_FDCWD, op.path.c_str(), AT_FDCWD, op.path2.c_str());
      });
    case OpType::kUnlinkAt:
      return RetryEintr([&] { return ::unlinkat(AT_FDCWD, op.path.c_str(), op.flags); });
    case OpType::kMkdirAt:
      return RetryEintr([&] { return ::mkdirat(AT_FDCWD, op.path.c_str(), op.mode); });
    case OpType::kNop:
      return 0;
  }
  return -EINVAL;
}

void PosixBackend::Finish(PendingChain& p) {
  DescribeCompletion(p);
  if (p.callback) p.callback(p.completion);
  absl::MutexLock lock(&mu_);
  p.done = true;
}

absl::StatusOr<std::unique_ptr<BufferPool>> PosixBackend::CreateBufferPool(size_t count,
                                                                           size_t buffer_bytes,
                                                                           size_t alignment) {
  if (count == 0 || buffer_bytes == 0 || buffer_bytes % alignment != 0) {
    return absl::InvalidArgumentError(absl::StrCat("buffer pool of ", count, " x ", buffer_bytes,
                                                   " bytes: size must be a non-zero multiple of the ",
                                                   alignment, "-byte alignment"));
  }
  return std::make_unique<BufferPool>(count, buffer_bytes, alignment, -1, nullptr);
}

}  // namespace ringkv::io
