#include "engine/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ringkv {

absl::StatusOr<std::unique_ptr<LockFile>> LockFile::Acquire(io::IoBackend& io,
                                                            const std::string& path) {
  absl::StatusOr<io::FileSlot> slot = io.ReserveFile();
  if (!slot.ok()) return slot.status();
  io::Completion c = io.Run(io::Chain().OpenAtNative(slot->id(), path, O_RDWR | O_CREAT, 0644));
  if (!c.ok()) return c.status;
  absl::StatusOr<int> fd = io.NativeFd(slot->id());
  if (!fd.ok()) return fd.status();
  // flock locks belong to the open file description, so a second open of the same file in this
  // process conflicts too. A lock is not file I/O: nothing here reads or writes data.
  if (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("database is locked: ", path,
                       " is held by another process or another open DB in this process"));
    }
    return absl::Status(absl::ErrnoToStatusCode(err),
                        absl::StrCat("flock ", path, ": ", std::strerror(err)));
  }
  return std::unique_ptr<LockFile>(new LockFile(std::move(*slot)));
}

LockFile::~LockFile() = default;  // FileSlot closes the file, which drops the lock

}  // namespace ringkv
