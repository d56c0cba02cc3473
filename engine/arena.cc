#include "engine/arena.h"

#include <cstdint>

namespace ringkv {

char* Arena::Allocate(size_t bytes) {
  constexpr size_t kAlign = alignof(std::max_align_t);
  bytes = (bytes + kAlign - 1) & ~(kAlign - 1);
  if (bytes > remaining_) {
    // Big entries get a block of their own so the current block's tail is not wasted.
    if (bytes > block_bytes_ / 4) return NewBlock(bytes);
    ptr_ = NewBlock(block_bytes_);
    remaining_ = block_bytes_;
  }
  char* result = ptr_;
  ptr_ += bytes;
  remaining_ -= bytes;
  return result;
}

char* Arena::NewBlock(size_t bytes) {
  // new char[] is aligned to __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16 on x86-64), max_align_t's.
  blocks_.push_back(std::make_unique<char[]>(bytes));
  memory_usage_.fetch_add(bytes + sizeof(void*), std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace ringkv
