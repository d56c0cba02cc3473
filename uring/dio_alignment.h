// The alignment O_DIRECT demands for a file's buffers and offsets, read from
// statx(STATX_DIOALIGN) where the kernel reports it (Linux 6.1+, ext4/xfs/btrfs/block devices).
#ifndef RINGKV_URING_DIO_ALIGNMENT_H_
#define RINGKV_URING_DIO_ALIGNMENT_H_

#include <cstdint>
#include <string>

namespace ringkv::io {

struct DioAlignment {
  uint32_t memory_bytes = 4096;  // buffer address alignment
  uint32_t offset_bytes = 4096;  // file offset and length alignment
  // False when the filesystem said it cannot do direct I/O (tmpfs, for one), or did not say.
  bool supported = false;
  // True if the figures came from statx; false for the 4 KiB fallback, which is a multiple of
  // every logical block size Linux supports on common devices.
  bool from_statx = false;
};

// `path` may be a file or a directory (ask the directory before creating files in it).
DioAlignment DirectIoAlignment(const std::string& path);

// `value` rounded up to a multiple of `alignment` (a power of two).
constexpr uint64_t AlignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}
constexpr uint64_t AlignDown(uint64_t value, uint64_t alignment) {
  return value & ~(alignment - 1);
}

}  // namespace ringkv::io

#endif  // RINGKV_URING_DIO_ALIGNMENT_H_
