// The flags every ringkv subcommand shares to choose its I/O backend (--io, --sqpoll), and the
// backend they describe, falling back to plain syscalls with a message when io_uring is refused.
#ifndef RINGKV_TOOLS_IO_FLAGS_H_
#define RINGKV_TOOLS_IO_FLAGS_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "uring/io_backend.h"

ABSL_DECLARE_FLAG(std::string, io);
ABSL_DECLARE_FLAG(bool, sqpoll);
ABSL_DECLARE_FLAG(int, sqpoll_cpu);

namespace ringkv::tools {

// IoOptions from --io/--sqpoll; InvalidArgument for an unknown --io value.
absl::StatusOr<io::IoOptions> IoOptionsFromFlags();

// Opens the backend the flags ask for. With --io=auto (the default), an io_uring that cannot be
// set up falls back to posix and says so on stderr; with --io=uring it is an error.
absl::StatusOr<std::unique_ptr<io::IoBackend>> OpenBackendFromFlags();

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_IO_FLAGS_H_
