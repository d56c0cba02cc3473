// Arena hands out memory for memtable entries from large blocks and frees it all at once, so a
// memtable costs one allocation per block instead of one per entry. Single writer.
#ifndef RINGKV_ENGINE_ARENA_H_
#define RINGKV_ENGINE_ARENA_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace ringkv {

class Arena {
 public:
  static constexpr size_t kMaxBlockBytes = 1 << 20;

  // `block_bytes`: the size of the blocks small allocations are carved from (at most 1 MiB
  // helps; a memtable with a small budget wants small blocks, or its first block fills it).
  explicit Arena(size_t block_bytes = kMaxBlockBytes) : block_bytes_(block_bytes) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `bytes` aligned to alignof(std::max_align_t).
  char* Allocate(size_t bytes);
  // Bytes of blocks held; readable from any thread.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  char* NewBlock(size_t bytes);

  const size_t block_bytes_;
  char* ptr_ = nullptr;
  size_t remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> memory_usage_{0};
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_ARENA_H_
