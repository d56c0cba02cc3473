// The table of file slots a backend hands out as FileIds: which slots are reserved, which are
// open, the path each was opened with (for error messages) and the ordinary descriptor behind it
// where there is one. Thread-safe; shared by every backend.
#ifndef RINGKV_URING_FILE_TABLE_H_
#define RINGKV_URING_FILE_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "uring/chain.h"

namespace ringkv::io {

class FileTable {
 public:
  explicit FileTable(uint32_t capacity);

  absl::StatusOr<FileId> Reserve();
  void Release(FileId id);

  // Recorded when an OpenAt completes; `fd` is the ordinary descriptor, or -1 if the file only
  // lives in the ring (an io_uring direct descriptor).
  void MarkOpen(FileId id, const std::string& path, int fd);
  void MarkClosed(FileId id);

  bool IsOpen(FileId id) const;
  std::string PathOf(FileId id) const;
  int FdOf(FileId id) const;  // -1 if none
  uint32_t capacity() const { return static_cast<uint32_t>(slots_.size()); }

 private:
  struct Slot {
    bool reserved = false;
    bool open = false;
    int fd = -1;
    std::string path;
  };

  mutable absl::Mutex mu_;
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  std::vector<int32_t> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_FILE_TABLE_H_
