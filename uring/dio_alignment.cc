#include "uring/dio_alignment.h"

#include <fcntl.h>
#include <linux/stat.h>
#include <sys/stat.h>

namespace ringkv::io {

DioAlignment DirectIoAlignment(const std::string& path) {
  DioAlignment a;
  struct statx stx {};
  // A metadata query, not file I/O: it reads no data and changes nothing the crash model sees.
  if (::statx(AT_FDCWD, path.c_str(), 0, STATX_DIOALIGN, &stx) == 0 &&
      (stx.stx_mask & STATX_DIOALIGN) != 0) {
    a.from_statx = true;
    a.supported = stx.stx_dio_mem_align != 0 && stx.stx_dio_offset_align != 0;
    if (a.supported) {
      a.memory_bytes = stx.stx_dio_mem_align;
      a.offset_bytes = stx.stx_dio_offset_align;
    }
    return a;
  }
  // Directories do not report DIOALIGN on every filesystem: assume 4 KiB and let the open tell.
  a.supported = true;
  return a;
}

}  // namespace ringkv::io
