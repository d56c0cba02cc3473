// PageCache holds whole, checksum-verified pages read through the ring (the page store's pread
// path): LRU, bounded by a page count, thread-safe. A page a caller got stays valid while the
// caller holds its pointer, even once evicted; the caller inserts only pages it has verified.
#ifndef RINGKV_PAGESTORE_PAGE_CACHE_H_
#define RINGKV_PAGESTORE_PAGE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace ringkv::pagestore {

class PageCache {
 public:
  using Page = std::shared_ptr<const std::string>;  // the whole page, header included

  explicit PageCache(size_t capacity_pages);
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // The cached page `id` (now the most recently used), or null; counts a hit or a miss.
  Page Lookup(uint64_t id);
  // Keeps the copy already cached, if any; evicts the least recently used beyond capacity.
  void Insert(uint64_t id, Page page);
  // Drops `id`: a page id rewritten by a checkpoint must not be served stale.
  void Erase(uint64_t id);
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  const size_t capacity_pages_;
  mutable absl::Mutex mu_;
  std::list<uint64_t> lru_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<uint64_t, std::pair<Page, std::list<uint64_t>::iterator>> pages_
      ABSL_GUARDED_BY(mu_);
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_PAGE_CACHE_H_
