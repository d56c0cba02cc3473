#include "engine/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"

#include "absl/strings/str_cat.h"

namespace ringkv {

namespace {

// Paths this process holds: a second open here fails at once instead of waiting below.
absl::Mutex held_mu(absl::kConstInit);
std::set<std::string>& Held() {
  static std::set<std::string> held;
  return held;
}

absl::Status Locked(const std::string& path) {
  return absl::FailedPreconditionError(absl::StrCat(
      "database is locked: ", path, " is held by another process or another open DB in this "
      "process"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<LockFile>> LockFile::Acquire(io::IoBackend& io,
                                                            const std::string& path) {
  {
    absl::MutexLock lock(&held_mu);
    if (Held().count(path)) return Locked(path);
  }
  absl::StatusOr<io::FileSlot> slot = io.ReserveFile();
  if (!slot.ok()) return slot.status();
  io::Completion c = io.Run(io::Chain().OpenAtNative(slot->id(), path, O_RDWR | O_CREAT, 0644));
  if (!c.ok()) return c.status;
  absl::StatusOr<int> fd = io.NativeFd(slot->id());
  if (!fd.ok()) return fd.status();
  // flock locks belong to the open file description, so a second open of the same file in this
  // process conflicts too. A lock is not file I/O: nothing here reads or writes data.
  // A process killed a moment ago may still hold the lock: io_uring releases its registered
  // files asynchronously after the process is gone. Give that a moment before refusing.
  int rc = -1;
  int err = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    rc = ::flock(*fd, LOCK_EX | LOCK_NB);
    err = errno;
    if (rc == 0 || err != EWOULDBLOCK) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (rc != 0) {
    if (err == EWOULDBLOCK) return Locked(path);
    return absl::Status(absl::ErrnoToStatusCode(err),
                        absl::StrCat("flock ", path, ": ", std::strerror(err)));
  }
  {
    absl::MutexLock lock(&held_mu);
    Held().insert(path);
  }
  return std::unique_ptr<LockFile>(new LockFile(std::move(*slot), path));
}

LockFile::~LockFile() {
  slot_.Reset();  // closing the file drops the lock
  absl::MutexLock lock(&held_mu);
  Held().erase(path_);
}

}  // namespace ringkv
