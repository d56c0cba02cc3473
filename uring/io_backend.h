// IoBackend is the one door through which wal/, pagestore/ and engine/ touch files: callers build
// a Chain of ops, Submit it, and Wait or take a callback. Backends: io_uring (default), plain
// syscalls (fallback and test reference), and wrappers that inject faults or record every op.
#ifndef RINGKV_URING_IO_BACKEND_H_
#define RINGKV_URING_IO_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "uring/buffer_pool.h"
#include "uring/chain.h"
#include "uring/completion.h"
#include "uring/file_table.h"
#include "uring/foreground_writes.h"

namespace ringkv::io {

class IoBackend;

// Callbacks run exactly once, on whichever thread reaps the completion: a thread blocked in
// IoBackend::Wait (possibly for another chain), or the backend's own completion thread. They
// must not block on I/O of the same backend, and must not take a lock the submitter holds
// across Submit. Keep them short: they delay every other completion.
using Callback = absl::AnyInvocable<void(const Completion&)>;

// A chain in flight. The completion is valid once IoBackend::Wait returned for the ticket (or
// inside the callback). Backends keep their bookkeeping here so the hot path allocates once.
struct PendingChain {
  Chain chain;
  Completion completion;
  Callback callback;
  bool done = false;          // guarded by the owning backend's mutex
  bool caller_waits = false;  // a thread promised to Wait(): no need to reap for it
  // Backend-private state.
  int remaining = 0;
  int state = 0;
  std::vector<std::pair<PendingChain*, int>> tags;
  std::shared_ptr<PendingChain> self;  // keeps the chain alive while the kernel holds it
  std::shared_ptr<PendingChain> inner;  // for wrapping backends: the chain they submitted
};
using Ticket = std::shared_ptr<PendingChain>;

// A reserved file slot, released (and closed, if still open) when destroyed.
class FileSlot {
 public:
  FileSlot() = default;
  FileSlot(IoBackend* backend, FileId id) : backend_(backend), id_(id) {}
  ~FileSlot() { Reset(); }
  FileSlot(FileSlot&& other) noexcept
      : backend_(std::exchange(other.backend_, nullptr)), id_(std::exchange(other.id_, {})) {}
  FileSlot& operator=(FileSlot&& other) noexcept;
  FileSlot(const FileSlot&) = delete;
  FileSlot& operator=(const FileSlot&) = delete;

  FileId id() const { return id_; }
  bool valid() const { return backend_ != nullptr; }
  // Closes the file if it is open and gives the slot back.
  void Reset();

 private:
  IoBackend* backend_ = nullptr;
  FileId id_;
};

enum class BackendKind { kUring, kPosix };

struct IoOptions {
  BackendKind backend = BackendKind::kUring;
  // Submission queue entries; the completion queue gets twice as many. A chain may not have
  // more ops than this.
  uint32_t queue_depth = 256;
  // A kernel thread polls the submission queue, so submitting costs no system call.
  bool sqpoll = false;
  uint32_t sqpoll_idle_ms = 100;
  // Pin the SQPOLL thread to this CPU (-1: let the scheduler place it): a poller sharing the CPU
  // that takes the disk's interrupts starves completions, and even pinned it costs a little
  // where CPUs are few (docs/performance.md, "uring/: raw durable writes").
  int sqpoll_cpu = -1;
  // Promise that one thread does every Submit and Wait (a benchmark loop, say). Enables
  // IORING_SETUP_SINGLE_ISSUER|DEFER_TASKRUN where the kernel has them, and runs no completion
  // thread: callbacks then run only inside Wait.
  bool single_issuer = false;
  uint32_t max_files = 1024;
  // Registered-buffer table size (io_uring allows at most 16384).
  uint32_t max_registered_buffers = 4096;
  // Worker threads of the plain-syscall backend.
  uint32_t posix_threads = 4;
};

// What the backend found at start.
struct BackendFeatures {
  std::string description;  // one line for logs: "io_uring (SQPOLL off, ...)"
  bool registered_buffers = false;
  bool registered_files = false;
  bool sqpoll = false;
};

class IoBackend {
 public:
  virtual ~IoBackend() = default;

  virtual std::string_view name() const = 0;
  virtual const BackendFeatures& features() const = 0;

  // Starts a chain. `done` (optional) runs when every op has completed. Set `caller_waits` when
  // this thread will call Wait() on the ticket: the backend then leaves reaping to it, which
  // saves a thread hand-off on the latency path. Chains longer than queue_depth are a
  // programming error.
  virtual Ticket Submit(Chain chain, Callback done = nullptr, bool caller_waits = false) = 0;
  // Blocks until the chain completed and its callback has run; may reap for other chains.
  virtual void Wait(const Ticket& ticket) = 0;
  // Submit + Wait.
  Completion Run(Chain chain);

  absl::StatusOr<FileSlot> ReserveFile();
  // The ordinary descriptor of a file opened with Chain::OpenAtNative (for mmap), else an error.
  virtual absl::StatusOr<int> NativeFd(FileId id) const;
  std::string PathOf(FileId id) const { return files().PathOf(id); }

  // `count` buffers of `buffer_bytes` each, aligned to `alignment`, registered with the ring
  // where the backend can (else index -1: plain I/O). The pool must be destroyed before the
  // backend.
  virtual absl::StatusOr<std::unique_ptr<BufferPool>> CreateBufferPool(size_t count,
                                                                       size_t buffer_bytes,
                                                                       size_t alignment = 4096) = 0;

  virtual FileTable& files() = 0;
  virtual const FileTable& files() const = 0;

  // Threads waiting for a durable log write on this backend's device; background writers
  // size their writes by it (uring/foreground_writes.h).
  virtual ForegroundWrites& foreground_writes() { return foreground_writes_; }

 protected:
  // Checks the rules every backend enforces on a chain (see Submit).
  static void CheckChain(const Chain& chain);

  // Fills completion.status from the results (first failure in op order).
  void DescribeCompletion(PendingChain& p) const;

 private:
  ForegroundWrites foreground_writes_;
};

// The default backend for `options`: io_uring, or the plain-syscall one. If io_uring cannot be
// set up the error says why (disabled by sysctl, blocked by seccomp, too old a kernel) and that
// IoOptions::backend = BackendKind::kPosix is the fallback.
absl::StatusOr<std::unique_ptr<IoBackend>> OpenBackend(const IoOptions& options);

}  // namespace ringkv::io

#endif  // RINGKV_URING_IO_BACKEND_H_
