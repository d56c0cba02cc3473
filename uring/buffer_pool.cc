#include "uring/buffer_pool.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "base/check.h"

namespace ringkv::io {

BufferPool::BufferPool(size_t count, size_t buffer_bytes, size_t alignment, int first_index,
                       absl::AnyInvocable<void()> on_destroy)
    : count_(count),
      buffer_bytes_(buffer_bytes),
      alignment_(alignment),
      first_index_(first_index),
      on_destroy_(std::move(on_destroy)) {
  RINGKV_CHECK(count > 0);
  RINGKV_CHECK(alignment > 0 && (alignment & (alignment - 1)) == 0);
  RINGKV_CHECK(buffer_bytes % alignment == 0);
  void* mem = nullptr;
  if (posix_memalign(&mem, alignment, count * buffer_bytes) != 0) throw std::bad_alloc();
  base_ = static_cast<uint8_t*>(mem);
  // Touch every page now so the first write does not pay for page faults.
  std::memset(base_, 0, count * buffer_bytes);
  free_.reserve(count);
  for (size_t i = count; i > 0; --i) free_.push_back(i - 1);
}

BufferPool::~BufferPool() {
  {
    absl::MutexLock lock(&mu_);
    // Every buffer must be back: freeing memory the kernel may still DMA into is a corruption.
    RINGKV_CHECK(free_.size() == count_);
  }
  if (on_destroy_) on_destroy_();
  std::free(base_);
}

IoBuffer BufferPool::Make(size_t slot) const {
  IoBuffer b;
  b.data = base_ + slot * buffer_bytes_;
  b.size = buffer_bytes_;
  b.index = first_index_ < 0 ? -1 : first_index_ + static_cast<int>(slot);
  return b;
}

IoBuffer BufferPool::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::vector<size_t>* f) { return !f->empty(); }, &free_));
  const size_t slot = free_.back();
  free_.pop_back();
  return Make(slot);
}

bool BufferPool::TryAcquire(IoBuffer* out) {
  absl::MutexLock lock(&mu_);
  if (free_.empty()) return false;
  const size_t slot = free_.back();
  free_.pop_back();
  *out = Make(slot);
  return true;
}

void BufferPool::Release(const IoBuffer& buffer) {
  RINGKV_CHECK(buffer.data >= base_);
  const size_t slot = static_cast<size_t>(buffer.data - base_) / buffer_bytes_;
  RINGKV_CHECK(slot < count_);
  absl::MutexLock lock(&mu_);
  RINGKV_DCHECK(free_.size() < count_);
  free_.push_back(slot);
}

}  // namespace ringkv::io
