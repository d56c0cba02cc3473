// PageMapping is one read-only shared mapping of the page file, reserved over the file's whole
// size limit so growth never moves it and a reader's pointer stays valid. The caller keeps the
// descriptor open while this lives and touches only pages the file holds (below a pinned count).
#ifndef RINGKV_PAGESTORE_PAGE_MAPPING_H_
#define RINGKV_PAGESTORE_PAGE_MAPPING_H_

#include <cstdint>
#include <memory>

namespace ringkv::pagestore {

class PageMapping {
 public:
  // Null if the kernel refuses the mapping (the store then reads through the ring).
  static std::unique_ptr<PageMapping> Map(int fd, uint64_t reserved_bytes, uint32_t page_size);
  ~PageMapping();
  PageMapping(const PageMapping&) = delete;
  PageMapping& operator=(const PageMapping&) = delete;

  // The first byte of page `id` (its header).
  const uint8_t* page(uint64_t id) const;
  // Whether a fault reads ahead around the faulted page (the kernel's default) or reads only
  // that page (MADV_RANDOM). Readahead pays only while what it reads stays cached until used.
  void SetReadahead(bool on) const;

 private:
  PageMapping(const uint8_t* base, uint64_t reserved_bytes, uint32_t page_size)
      : base_(base), reserved_bytes_(reserved_bytes), page_size_(page_size) {}
  const uint8_t* const base_;
  const uint64_t reserved_bytes_;
  const uint32_t page_size_;
};

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_PAGE_MAPPING_H_
