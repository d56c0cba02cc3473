// LockFile holds the exclusive lock (flock) on a database's LOCK file for as long as it lives,
// so a second opener — in this process or another — fails with an error naming the file.
#ifndef RINGKV_ENGINE_LOCK_FILE_H_
#define RINGKV_ENGINE_LOCK_FILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "uring/io_backend.h"

namespace ringkv {

class LockFile {
 public:
  // Creates `path` if needed (through `io`) and takes the lock without waiting.
  static absl::StatusOr<std::unique_ptr<LockFile>> Acquire(io::IoBackend& io, const std::string& path);
  ~LockFile();  // unlocks by closing the file
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  LockFile(io::FileSlot slot, std::string path) : slot_(std::move(slot)), path_(std::move(path)) {}
  io::FileSlot slot_;
  std::string path_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_LOCK_FILE_H_
