#include "pagestore/page_cache.h"

#include "base/check.h"

namespace ringkv::pagestore {

PageCache::PageCache(size_t capacity_pages) : capacity_pages_(capacity_pages) {
  RINGKV_CHECK(capacity_pages_ > 0);
}

PageCache::Page PageCache::Lookup(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = pages_.find(id);
  if (it == pages_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second.second);
  return it->second.first;
}

void PageCache::Insert(uint64_t id, Page page) {
  RINGKV_DCHECK(page != nullptr);
  absl::MutexLock lock(&mu_);
  if (pages_.find(id) != pages_.end()) return;
  lru_.push_front(id);
  pages_.emplace(id, std::make_pair(std::move(page), lru_.begin()));
  while (pages_.size() > capacity_pages_) {
    pages_.erase(lru_.back());
    lru_.pop_back();
  }
  RINGKV_DCHECK(lru_.size() == pages_.size());
}

void PageCache::Erase(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = pages_.find(id);
  if (it == pages_.end()) return;
  lru_.erase(it->second.second);
  pages_.erase(it);
}

uint64_t PageCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

uint64_t PageCache::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

}  // namespace ringkv::pagestore
