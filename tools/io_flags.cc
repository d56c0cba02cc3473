#include "tools/io_flags.h"

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, io, "auto",
          "I/O backend: auto (io_uring, else plain syscalls), uring, or posix");
ABSL_FLAG(bool, sqpoll, false, "io_uring: poll the submission queue from a kernel thread");
ABSL_FLAG(int, sqpoll_cpu, -1,
          "io_uring: pin the SQPOLL thread to this CPU (-1: unpinned); keep it off the CPU that "
          "takes the disk's interrupts");

namespace ringkv::tools {

absl::StatusOr<io::IoOptions> IoOptionsFromFlags() {
  io::IoOptions options;
  const std::string kind = absl::GetFlag(FLAGS_io);
  if (kind == "posix") {
    options.backend = io::BackendKind::kPosix;
  } else if (kind == "uring" || kind == "auto") {
    options.backend = io::BackendKind::kUring;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--io=", kind, " is not a backend; use auto, uring or posix"));
  }
  options.sqpoll = absl::GetFlag(FLAGS_sqpoll);
  options.sqpoll_cpu = absl::GetFlag(FLAGS_sqpoll_cpu);
  return options;
}

absl::StatusOr<std::unique_ptr<io::IoBackend>> OpenBackendFromFlags() {
  absl::StatusOr<io::IoOptions> options = IoOptionsFromFlags();
  if (!options.ok()) return options.status();
  auto backend = io::OpenBackend(*options);
  if (backend.ok() || absl::GetFlag(FLAGS_io) != "auto") return backend;
  std::fprintf(stderr, "ringkv: %s\nringkv: falling back to plain syscalls (--io=posix)\n",
               std::string(backend.status().message()).c_str());
  options->backend = io::BackendKind::kPosix;
  return io::OpenBackend(*options);
}

}  // namespace ringkv::tools
