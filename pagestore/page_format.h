// The layout of a page-file page's header (docs/format.md, "Page file") and its checksum.
#ifndef RINGKV_PAGESTORE_PAGE_FORMAT_H_
#define RINGKV_PAGESTORE_PAGE_FORMAT_H_

#include <cstdint>
#include <cstring>

namespace ringkv::pagestore {

// checksum u64, page id u64, generation u64, type u8, 7 reserved bytes.
inline constexpr uint32_t kPageHeaderBytes = 32;
inline constexpr uint32_t kMinPageSize = 512;
inline constexpr uint32_t kMaxPageSize = 65536;

struct PageHeader {
  uint64_t checksum = 0;    // XXH3-64 of bytes 8 .. page_size (id and generation included)
  uint64_t page_id = 0;     // where the page belongs: a page read from elsewhere fails
  uint64_t generation = 0;  // the checkpoint that wrote it
  uint8_t type = 0;         // the owner's page kind (B+tree leaf, internal, overflow)
};

inline void EncodePageHeader(const PageHeader& h, uint8_t* page) {
  std::memcpy(page, &h.checksum, 8);
  std::memcpy(page + 8, &h.page_id, 8);
  std::memcpy(page + 16, &h.generation, 8);
  page[24] = h.type;
  std::memset(page + 25, 0, 7);
}

inline PageHeader DecodePageHeader(const uint8_t* page) {
  PageHeader h;
  std::memcpy(&h.checksum, page, 8);
  std::memcpy(&h.page_id, page + 8, 8);
  std::memcpy(&h.generation, page + 16, 8);
  h.type = page[24];
  return h;
}

// The checksum a page of `page_size` bytes should carry.
uint64_t PageChecksum(const uint8_t* page, uint32_t page_size);

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_PAGE_FORMAT_H_
