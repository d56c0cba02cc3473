#include "pagestore/page_mapping.h"

#include <sys/mman.h>

#include "base/check.h"

namespace ringkv::pagestore {

std::unique_ptr<PageMapping> PageMapping::Map(int fd, uint64_t reserved_bytes,
                                              uint32_t page_size) {
  RINGKV_CHECK(page_size > 0);
  // MAP_NORESERVE: the range is address space only; pages exist as the file grows.
  void* p = ::mmap(nullptr, reserved_bytes, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (p == MAP_FAILED) return nullptr;
  return std::unique_ptr<PageMapping>(
      new PageMapping(static_cast<const uint8_t*>(p), reserved_bytes, page_size));
}

void PageMapping::SetReadahead(bool on) const {
  // Advice only: a kernel that refuses it reads as before, which is slower but correct.
  ::madvise(const_cast<uint8_t*>(base_), reserved_bytes_, on ? MADV_NORMAL : MADV_RANDOM);
}

PageMapping::~PageMapping() {
  ::munmap(const_cast<uint8_t*>(base_), reserved_bytes_);
}

const uint8_t* PageMapping::page(uint64_t id) const {
  RINGKV_DCHECK((id + 1) * page_size_ <= reserved_bytes_);
  return base_ + id * page_size_;
}

}  // namespace ringkv::pagestore
