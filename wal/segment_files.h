// SegmentFiles knows the names and life cycle of WAL segment files in one directory: listing
// them, creating a segment durably (zero-filled, header written, fsynced, then renamed into
// place and the directory fsynced), recycling retired segments, and opening them for writing.
#ifndef RINGKV_WAL_SEGMENT_FILES_H_
#define RINGKV_WAL_SEGMENT_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "uring/io_backend.h"

namespace ringkv::wal {

class SegmentFiles {
 public:
  // The segment size of the segments already in `dir` (from the first one's header), or 0 if
  // there are none: an existing log keeps its own size whatever the options say.
  static absl::StatusOr<uint64_t> ExistingSegmentBytes(io::IoBackend& io, const std::string& dir);

  SegmentFiles(io::IoBackend& io, std::string dir, uint64_t segment_bytes);

  const std::string& dir() const { return dir_; }
  uint64_t segment_bytes() const { return segment_bytes_; }
  std::string PathOf(uint64_t number) const;

  // Creates the directory if needed (and makes its entry durable).
  absl::Status EnsureDir();
  // Segment numbers present, ascending, and retired files kept for recycling.
  absl::Status List(std::vector<uint64_t>* segments, std::vector<std::string>* retired) const;
  // Makes segment `number` exist durably, from a retired file if there is one, else new and
  // zero-filled (so an O_DSYNC write into it needs no metadata journaling).
  absl::Status Create(uint64_t number);
  // Retires a segment no longer needed: kept for recycling (up to two), else removed.
  absl::Status Retire(uint64_t number);
  // Removes the retired files kept for recycling (a closed log needs no spares; if a crash
  // undoes the removal, they are spares again).
  absl::Status RemoveRetired();
  // Opens a segment for appends: O_DIRECT|O_DSYNC, or O_DSYNC alone where the filesystem
  // refuses O_DIRECT (said once on stderr). `*direct` tells which.
  absl::StatusOr<io::FileSlot> OpenForWrite(uint64_t number, bool* direct);

 private:
  absl::Status FsyncDir();
  // Fills retired_ from the directory the first time it is needed.
  absl::Status ListRetiredOnceLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteZeroedFile(const std::string& path, uint64_t number);

  io::IoBackend& io_;
  const std::string dir_;
  const uint64_t segment_bytes_;
  absl::Mutex mu_;  // serializes creation, retirement and the retired list
  std::vector<std::string> retired_ ABSL_GUARDED_BY(mu_);
  bool listed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ringkv::wal

#endif  // RINGKV_WAL_SEGMENT_FILES_H_
