#include "uring/completion.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace ringkv::io {

bool OpSucceeded(const Op& op, int32_t res) {
  if (res < 0) return false;
  if ((op.type == OpType::kRead || op.type == OpType::kWrite) && !op.allow_short) {
    return static_cast<uint64_t>(res) == op.len;
  }
  return true;
}

absl::Status OpStatus(const Op& op, int32_t res, std::string_view file_path) {
  if (OpSucceeded(op, res)) return absl::OkStatus();
  std::string where;
  switch (op.type) {
    case OpType::kOpenAt:
    case OpType::kUnlinkAt:
    case OpType::kMkdirAt:
      where = op.path;
      break;
    case OpType::kRenameAt:
      where = absl::StrCat(op.path, " -> ", op.path2);
      break;
    default:
      where = file_path.empty() ? absl::StrCat("file slot ", op.file.index) : std::string(file_path);
      break;
  }
  if (op.type == OpType::kRead || op.type == OpType::kWrite || op.type == OpType::kFallocate) {
    absl::StrAppend(&where, " offset ", op.offset, " (", op.len, " bytes)");
  }
  if (res >= 0) {
    // Short transfer: the kernel gave no errno. For writes this usually means the disk is full.
    return absl::DataLossError(absl::StrCat(OpTypeName(op.type), " ", where, ": short ",
                                            OpTypeName(op.type), ", ", res, " of ", op.len,
                                            " bytes transferred"));
  }
  const int err = -res;
  std::string message = absl::StrCat(OpTypeName(op.type), " ", where, ": ", std::strerror(err));
  if (err == EINVAL && (op.type == OpType::kRead || op.type == OpType::kWrite)) {
    absl::StrAppend(&message,
                    " (with O_DIRECT, buffer address, offset and length must be multiples of the"
                    " file's direct-I/O alignment; see DirectIoAlignment)");
  }
  if (err == ECANCELED) {
    absl::StrAppend(&message, " (an earlier op of its chain failed)");
  }
  return absl::Status(absl::ErrnoToStatusCode(err), message);
}

}  // namespace ringkv::io
