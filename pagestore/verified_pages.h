// VerifiedPages remembers which pages of the mapped page file have passed their checksum since
// the store opened, so a hot read through the mapping costs one bit test, and only a page's
// first read pays the checksum. The page store clears a page's bit before a checkpoint rewrites
// its slot (which no pinned version reaches while it is rewritten).
#ifndef RINGKV_PAGESTORE_VERIFIED_PAGES_H_
#define RINGKV_PAGESTORE_VERIFIED_PAGES_H_

#include <atomic>
#include <cstdint>
#include <memory>

namespace ringkv::pagestore {

class VerifiedPages {
 public:
  // Pages [0, max_pages) can be marked; memory is taken in chunks as pages are first marked.
  explicit VerifiedPages(uint64_t max_pages);
  ~VerifiedPages();
  VerifiedPages(const VerifiedPages&) = delete;
  VerifiedPages& operator=(const VerifiedPages&) = delete;

  // Any thread, no lock.
  bool Test(uint64_t id) const {
    const std::atomic<uint64_t>* chunk = chunks_[id >> kChunkShift].load(std::memory_order_acquire);
    if (chunk == nullptr) return false;
    const uint64_t word = chunk[(id & kChunkMask) >> 6].load(std::memory_order_acquire);
    return (word >> (id & 63)) & 1;
  }
  // After the page's checksum passed.
  void Set(uint64_t id);
  // Before the page's slot is rewritten.
  void Clear(uint64_t id);

 private:
  static constexpr int kChunkShift = 16;  // 65536 pages (8 KiB of bits) per chunk
  static constexpr uint64_t kChunkMask = (uint64_t{1} << kChunkShift) - 1;
  std::atomic<uint64_t>* ChunkFor(uint64_t id);

  const uint64_t max_pages_;
  std::unique_ptr<std::atomic<std::atomic<uint64_t>*>[]> chunks_;
};

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_VERIFIED_PAGES_H_
