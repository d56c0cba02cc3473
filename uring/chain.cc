#include "uring/chain.h"

#include <fcntl.h>

#include <utility>

#include "base/check.h"

namespace ringkv::io {

const char* OpTypeName(OpType type) {
  switch (type) {
    case OpType::kOpenAt: return "openat";
    case OpType::kRead: return "read";
    case OpType::kWrite: return "write";
    case OpType::kFsync: return "fsync";
    case OpType::kFdatasync: return "fdatasync";
    case OpType::kFallocate: return "fallocate";
    case OpType::kClose: return "close";
    case OpType::kRenameAt: return "renameat";
    case OpType::kUnlinkAt: return "unlinkat";
    case OpType::kMkdirAt: return "mkdirat";
    case OpType::kNop: return "nop";
  }
  return "unknown";
}

Op& Chain::Add(OpType type, FileId file) {
  Op& op = ops_.emplace_back();
  op.type = type;
  op.file = file;
  return op;
}

Chain& Chain::OpenAt(FileId file, std::string path, int flags, uint32_t mode) {
  RINGKV_CHECK(file.valid());
  Op& op = Add(OpType::kOpenAt, file);
  op.path = std::move(path);
  op.flags = flags | O_CLOEXEC;
  op.mode = mode;
  return *this;
}

Chain& Chain::OpenAtNative(FileId file, std::string path, int flags, uint32_t mode) {
  OpenAt(file, std::move(path), flags, mode);
  ops_.back().native_fd = true;
  return *this;
}

Chain& Chain::Read(FileId file, void* buf, uint64_t len, uint64_t offset, int buf_index) {
  RINGKV_CHECK(file.valid());
  Op& op = Add(OpType::kRead, file);
  op.buf = buf;
  op.len = len;
  op.offset = offset;
  op.buf_index = buf_index;
  return *this;
}

Chain& Chain::ReadUpTo(FileId file, void* buf, uint64_t len, uint64_t offset, int buf_index) {
  Read(file, buf, len, offset, buf_index);
  ops_.back().allow_short = true;
  return *this;
}

Chain& Chain::Write(FileId file, const void* buf, uint64_t len, uint64_t offset, int buf_index) {
  RINGKV_CHECK(file.valid());
  Op& op = Add(OpType::kWrite, file);
  op.buf = const_cast<void*>(buf);
  op.len = len;
  op.offset = offset;
  op.buf_index = buf_index;
  return *this;
}

Chain& Chain::Fsync(FileId file) {
  RINGKV_CHECK(file.valid());
  Add(OpType::kFsync, file);
  return *this;
}

Chain& Chain::Fdatasync(FileId file) {
  RINGKV_CHECK(file.valid());
  Add(OpType::kFdatasync, file);
  return *this;
}

Chain& Chain::Fallocate(FileId file, uint32_t mode, uint64_t offset, uint64_t len) {
  RINGKV_CHECK(file.valid());
  Op& op = Add(OpType::kFallocate, file);
  op.mode = mode;
  op.offset = offset;
  op.len = len;
  return *this;
}

Chain& Chain::Close(FileId file) {
  RINGKV_CHECK(file.valid());
  Add(OpType::kClose, file);
  return *this;
}

Chain& Chain::RenameAt(std::string old_path, std::string new_path) {
  Op& op = Add(OpType::kRenameAt, FileId{});
  op.path = std::move(old_path);
  op.path2 = std::move(new_path);
  return *this;
}

Chain& Chain::UnlinkAt(std::string path, int flags) {
  Op& op = Add(OpType::kUnlinkAt, FileId{});
  op.path = std::move(path);
  op.flags = flags;
  return *this;
}

Chain& Chain::MkdirAt(std::string path, uint32_t mode) {
  Op& op = Add(OpType::kMkdirAt, FileId{});
  op.path = std::move(path);
  op.mode = mode;
  return *this;
}

Chain& Chain::Nop() {
  Add(OpType::kNop, FileId{});
  return *this;
}

Chain& Chain::FsyncDir(FileId scratch, std::string dir_path) {
  OpenAt(scratch, std::move(dir_path), O_RDONLY | O_DIRECTORY);
  Fsync(scratch);
  Close(scratch);
  return *this;
}

}  // namespace ringkv::io
