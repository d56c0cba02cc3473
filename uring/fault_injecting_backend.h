// FaultInjectingBackend wraps another backend and fails chosen ops with a chosen errno before
// they reach it, as a failing disk would (EIO, ENOSPC): the op reports the error and the rest of
// its linked chain -ECANCELED. Tests use it to reach every error path; the crash harness uses it
// to stop a chain after any op.
#ifndef RINGKV_URING_FAULT_INJECTING_BACKEND_H_
#define RINGKV_URING_FAULT_INJECTING_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/synchronization/mutex.h"
#include "uring/wrapping_backend.h"

namespace ringkv::io {

class FaultInjectingBackend final : public WrappingBackend {
 public:
  // Called once per op, in submission order, before it is issued: 0 lets it run, a negative
  // errno fails it, kShortWrite makes a write land only partly and report the shorter count
  // (as a full disk can). May keep state (count ops, fail the Nth); calls are serialized.
  using FaultFn = std::function<int32_t(const Op&)>;
  static constexpr int32_t kShortWrite = 1;

  // `inner` must outlive this wrapper.
  explicit FaultInjectingBackend(IoBackend& inner) : WrappingBackend(inner) {}

  void SetFault(FaultFn fn);
  void ClearFault();
  // A FaultFn that fails the `n`th op seen from now on (1-based) with `err` (a positive errno).
  static FaultFn FailNth(uint64_t n, int err);
  // The `n`th op seen from now on, if it is a write, lands only in part (its first half, in
  // 4 KiB units so O_DIRECT still accepts it; nothing of a shorter write); any other op fails
  // with EIO.
  static FaultFn ShortenNth(uint64_t n);
  // A FaultFn failing every op of `type` with `err`.
  static FaultFn FailEvery(OpType type, int err);
  // Ops decided so far (faulted or not).
  uint64_t ops_seen() const { return ops_seen_.load(); }
  uint64_t faults_injected() const { return faults_injected_.load(); }

  std::string_view name() const override { return "fault-injecting"; }
  Ticket Submit(Chain chain, Callback done = nullptr, bool caller_waits = false) override;

 private:
  absl::Mutex mu_;
  FaultFn fault_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> ops_seen_{0};
  std::atomic<uint64_t> faults_injected_{0};
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_FAULT_INJECTING_BACKEND_H_
