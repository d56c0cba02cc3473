// The outcome of a submitted Chain: one raw result per op (as an io_uring CQE would report it)
// plus the first failure turned into an absl::Status that names the op, file, offset and cause.
#ifndef RINGKV_URING_COMPLETION_H_
#define RINGKV_URING_COMPLETION_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "uring/chain.h"

namespace ringkv::io {

struct Completion {
  // Per op, in chain order: bytes transferred, a descriptor-less 0, or -errno. Ops after a
  // failure in a linked chain report -ECANCELED.
  std::vector<int32_t> results;
  // OK, or the first failing op (in chain order) described for a person.
  absl::Status status;

  bool ok() const { return status.ok(); }
};

// Why a single op failed: "write /db/wal/000001.log offset 8192 (4096 bytes): Input/output
// error". `file_path` names the file of fd-based ops (empty if unknown). Returns OK when `res`
// is a success (a short read/write counts as failure unless op.allow_short).
absl::Status OpStatus(const Op& op, int32_t res, std::string_view file_path);

// True if `res` is a successful result for `op`.
bool OpSucceeded(const Op& op, int32_t res);

}  // namespace ringkv::io

#endif  // RINGKV_URING_COMPLETION_H_
