#include "pagestore/verified_pages.h"

#include "base/check.h"

namespace ringkv::pagestore {
namespace {

constexpr uint64_t kWordsPerChunk = (uint64_t{1} << 16) / 64;

}  // namespace

VerifiedPages::VerifiedPages(uint64_t max_pages)
    : max_pages_(max_pages),
      chunks_(new std::atomic<std::atomic<uint64_t>*>[(max_pages >> kChunkShift) + 1]) {
  for (uint64_t i = 0; i <= (max_pages >> kChunkShift); ++i) chunks_[i].store(nullptr);
}

VerifiedPages::~VerifiedPages() {
  for (uint64_t i = 0; i <= (max_pages_ >> kChunkShift); ++i) delete[] chunks_[i].load();
}

std::atomic<uint64_t>* VerifiedPages::ChunkFor(uint64_t id) {
  RINGKV_CHECK(id < max_pages_);
  std::atomic<std::atomic<uint64_t>*>& slot = chunks_[id >> kChunkShift];
  std::atomic<uint64_t>* chunk = slot.load(std::memory_order_acquire);
  if (chunk != nullptr) return chunk;
  auto* fresh = new std::atomic<uint64_t>[kWordsPerChunk];
  for (uint64_t w = 0; w < kWordsPerChunk; ++w) fresh[w].store(0, std::memory_order_relaxed);
  // Two first readers may race: one chunk wins, the other is dropped.
  if (slot.compare_exchange_strong(chunk, fresh, std::memory_order_acq_rel)) return fresh;
  delete[] fresh;
  return chunk;
}

void VerifiedPages::Set(uint64_t id) {
  ChunkFor(id)[(id & kChunkMask) >> 6].fetch_or(uint64_t{1} << (id & 63), std::memory_order_release);
}

void VerifiedPages::Clear(uint64_t id) {
  std::atomic<std::atomic<uint64_t>*>& slot = chunks_[id >> kChunkShift];
  std::atomic<uint64_t>* chunk = slot.load(std::memory_order_acquire);
  if (chunk == nullptr) return;  // never marked
  chunk[(id & kChunkMask) >> 6].fetch_and(~(uint64_t{1} << (id & 63)), std::memory_order_release);
}

}  // namespace ringkv::pagestore
