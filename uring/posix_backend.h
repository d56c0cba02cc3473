// PosixBackend runs chains with plain system calls (openat, pwrite, fdatasync, renameat ...):
// the fallback where io_uring is unavailable, and the reference the io_uring backend is tested
// against. Worker threads execute submitted chains; a thread that Waits for a chain no worker
// has started runs it itself, so synchronous use costs no thread hand-off.
#ifndef RINGKV_URING_POSIX_BACKEND_H_
#define RINGKV_URING_POSIX_BACKEND_H_

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uring/io_backend.h"

namespace ringkv::io {

class PosixBackend final : public IoBackend {
 public:
  explicit PosixBackend(const IoOptions& options);
  ~PosixBackend() override;

  std::string_view name() const override { return "posix"; }
  const BackendFeatures& features() const override { return features_; }
  Ticket Submit(Chain chain, Callback done = nullptr, bool caller_waits = false) override;
  void Wait(const Ticket& ticket) override;
  absl::StatusOr<std::unique_ptr<BufferPool>> CreateBufferPool(size_t count, size_t buffer_bytes,
                                                               size_t alignment) override;
  FileTable& files() override { return files_; }
  const FileTable& files() const override { return files_; }

 private:
  enum State { kQueued = 0, kRunning = 1 };

  void WorkerLoop();
  void Execute(PendingChain& p);
  int32_t ExecuteOp(const Op& op);
  void Finish(PendingChain& p);

  BackendFeatures features_;
  FileTable files_;

  absl::Mutex mu_;
  std::deque<Ticket> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_POSIX_BACKEND_H_
