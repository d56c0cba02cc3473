// The checks every page of the page file passes before any of its bytes are used: its checksum
// and the page id it names (a page read from the wrong offset fails). One function, shared by
// the page store's read paths and by the offline checker and salvage.
#ifndef RINGKV_PAGESTORE_PAGE_CHECK_H_
#define RINGKV_PAGESTORE_PAGE_CHECK_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace ringkv::pagestore {

// OK, or DataLoss naming `path`, the page, its offset and the expected and actual checksum (or
// the id the page claims). `page` holds `page_size` bytes.
absl::Status CheckPageBytes(uint64_t id, const uint8_t* page, uint32_t page_size,
                            const std::string& path);

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_PAGE_CHECK_H_
