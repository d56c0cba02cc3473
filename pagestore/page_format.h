// The layout of a page-file page's header (docs/format.md, "Page file"), the page-size bounds
// and the page checksum. The page store's writer (Stage) and readers both use this file.
#ifndef RINGKV_PAGESTORE_PAGE_FORMAT_H_
#define RINGKV_PAGESTORE_PAGE_FORMAT_H_

#include <cstdint>
#include <cstring>

namespace ringkv::pagestore {

inline constexpr char kPageFileName[] = "pages.db";
// Pages carry no version of their own: the page file's format is the MANIFEST's version
// (pagestore/manifest_format.h), which describes the file.
inline constexpr uint32_t kMinPageSize = 512;
inline constexpr uint32_t kMaxPageSize = 65536;

// Header field offsets: checksum u64, page id u64, generation u64, type u8, 7 reserved bytes.
inline constexpr uint32_t kPageChecksumOffset = 0;
inline constexpr uint32_t kPageIdOffset = 8;
inline constexpr uint32_t kPageGenerationOffset = 16;
inline constexpr uint32_t kPageTypeOffset = 24;
inline constexpr uint32_t kPageReservedOffset = 25;
inline constexpr uint32_t kPageReservedBytes = 7;
inline constexpr uint32_t kPageHeaderBytes = 32;
// The checksum covers the page from here to its end (id and generation included).
inline constexpr uint32_t kPageChecksummedFrom = kPageIdOffset;

static_assert(kPageIdOffset == kPageChecksumOffset + 8);
static_assert(kPageGenerationOffset == kPageIdOffset + 8);
static_assert(kPageTypeOffset == kPageGenerationOffset + 8);
static_assert(kPageReservedOffset == kPageTypeOffset + 1);
static_assert(kPageHeaderBytes == kPageReservedOffset + kPageReservedBytes);
static_assert(kPageHeaderBytes < kMinPageSize);
static_assert((kMinPageSize & (kMinPageSize - 1)) == 0);
static_assert((kMaxPageSize & (kMaxPageSize - 1)) == 0);

// A power of two from kMinPageSize to kMaxPageSize.
constexpr bool IsValidPageSize(uint32_t page_size) {
  return page_size >= kMinPageSize && page_size <= kMaxPageSize &&
         (page_size & (page_size - 1)) == 0;
}
static_assert(IsValidPageSize(4096));
static_assert(!IsValidPageSize(kMaxPageSize + kMinPageSize));

struct PageHeader {
  uint64_t checksum = 0;    // XXH3-64 of bytes kPageChecksummedFrom .. page_size
  uint64_t page_id = 0;     // where the page belongs: a page read from elsewhere fails
  uint64_t generation = 0;  // the checkpoint that wrote it
  uint8_t type = 0;         // the owner's page kind (B+tree leaf, internal, overflow)
};

inline void EncodePageHeader(const PageHeader& h, uint8_t* page) {
  std::memcpy(page + kPageChecksumOffset, &h.checksum, 8);
  std::memcpy(page + kPageIdOffset, &h.page_id, 8);
  std::memcpy(page + kPageGenerationOffset, &h.generation, 8);
  page[kPageTypeOffset] = h.type;
  std::memset(page + kPageReservedOffset, 0, kPageReservedBytes);
}

inline PageHeader DecodePageHeader(const uint8_t* page) {
  PageHeader h;
  std::memcpy(&h.checksum, page + kPageChecksumOffset, 8);
  std::memcpy(&h.page_id, page + kPageIdOffset, 8);
  std::memcpy(&h.generation, page + kPageGenerationOffset, 8);
  h.type = page[kPageTypeOffset];
  return h;
}

// The checksum a page of `page_size` bytes should carry.
uint64_t PageChecksum(const uint8_t* page, uint32_t page_size);

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_PAGE_FORMAT_H_
