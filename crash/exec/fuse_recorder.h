// FuseRecorder mounts a single-threaded FUSE filesystem at a mount point that passes every
// request through to a backing directory and records each change that took effect (creates,
// writes with their bytes, truncates, fallocates, fsync/fdatasync of files and directories,
// renames, links, unlinks, mkdir, rmdir) as RecordedOps, for `ringkv crash exec`.
// The caller guarantees both directories exist and are empty, and unmounts (Finish) only once no
// process uses the mount any more; the destructor unmounts if Finish was not called.
#ifndef RINGKV_CRASH_EXEC_FUSE_RECORDER_H_
#define RINGKV_CRASH_EXEC_FUSE_RECORDER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crash/exec/recording.h"

namespace ringkv::crash::exec {

class FuseRecorder {
 public:
  // Mounts and starts serving on a thread of its own. Fails with FailedPrecondition saying what
  // is missing (no /dev/fuse, no permission, built without libfuse3) and how to allow it.
  static absl::StatusOr<std::unique_ptr<FuseRecorder>> Mount(const std::string& backing_dir,
                                                             const std::string& mount_dir);
  virtual ~FuseRecorder() = default;

  // Records bytes the workload printed, ordered after every op that completed so far.
  // Thread-safe.
  virtual void RecordOutput(std::string_view bytes) = 0;
  // Unmounts and returns what was recorded.
  virtual absl::StatusOr<Recording> Finish() = 0;
};

}  // namespace ringkv::crash::exec

#endif  // RINGKV_CRASH_EXEC_FUSE_RECORDER_H_
