// OpenIoBackend: the backend Options ask for, with the posix fallback of kAuto.
#include <cstdio>

#include "engine/storage_factory.h"

namespace ringkv {

absl::StatusOr<std::shared_ptr<io::IoBackend>> OpenIoBackend(const Options& o) {
  if (o.io != nullptr) return o.io;
  io::IoOptions io;
  io.backend = o.io_backend == IoBackendKind::kPosix ? io::BackendKind::kPosix
                                                     : io::BackendKind::kUring;
  io.sqpoll = o.sqpoll;
  io.sqpoll_cpu = o.sqpoll_cpu;
  absl::StatusOr<std::unique_ptr<io::IoBackend>> b = io::OpenBackend(io);
  if (!b.ok() && o.io_backend == IoBackendKind::kAuto) {
    static bool said = false;  // once per process is enough
    if (!said) {
      said = true;
      std::fprintf(stderr, "ringkv: %s\nringkv: using plain syscalls instead\n",
                   std::string(b.status().message()).c_str());
    }
    io.backend = io::BackendKind::kPosix;
    b = io::OpenBackend(io);
  }
  if (!b.ok()) return b.status();
  return std::shared_ptr<io::IoBackend>(std::move(*b));
}


}  // namespace ringkv
