// A fixed set of equally sized, aligned I/O buffers allocated once and (on io_uring) registered
// with the ring, so WRITE_FIXED/READ_FIXED skip the per-op page pinning. Callers borrow a buffer
// with Acquire() and give it back with Release(); the pool never grows (back-pressure, not memory).
#ifndef RINGKV_URING_BUFFER_POOL_H_
#define RINGKV_URING_BUFFER_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace ringkv::io {

// A borrowed buffer. `index` is the registered-buffer index to pass to Chain::Read/Write, or -1
// when the backend does not register buffers (then plain reads/writes are used).
struct IoBuffer {
  uint8_t* data = nullptr;
  size_t size = 0;
  int index = -1;
};

class BufferPool {
 public:
  // `first_index` is the registered index of buffer 0, or -1 if unregistered. `on_destroy` runs
  // in the destructor before the memory is freed (the backend unregisters the range there).
  BufferPool(size_t count, size_t buffer_bytes, size_t alignment, int first_index,
             absl::AnyInvocable<void()> on_destroy);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // Blocks until a buffer is free.
  IoBuffer Acquire();
  // Returns false instead of blocking when every buffer is out.
  bool TryAcquire(IoBuffer* out);
  void Release(const IoBuffer& buffer);

  size_t count() const { return count_; }
  size_t buffer_bytes() const { return buffer_bytes_; }
  size_t alignment() const { return alignment_; }
  bool registered() const { return first_index_ >= 0; }
  // The whole region, for backends that register it.
  uint8_t* base() const { return base_; }
  // For backends: buffer i is now registered as index first_index + i; `on_destroy` undoes it.
  void SetRegistration(int first_index, absl::AnyInvocable<void()> on_destroy) {
    first_index_ = first_index;
    on_destroy_ = std::move(on_destroy);
  }

 private:
  IoBuffer Make(size_t slot) const;

  const size_t count_;
  const size_t buffer_bytes_;
  const size_t alignment_;
  int first_index_;
  uint8_t* base_ = nullptr;  // one aligned allocation for all buffers
  absl::AnyInvocable<void()> on_destroy_;

  absl::Mutex mu_;
  std::vector<size_t> free_ ABSL_GUARDED_BY(mu_);  // slots not lent out
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_BUFFER_POOL_H_
