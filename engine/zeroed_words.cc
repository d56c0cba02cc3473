#include "engine/zeroed_words.h"

#include <sys/mman.h>

#include "base/check.h"

namespace ringkv {

ZeroedWords::ZeroedWords(size_t count) : count_(count) {
  const size_t bytes = count * sizeof(uint64_t);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  RINGKV_CHECK(p != MAP_FAILED);  // out of address space: as fatal as a failed new
  // Random slots over megabytes: with 4 KiB pages nearly every probe is also a TLB miss.
  // Transparent huge pages where the kernel allows them (a hint; failure changes nothing).
  ::madvise(p, bytes, MADV_HUGEPAGE);
  words_ = static_cast<uint64_t*>(p);
}

ZeroedWords::~ZeroedWords() { ::munmap(words_, count_ * sizeof(uint64_t)); }

}  // namespace ringkv
