#include "pagestore/page_format.h"

#include <xxhash.h>

namespace ringkv::pagestore {

uint64_t PageChecksum(const uint8_t* page, uint32_t page_size) {
  return XXH3_64bits(page + kPageChecksummedFrom, page_size - kPageChecksummedFrom);
}

}  // namespace ringkv::pagestore
