// WrappingBackend is the base of backends that sit in front of another one (fault injection,
// recording): everything but Submit passes through to the inner backend, and a wrapper's ticket
// is completed by the callback of the inner chain it stands for (ticket->inner).
#ifndef RINGKV_URING_WRAPPING_BACKEND_H_
#define RINGKV_URING_WRAPPING_BACKEND_H_

#include "uring/io_backend.h"

namespace ringkv::io {

class WrappingBackend : public IoBackend {
 public:
  // `inner` must outlive the wrapper.
  explicit WrappingBackend(IoBackend& inner) : inner_(inner) {}

  const BackendFeatures& features() const override { return inner_.features(); }
  // The inner chain's callback completes the outer one before the inner Wait returns.
  void Wait(const Ticket& ticket) override { inner_.Wait(ticket->inner); }
  absl::StatusOr<std::unique_ptr<BufferPool>> CreateBufferPool(size_t count, size_t buffer_bytes,
                                                               size_t alignment) override {
    return inner_.CreateBufferPool(count, buffer_bytes, alignment);
  }
  FileTable& files() override { return inner_.files(); }
  const FileTable& files() const override { return inner_.files(); }
  ForegroundWrites& foreground_writes() override { return inner_.foreground_writes(); }

 protected:
  IoBackend& inner() { return inner_; }

 private:
  IoBackend& inner_;
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_WRAPPING_BACKEND_H_
