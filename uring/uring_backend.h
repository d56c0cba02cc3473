// UringBackend submits chains to one io_uring: linked SQEs, registered (direct) file slots,
// registered buffers and optional SQPOLL. A thread that Waits reaps completions itself, so a
// lone synchronous caller pays exactly what raw io_uring costs; a completion thread reaps only
// for chains nobody waits on (callback-only submissions).
#ifndef RINGKV_URING_URING_BACKEND_H_
#define RINGKV_URING_URING_BACKEND_H_

#include <liburing.h>

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "uring/io_backend.h"

namespace ringkv::io {

class UringBackend final : public IoBackend {
 public:
  static absl::StatusOr<std::unique_ptr<UringBackend>> Open(const IoOptions& options);
  ~UringBackend() override;

  std::string_view name() const override { return "io_uring"; }
  const BackendFeatures& features() const override { return features_; }
  Ticket Submit(Chain chain, Callback done = nullptr, bool caller_waits = false) override;
  void Wait(const Ticket& ticket) override;
  absl::StatusOr<std::unique_ptr<BufferPool>> CreateBufferPool(size_t count, size_t buffer_bytes,
                                                               size_t alignment) override;
  FileTable& files() override { return files_; }
  const FileTable& files() const override { return files_; }

 private:
  explicit UringBackend(const IoOptions& options);
  absl::Status Init();
  absl::Status Probe();

  void Prep(io_uring_sqe* sqe, const Op& op);
  // Holds the reaper role: blocks for at least one completion and handles all that are ready.
  void ReapSome();
  void HandleCqe(PendingChain* p, int index, int32_t res);
  void FinishChain(PendingChain* p);
  // Waits (reaping when nobody else does) until `pred` holds. mu_ is held on entry and exit.
  template <typename Pred>
  void ReapUntil(Pred pred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CompletionThreadLoop();

  void UnregisterBuffers(int first, size_t count);

  const IoOptions options_;
  BackendFeatures features_;
  FileTable files_;
  io_uring ring_{};
  bool ring_ready_ = false;
  uint32_t max_inflight_ops_ = 0;  // the CQ size: never more completions pending than fit

  absl::Mutex sq_mu_;  // the submission queue is single-producer

  absl::Mutex mu_;
  absl::CondVar cv_;       // waiters: a chain finished, or the reaper role came free
  absl::CondVar idle_cv_;  // the completion thread: a chain nobody waits for needs reaping
  bool reaper_active_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t inflight_ops_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t unwaited_chains_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread completion_thread_;

  absl::Mutex buf_mu_;
  std::vector<bool> buffer_slot_used_ ABSL_GUARDED_BY(buf_mu_);
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_URING_BACKEND_H_
