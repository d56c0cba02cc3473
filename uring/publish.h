// Atomic file publication: write `dir/name.tmp`, fsync it, rename it over `dir/name`, fsync
// `dir` — one linked chain, so a crash leaves either the old file or the new one, never neither
// and never a torn one.
#ifndef RINGKV_URING_PUBLISH_H_
#define RINGKV_URING_PUBLISH_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "uring/io_backend.h"

namespace ringkv::io {

// The temporary name used while publishing `name`.
std::string PublishTempName(const std::string& name);

// On failure nothing was renamed unless the error names the directory fsync (then the new file
// may or may not survive a crash); a leftover temp file is removed on a best-effort basis.
absl::Status PublishFile(IoBackend& io, const std::string& dir, const std::string& name,
                         absl::Span<const uint8_t> contents);

// The same chain, for callers (and tests) that want to inspect or cut it: ops in order are
// openat(tmp), write..., fsync, close, renameat, openat(dir), fsync, close.
Chain BuildPublishChain(FileId slot, const std::string& dir, const std::string& name,
                        absl::Span<const uint8_t> contents);

}  // namespace ringkv::io

#endif  // RINGKV_URING_PUBLISH_H_
