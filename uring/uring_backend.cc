#include "uring/uring_backend.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/check.h"

namespace ringkv::io {
namespace {

// The backend whose reaper role this thread holds, if any. Callbacks run there; they must not
// Wait (the reaper would wait for itself) and may overshoot the in-flight bound when they
// submit (the kernel keeps overflowing completions: IORING_FEAT_NODROP).
thread_local const UringBackend* tls_reaping = nullptr;

absl::Status SetupError(int err, const IoOptions& options) {
  std::string cause;
  switch (err) {
    case EPERM:
      cause =
          "io_uring is disabled for this process: the sysctl kernel.io_uring_disabled is set, or "
          "a seccomp profile (common in containers) blocks io_uring_setup";
      break;
    case ENOSYS:
      cause = "this kernel has no io_uring (it needs Linux 5.19 or newer)";
      break;
    case ENOMEM:
      cause = "the kernel refused the ring's memory (RLIMIT_MEMLOCK too low?)";
      break;
    case EINVAL:
      cause = "the kernel rejected the ring parameters (too old a kernel?)";
      break;
    default:
      cause = std::strerror(err);
  }
  return absl::Status(
      absl::ErrnoToStatusCode(err),
      absl::StrCat("io_uring_setup(queue_depth=", options.queue_depth,
                   options.sqpoll ? ", SQPOLL" : "", ") failed: ", cause, " (", std::strerror(err),
                   "). Use the plain-syscall backend instead: IoOptions::backend = "
                   "BackendKind::kPosix (ringkv --io=posix)."));
}

}  // namespace

UringBackend::UringBackend(const IoOptions& options)
    : options_(options), files_(options.max_files) {}

absl::StatusOr<std::unique_ptr<UringBackend>> UringBackend::Open(const IoOptions& options) {
  if (options.queue_depth == 0 || options.queue_depth > 32768) {
    return absl::InvalidArgumentError(
        absl::StrCat("queue_depth ", options.queue_depth, " is out of range 1..32768"));
  }
  std::unique_ptr<UringBackend> b(new UringBackend(options));
  absl::Status s = b->Init();
  if (!s.ok()) return s;
  return b;
}

absl::Status UringBackend::Init() {
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = options_.queue_depth * 2;
  if (options_.sqpoll) {
    params.flags |= IORING_SETUP_SQPOLL;
    params.sq_thread_idle = options_.sqpoll_idle_ms;
    if (options_.sqpoll_cpu >= 0) {
      params.flags |= IORING_SETUP_SQ_AFF;
      params.sq_thread_cpu = static_cast<uint32_t>(options_.sqpoll_cpu);
    }
  }
  // SINGLE_ISSUER and DEFER_TASKRUN (and COOP_TASKRUN) make the submitting task post its own
  // completions, which is only sound when that task is the one reaping. With many threads
  // submitting and any of them reaping, a completion could wait on a thread asleep on a lock,
  // so these are used only under the single_issuer promise.
  const unsigned optional_flags = IORING_SETUP_SUBMIT_ALL |
                                  (options_.single_issuer
                                       ? IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
                                       : 0u);
  if (options_.single_issuer) {
    params.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  }
  int r = io_uring_queue_init_params(options_.queue_depth, &ring_, &params);
  std::vector<std::string> dropped;
  if (r == -EINVAL) {
    // An older kernel: retry without the optional flags before giving up.
    const unsigned wanted = params.flags;
    io_uring_params retry{};
    retry.flags = wanted & ~optional_flags;
    retry.cq_entries = params.cq_entries;
    retry.sq_thread_idle = params.sq_thread_idle;
    retry.sq_thread_cpu = params.sq_thread_cpu;
    r = io_uring_queue_init_params(options_.queue_depth, &ring_, &retry);
    params = retry;
    dropped.push_back("SUBMIT_ALL/SINGLE_ISSUER/DEFER_TASKRUN unsupported");
  }
  if (r < 0) return SetupError(-r, options_);
  ring_ready_ = true;
  if (!(params.features & IORING_FEAT_NODROP)) {
    return absl::FailedPreconditionError(
        "io_uring lacks IORING_FEAT_NODROP (Linux 5.5+); use BackendKind::kPosix");
  }
  max_inflight_ops_ = params.cq_entries;

  absl::Status probe = Probe();
  if (!probe.ok()) return probe;

  r = io_uring_register_files_sparse(&ring_, options_.max_files);
  if (r < 0) {
    return absl::Status(absl::ErrnoToStatusCode(-r),
                        absl::StrCat("io_uring_register_files_sparse(", options_.max_files,
                                     "): ", std::strerror(-r),
                                     "; direct descriptors need Linux 5.19+. Use "
                                     "BackendKind::kPosix."));
  }
  features_.registered_files = true;
  r = io_uring_register_buffers_sparse(&ring_, options_.max_registered_buffers);
  features_.registered_buffers = r == 0;
  if (r == 0) buffer_slot_used_.assign(options_.max_registered_buffers, false);
  features_.sqpoll = (params.flags & IORING_SETUP_SQPOLL) != 0;

  std::vector<std::string> parts;
  parts.push_back(absl::StrCat("queue depth ", params.sq_entries, "/", params.cq_entries));
  parts.push_back(features_.sqpoll
                     ? absl::StrCat("SQPOLL idle ", options_.sqpoll_idle_ms, " ms",
                                    options_.sqpoll_cpu >= 0
                                        ? absl::StrCat(" on CPU ", options_.sqpoll_cpu)
                                        : "")
                     : "SQPOLL off");
  if (params.flags & IORING_SETUP_SINGLE_ISSUER) parts.push_back("single issuer");
  parts.push_back(features_.registered_buffers ? "registered buffers" : "plain buffers");
  parts.push_back("direct descriptors");
  for (const std::string& d : dropped) parts.push_back(d);
  features_.description = absl::StrCat("io_uring (", absl::StrJoin(parts, ", "), ")");

  if (!options_.single_issuer) completion_thread_ = std::thread([this] { CompletionThreadLoop(); });
  return absl::OkStatus();
}

absl::Status UringBackend::Probe() {
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  if (probe == nullptr) {
    return absl::FailedPreconditionError("io_uring cannot report its supported ops (Linux 5.6+ "
                                         "needed); use BackendKind::kPosix");
  }
  struct Needed {
    int op;
    const char* name;
  };
  static constexpr Needed kNeeded[] = {
      {IORING_OP_OPENAT, "OPENAT"},       {IORING_OP_READ, "READ"},
      {IORING_OP_WRITE, "WRITE"},         {IORING_OP_READ_FIXED, "READ_FIXED"},
      {IORING_OP_WRITE_FIXED, "WRITE_FIXED"}, {IORING_OP_FSYNC, "FSYNC"},
      {IORING_OP_FALLOCATE, "FALLOCATE"}, {IORING_OP_CLOSE, "CLOSE"},
      {IORING_OP_RENAMEAT, "RENAMEAT"},   {IORING_OP_UNLINKAT, "UNLINKAT"},
      {IORING_OP_MKDIRAT, "MKDIRAT"},
  };
  std::vector<std::string> missing;
  for (const Needed& n : kNeeded) {
    if (!io_uring_opcode_supported(probe, n.op)) missing.push_back(n.name);
  }
  io_uring_free_probe(probe);
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("this kernel's io_uring lacks ops ringkv needs: ",
                     absl::StrJoin(missing, ", "), "; use BackendKind::kPosix"));
  }
  return absl::OkStatus();
}

UringBackend::~UringBackend() {
  if (!ring_ready_) return;
  {
    absl::MutexLock lock(&mu_);
    // Everything in flight must land before the ring (and the memory it writes into) goes.
    ReapUntil([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return inflight_ops_ == 0; });
    stopping_ = true;
    idle_cv_.Signal();
  }
  if (completion_thread_.joinable()) completion_thread_.join();
  io_uring_queue_exit(&ring_);
}

void UringBackend::Prep(io_uring_sqe* sqe, const Op& op) {
  const int slot = op.file.index;
  switch (op.type) {
    case OpType::kOpenAt:
      if (op.native_fd) {
        io_uring_prep_openat(sqe, AT_FDCWD, op.path.c_str(), op.flags, op.mode);
      } else {
        // A direct descriptor never enters the fd table, so O_CLOEXEC means nothing to it and
        // the kernel rejects it with EINVAL.
        io_uring_prep_openat_direct(sqe, AT_FDCWD, op.path.c_str(), op.flags & ~O_CLOEXEC,
                                    op.mode, static_cast<unsigned>(slot));
      }
      return;
    case OpType::kRead:
      if (op.buf_index >= 0) {
        io_uring_prep_read_fixed(sqe, slot, op.buf, static_cast<unsigned>(op.len), op.offset,
                                 op.buf_index);
      } else {
        io_uring_prep_read(sqe, slot, op.buf, static_cast<unsigned>(op.len), op.offset);
      }
      break;
    case OpType::kWrite:
      if (op.buf_index >= 0) {
        io_uring_prep_write_fixed(sqe, slot, op.buf, static_cast<unsigned>(op.len), op.offset,
                                  op.buf_index);
      } else {
        io_uring_prep_write(sqe, slot, op.buf, static_cast<unsigned>(op.len), op.offset);
      }
      break;
    case OpType::kFsync:
      io_uring_prep_fsync(sqe, slot, 0);
      break;
    case OpType::kFdatasync:
      io_uring_prep_fsync(sqe, slot, IORING_FSYNC_DATASYNC);
      break;
    case OpType::kFallocate:
      io_uring_prep_fallocate(sqe, slot, static_cast<int>(op.mode), op.offset, op.len);
      break;
    case OpType::kClose: {
      const int native = files_.FdOf(op.file);
      if (native >= 0) {
        io_uring_prep_close(sqe, native);  // the registered slot is dropped on completion
      } else {
        io_uring_prep_close_direct(sqe, static_cast<unsigned>(slot));
      }
      return;
    }
    case OpType::kRenameAt:
      io_uring_prep_renameat(sqe, AT_FDCWD, op.path.c_str(), AT_FDCWD, op.path2.c_str(), 0);
      return;
    case OpType::kUnlinkAt:
      io_uring_prep_unlinkat(sqe, AT_FDCWD, op.path.c_str(), op.flags);
      return;
    case OpType::kMkdirAt:
      io_uring_prep_mkdirat(sqe, AT_FDCWD, op.path.c_str(), op.mode);
      return;
    case OpType::kNop:
      io_uring_prep_nop(sqe);
      return;
  }
  sqe->flags |= IOSQE_FIXED_FILE;
}

Ticket UringBackend::Submit(Chain chain, Callback done, bool caller_waits) {
  const size_t n = chain.size();
  CheckChain(chain);
  RINGKV_CHECK(n <= options_.queue_depth);
  auto p = std::make_shared<PendingChain>();
  p->completion.results.assign(n, -ECANCELED);
  p->chain = std::move(chain);
  p->callback = std::move(done);
  p->caller_waits = caller_waits;
  p->remaining = static_cast<int>(n);
  p->tags.reserve(n);
  for (size_t i = 0; i < n; ++i) p->tags.emplace_back(p.get(), static_cast<int>(i));
  p->self = p;
  {
    absl::MutexLock lock(&mu_);
    if (tls_reaping != this) {
      ReapUntil([this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return inflight_ops_ + n <= max_inflight_ops_;
      });
    }
    inflight_ops_ += n;
    if (!caller_waits) {
      // The completion thread sleeps apart, so completions do not wake it in vain.
      if (++unwaited_chains_ == 1 && !reaper_active_) idle_cv_.Signal();
    }
  }
  absl::MutexLock sq_lock(&sq_mu_);
  const std::vector<Op>& ops = p->chain.ops();
  for (size_t i = 0; i < n; ++i) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (sqe == nullptr) {
      // Only with SQPOLL can the queue still hold entries the kernel thread has not consumed.
      io_uring_submit(&ring_);
      io_uring_sqring_wait(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    Prep(sqe, ops[i]);
    if (p->chain.linked() && i + 1 < n) sqe->flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_data(sqe, &p->tags[i]);
  }
  for (;;) {
    const int r = io_uring_submit(&ring_);
    if (r >= 0) break;
    if (r == -EINTR || r == -EAGAIN || r == -EBUSY) {
      std::this_thread::yield();
      continue;
    }
    std::fprintf(stderr, "ringkv: io_uring_submit failed: %s\n", std::strerror(-r));
    RINGKV_CHECK(r >= 0);
  }
  return p;
}

template <typename Pred>
void UringBackend::ReapUntil(Pred pred) {
  while (!pred()) {
    if (!reaper_active_) {
      reaper_active_ = true;
      mu_.Unlock();
      ReapSome();
      mu_.Lock();
      reaper_active_ = false;
      cv_.SignalAll();
      if (unwaited_chains_ > 0) idle_cv_.Signal();
    } else {
      cv_.Wait(&mu_);
    }
  }
}

void UringBackend::Wait(const Ticket& ticket) {
  RINGKV_CHECK(tls_reaping != this);  // a callback waiting would deadlock its own reaper
  PendingChain* p = ticket.get();
  absl::MutexLock lock(&mu_);
  if (!p->done && !p->caller_waits) {
    p->caller_waits = true;
    --unwaited_chains_;
  }
  ReapUntil([p]() { return p->done; });
}

void UringBackend::ReapSome() {
  tls_reaping = this;
  io_uring_cqe* cqe = nullptr;
  int r;
  do {
    r = io_uring_wait_cqe(&ring_, &cqe);
  } while (r == -EINTR || r == -EAGAIN);
  if (r < 0) {
    std::fprintf(stderr, "ringkv: io_uring_wait_cqe failed: %s\n", std::strerror(-r));
    RINGKV_CHECK(r == 0);
  }
  // Copy out and release the CQ entries before running callbacks, which may submit more.
  std::array<io_uring_cqe*, 64> batch;
  for (;;) {
    const unsigned got = io_uring_peek_batch_cqe(&ring_, batch.data(), batch.size());
    if (got == 0) break;
    std::array<std::pair<std::pair<PendingChain*, int>*, int32_t>, 64> items;
    for (unsigned i = 0; i < got; ++i) {
      items[i] = {static_cast<std::pair<PendingChain*, int>*>(io_uring_cqe_get_data(batch[i])),
                  batch[i]->res};
    }
    io_uring_cq_advance(&ring_, got);
    for (unsigned i = 0; i < got; ++i) {
      HandleCqe(items[i].first->first, items[i].first->second, items[i].second);
    }
    if (got < batch.size()) break;
  }
  tls_reaping = nullptr;
}

void UringBackend::HandleCqe(PendingChain* p, int index, int32_t res) {
  const Op& op = p->chain.ops()[index];
  if (op.type == OpType::kOpenAt && res >= 0) {
    if (op.native_fd) {
      int fd = res;
      const int r = io_uring_register_files_update(&ring_, static_cast<unsigned>(op.file.index),
                                                   &fd, 1);
      if (r < 0) {
        ::close(fd);
        res = r;
      } else {
        files_.MarkOpen(op.file, op.path, fd);
        res = 0;
      }
    } else {
      // The kernel replaced whatever the slot held; drop our descriptor of it, if any.
      const int old = files_.FdOf(op.file);
      if (old >= 0) ::close(old);
      files_.MarkOpen(op.file, op.path, -1);
    }
  } else if (op.type == OpType::kClose && res >= 0) {
    if (files_.FdOf(op.file) >= 0) {
      int none = -1;
      io_uring_register_files_update(&ring_, static_cast<unsigned>(op.file.index), &none, 1);
    }
    files_.MarkClosed(op.file);
  }
  p->completion.results[index] = res;
  if (--p->remaining == 0) FinishChain(p);
}

void UringBackend::FinishChain(PendingChain* p) {
  DescribeCompletion(*p);
  if (p->callback) p->callback(p->completion);
  Ticket keep = std::move(p->self);  // dropped after unlocking: the last owner may be us
  absl::MutexLock lock(&mu_);
  p->done = true;
  inflight_ops_ -= p->chain.size();
  if (!p->caller_waits) --unwaited_chains_;
  cv_.SignalAll();
}

void UringBackend::CompletionThreadLoop() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    while (!stopping_ && !(unwaited_chains_ > 0 && !reaper_active_)) idle_cv_.Wait(&mu_);
    if (stopping_) return;
    reaper_active_ = true;
    mu_.Unlock();
    ReapSome();
    mu_.Lock();
    reaper_active_ = false;
    cv_.SignalAll();
  }
}

absl::StatusOr<std::unique_ptr<BufferPool>> UringBackend::CreateBufferPool(size_t count,
                                                                           size_t buffer_bytes,
                                                                           size_t alignment) {
  if (count == 0 || buffer_bytes == 0 || buffer_bytes % alignment != 0) {
    return absl::InvalidArgumentError(absl::StrCat("buffer pool of ", count, " x ", buffer_bytes,
                                                   " bytes: size must be a non-zero multiple of the ",
                                                   alignment, "-byte alignment"));
  }
  if (buffer_bytes > (1u << 30)) {
    return absl::InvalidArgumentError("registered buffers are limited to 1 GiB each");
  }
  int first = -1;
  if (features_.registered_buffers) {
    absl::MutexLock lock(&buf_mu_);
    size_t run = 0;
    for (size_t i = 0; i < buffer_slot_used_.size(); ++i) {
      run = buffer_slot_used_[i] ? 0 : run + 1;
      if (run == count) {
        first = static_cast<int>(i + 1 - count);
        break;
      }
    }
    if (first >= 0) {
      for (size_t i = 0; i < count; ++i) buffer_slot_used_[first + i] = true;
    }
  }
  auto pool = std::make_unique<BufferPool>(count, buffer_bytes, alignment, -1, nullptr);
  if (first < 0) return pool;  // no room in the table: plain buffers still work
  std::vector<iovec> iov(count);
  for (size_t i = 0; i < count; ++i) {
    iov[i].iov_base = pool->base() + i * buffer_bytes;
    iov[i].iov_len = buffer_bytes;
  }
  const int r = io_uring_register_buffers_update_tag(&ring_, static_cast<unsigned>(first),
                                                     iov.data(), nullptr,
                                                     static_cast<unsigned>(count));
  if (r < 0) {
    // Usually RLIMIT_MEMLOCK for a non-root user. Plain buffers are slower, not wrong.
    absl::MutexLock lock(&buf_mu_);
    for (size_t i = 0; i < count; ++i) buffer_slot_used_[first + i] = false;
    return pool;
  }
  pool->SetRegistration(first, [this, first, count] { UnregisterBuffers(first, count); });
  return pool;
}

void UringBackend::UnregisterBuffers(int first, size_t count) {
  if (count == 0) return;
  std::vector<iovec> empty(count);  // a null iovec clears a sparse slot
  io_uring_register_buffers_update_tag(&ring_, static_cast<unsigned>(first), empty.data(),
                                       nullptr, static_cast<unsigned>(count));
  absl::MutexLock lock(&buf_mu_);
  for (size_t i = 0; i < count; ++i) buffer_slot_used_[first + i] = false;
}

}  // namespace ringkv::io
