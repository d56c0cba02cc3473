// FuseRecorder where ringkv was built without libfuse3 (meson found no `fuse3`).
#include "crash/exec/fuse_recorder.h"

namespace ringkv::crash::exec {

absl::StatusOr<std::unique_ptr<FuseRecorder>> FuseRecorder::Mount(const std::string& backing_dir,
                                                                  const std::string& mount_dir) {
  return absl::FailedPreconditionError(
      "this ringkv was built without FUSE: install libfuse3-dev and fuse3 (scripts/setup.sh "
      "does) and rebuild");
}

}  // namespace ringkv::crash::exec
