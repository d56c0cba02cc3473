#include "pagestore/page_check.h"

#include "absl/strings/str_format.h"
#include "pagestore/page_format.h"

namespace ringkv::pagestore {

absl::Status CheckPageBytes(uint64_t id, const uint8_t* page, uint32_t page_size,
                            const std::string& path) {
  const PageHeader h = DecodePageHeader(page);
  const uint64_t actual = PageChecksum(page, page_size);
  if (h.checksum != actual) {
    return absl::DataLossError(absl::StrFormat(
        "page %d of %s at offset %d fails its checksum: expected %016x, actual %016x", id, path,
        id * page_size, h.checksum, actual));
  }
  if (h.page_id != id) {
    return absl::DataLossError(absl::StrFormat("page %d of %s at offset %d says it is page %d",
                                               id, path, id * page_size, h.page_id));
  }
  return absl::OkStatus();
}

}  // namespace ringkv::pagestore
