// A Chain is an ordered list of file operations submitted together, shaped like an io_uring
// linked SQE chain: with linking on (the default) each op starts only after the previous one
// succeeded, and a failure cancels every later op with -ECANCELED.
#ifndef RINGKV_URING_CHAIN_H_
#define RINGKV_URING_CHAIN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::io {

// A slot in a backend's file table. Ops name files by slot so that an OpenAt early in a chain
// can feed later ops of the same chain (io_uring direct descriptors). Obtain one with
// IoBackend::ReserveFile(); FileId is a borrowed name, the FileSlot that reserved it owns it.
struct FileId {
  int32_t index = -1;
  bool valid() const { return index >= 0; }
  friend bool operator==(FileId a, FileId b) { return a.index == b.index; }
};

enum class OpType : uint8_t {
  kOpenAt,
  kRead,
  kWrite,
  kFsync,
  kFdatasync,
  kFallocate,
  kClose,
  kRenameAt,
  kUnlinkAt,
  kMkdirAt,
  kNop,  // does nothing; completes with 0 (tests, and wrappers that must complete a chain)
};

const char* OpTypeName(OpType type);

// One operation. Paths are absolute or relative to the process's working directory.
// Buffers are borrowed: the caller keeps them alive and unchanged until the chain completes.
struct Op {
  OpType type = OpType::kFsync;
  FileId file;          // target of read/write/fsync/fallocate/close; the slot OpenAt fills
  std::string path;     // OpenAt, UnlinkAt, MkdirAt, RenameAt (old name)
  std::string path2;    // RenameAt (new name)
  int flags = 0;        // open(2) flags; AT_REMOVEDIR for UnlinkAt
  uint32_t mode = 0;    // open/mkdir mode bits; fallocate(2) mode
  void* buf = nullptr;  // read destination / write source
  uint64_t len = 0;     // bytes to read or write; fallocate length
  uint64_t offset = 0;  // file offset of read/write/fallocate
  int buf_index = -1;   // registered-buffer index (READ_FIXED/WRITE_FIXED); -1 for plain
  // A read that reaches end of file returns fewer bytes; by default that is an error. Set for
  // reads that may legitimately end early. io_uring breaks a link on any short read, so such a
  // read must be the last op of a linked chain (or sit in an unlinked one).
  bool allow_short = false;
  // OpenAt only: the file also gets an ordinary descriptor (IoBackend::NativeFd) so it can be
  // mmap'd. On io_uring such an open cannot feed later ops of its own chain, so it must be the
  // last op of its chain.
  bool native_fd = false;
};

// Builder for a chain. Methods append one op and return *this so chains read top to bottom:
//   Chain c; c.OpenAt(f, tmp, O_WRONLY|O_CREAT|O_TRUNC, 0644).Write(f, buf, n, 0).Fsync(f)...
class Chain {
 public:
  Chain() = default;

  Chain& OpenAt(FileId file, std::string path, int flags, uint32_t mode = 0644);
  Chain& OpenAtNative(FileId file, std::string path, int flags, uint32_t mode = 0644);
  Chain& Read(FileId file, void* buf, uint64_t len, uint64_t offset, int buf_index = -1);
  // A read that may return fewer bytes at end of file: last op of a linked chain only.
  Chain& ReadUpTo(FileId file, void* buf, uint64_t len, uint64_t offset, int buf_index = -1);
  Chain& Write(FileId file, const void* buf, uint64_t len, uint64_t offset, int buf_index = -1);
  Chain& Fsync(FileId file);
  Chain& Fdatasync(FileId file);
  Chain& Fallocate(FileId file, uint32_t mode, uint64_t offset, uint64_t len);
  Chain& Close(FileId file);
  Chain& RenameAt(std::string old_path, std::string new_path);
  Chain& UnlinkAt(std::string path, int flags = 0);
  Chain& MkdirAt(std::string path, uint32_t mode = 0755);
  Chain& Nop();
  // Makes the directory entries of `dir_path` durable: open it read-only into `scratch`, fsync,
  // close. Three ops; `scratch` must be a reserved slot that is not open.
  Chain& FsyncDir(FileId scratch, std::string dir_path);

  // Linked (default): ops run in order and a failure cancels the rest. Unlinked: the ops are
  // independent and may run concurrently (a batch of page writes); the chain completes when all
  // have completed.
  Chain& set_linked(bool linked) {
    linked_ = linked;
    return *this;
  }
  bool linked() const { return linked_; }

  const std::vector<Op>& ops() const { return ops_; }
  std::vector<Op>& mutable_ops() { return ops_; }
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

 private:
  Op& Add(OpType type, FileId file);

  std::vector<Op> ops_;
  bool linked_ = true;
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_CHAIN_H_
