// The libfuse3 (high-level API) implementation of FuseRecorder. Every request runs on the one
// FUSE thread (fuse_loop, not fuse_loop_mt), so the recorded order is the order the requests
// were served; the event counter is shared with RecordOutput under one mutex.
#define FUSE_USE_VERSION 31
#include "crash/exec/fuse_recorder.h"

#include <dirent.h>
#include <fcntl.h>
#include <fuse.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/check.h"

namespace ringkv::crash::exec {
namespace {

using io::OpType;
using io::RecordedOp;

// One file the workload has open.
struct OpenFile {
  int fd = -1;          // on the backing file
  uint64_t inode = 0;   // the recorder's numbering, stable across renames
  std::string path;     // as the workload knows it now (FUSE path, "/..."), for explanations
  bool dsync = false;   // opened O_SYNC or O_DSYNC: each write is durable when it returns
  bool append = false;  // O_APPEND: each write goes to the end, whatever the offset
};

class FuseRecorderImpl final : public FuseRecorder {
 public:
  FuseRecorderImpl(std::string backing, std::string mount)
      : backing_(std::move(backing)), mount_(std::move(mount)) {}
  ~FuseRecorderImpl() override { (void)Finish(); }

  absl::Status Start();
  void RecordOutput(std::string_view bytes) override;
  absl::StatusOr<Recording> Finish() override;

  // The FUSE callbacks (see Operations()); each returns 0 or -errno.
  int GetAttr(const char* path, struct stat* st, fuse_file_info* fi);
  int Access(const char* path, int mask);
  int Create(const char* path, mode_t mode, fuse_file_info* fi);
  int Open(const char* path, fuse_file_info* fi);
  int Read(char* buf, size_t size, off_t offset, fuse_file_info* fi);
  int Write(const char* buf, size_t size, off_t offset, fuse_file_info* fi);
  int Truncate(const char* path, off_t size, fuse_file_info* fi);
  int Fallocate(int mode, off_t offset, off_t len, fuse_file_info* fi);
  int Fsync(int datasync, fuse_file_info* fi);
  int Release(fuse_file_info* fi);
  int Mknod(const char* path, mode_t mode, dev_t dev);
  int Mkdir(const char* path, mode_t mode);
  int RemoveName(const char* path, bool directory);  // unlink, or rmdir
  int Rename(const char* from, const char* to, unsigned int flags);
  int Link(const char* from, const char* to);
  int Refuse(const std::string& what, int err);
  int OpenDir(const char* path, fuse_file_info* fi);
  int ReadDir(void* buf, fuse_fill_dir_t filler, fuse_file_info* fi);
  int ReleaseDir(fuse_file_info* fi);
  int FsyncDir(fuse_file_info* fi);
  int Chmod(const char* path, mode_t mode, fuse_file_info* fi);
  int Chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi);
  int Utimens(const char* path, const struct timespec tv[2], fuse_file_info* fi);
  int StatFs(const char* path, struct statvfs* st);

 private:
  // Requests on an open file that was unlinked come without a path (nullpath_ok): the callbacks
  // that can get one use the file handle first.
  std::string Backing(const char* path) const { return backing_ + (path == nullptr ? "/" : path); }
  std::string Recorded(const std::string& path) const {
    return path == "/" ? mount_ : mount_ + path;
  }
  // Starts an op: its submission event.
  uint64_t Begin() {
    absl::MutexLock lock(&mu_);
    return ++events_;
  }
  // Logs an op that took effect, completing now.
  void Log(RecordedOp op, uint64_t submit_event) {
    absl::MutexLock lock(&mu_);
    op.chain = ++chains_;
    op.index = 0;
    op.linked = true;
    op.submit_event = submit_event;
    op.complete_event = ++events_;
    ops_.push_back(std::move(op));
  }
  OpenFile* File(fuse_file_info* fi) {
    auto it = files_.find(fi->fh);
    return it == files_.end() ? nullptr : &it->second;
  }
  int OpenBacking(const char* path, int flags, mode_t mode, bool created, fuse_file_info* fi);
  void MoveNames(const std::string& from, const std::string& to);

  const std::string backing_;
  const std::string mount_;
  struct fuse* fuse_ = nullptr;
  std::thread loop_;
  bool finished_ = false;

  // Touched only on the FUSE thread.
  std::map<uint64_t, OpenFile> files_;
  struct OpenDirectory {
    DIR* dir;
    std::string path;  // as opened; a directory renamed while open keeps its old name here
  };
  std::map<uint64_t, OpenDirectory> dirs_;
  std::map<std::string, uint64_t> names_;  // FUSE path -> inode, regular files only
  uint64_t next_fh_ = 1;
  uint64_t next_inode_ = 1;
  std::vector<std::string> refused_;

  absl::Mutex mu_;
  uint64_t events_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t chains_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<RecordedOp> ops_ ABSL_GUARDED_BY(mu_);
  std::vector<OutputChunk> output_ ABSL_GUARDED_BY(mu_);
};

FuseRecorderImpl* Self() {
  return static_cast<FuseRecorderImpl*>(fuse_get_context()->private_data);
}

int Errno() { return -errno; }

int FuseRecorderImpl::GetAttr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (fi != nullptr && File(fi) != nullptr) return ::fstat(File(fi)->fd, st) == 0 ? 0 : Errno();
  return ::lstat(Backing(path).c_str(), st) == 0 ? 0 : Errno();
}

int FuseRecorderImpl::Access(const char* path, int mask) {
  return ::access(Backing(path).c_str(), mask) == 0 ? 0 : Errno();
}

int FuseRecorderImpl::OpenBacking(const char* path, int flags, mode_t mode, bool created,
                                  fuse_file_info* fi) {
  const uint64_t submit = Begin();
  // The backing directory is scratch: its own durability and alignment rules do not matter,
  // the model decides what a crash keeps. So no O_DIRECT (tmpfs refuses it), no O_SYNC, and
  // appends are placed by Write.
  const int backing_flags =
      (flags & ~(O_DIRECT | O_SYNC | O_DSYNC | O_APPEND | O_NOCTTY)) | O_CLOEXEC;
  const int fd = ::open(Backing(path).c_str(), backing_flags, mode);
  if (fd < 0) return Errno();
  OpenFile f;
  f.fd = fd;
  f.path = path;
  f.dsync = (flags & O_DSYNC) != 0;  // O_SYNC includes the O_DSYNC bit on Linux
  f.append = (flags & O_APPEND) != 0;
  auto it = names_.find(path);
  if (created || it == names_.end()) {
    f.inode = next_inode_++;
    names_[path] = f.inode;
  } else {
    f.inode = it->second;
  }
  const bool truncated = (flags & O_TRUNC) != 0 && !created;
  if (created || truncated) {
    RecordedOp op;
    op.type = OpType::kOpenAt;
    op.inode = f.inode;
    op.path = Recorded(path);
    op.created = created;
    op.truncated = truncated;
    Log(std::move(op), submit);
  }
  fi->fh = next_fh_++;
  // direct_io: every write reaches Write (no page cache in between), and a writable MAP_SHARED
  // mapping, whose stores FUSE would never show us, fails with ENODEV instead.
  fi->direct_io = 1;
  files_[fi->fh] = std::move(f);
  return 0;
}

int FuseRecorderImpl::Create(const char* path, mode_t mode, fuse_file_info* fi) {
  struct stat st;
  const bool existed = ::lstat(Backing(path).c_str(), &st) == 0;
  return OpenBacking(path, fi->flags | O_CREAT, mode, !existed, fi);
}

int FuseRecorderImpl::Open(const char* path, fuse_file_info* fi) {
  return OpenBacking(path, fi->flags & ~O_CREAT, 0, false, fi);
}

int FuseRecorderImpl::Read(char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  OpenFile* f = File(fi);
  if (f == nullptr) return -EBADF;
  const ssize_t n = ::pread(f->fd, buf, size, offset);
  return n < 0 ? Errno() : static_cast<int>(n);
}

int FuseRecorderImpl::Write(const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  OpenFile* f = File(fi);
  if (f == nullptr) return -EBADF;
  const uint64_t submit = Begin();
  if (f->append) {
    struct stat st;
    if (::fstat(f->fd, &st) != 0) return Errno();
    offset = st.st_size;
  }
  const ssize_t n = ::pwrite(f->fd, buf, size, offset);
  if (n < 0) return Errno();
  RecordedOp op;
  op.type = OpType::kWrite;
  op.inode = f->inode;
  op.path = Recorded(f->path);
  op.offset = static_cast<uint64_t>(offset);
  op.data.assign(buf, static_cast<size_t>(n));
  op.len = op.data.size();
  op.dsync = f->dsync;
  Log(std::move(op), submit);
  return static_cast<int>(n);
}

int FuseRecorderImpl::Truncate(const char* path, off_t size, fuse_file_info* fi) {
  const uint64_t submit = Begin();
  OpenFile* f = fi != nullptr ? File(fi) : nullptr;
  RecordedOp op;
  op.type = OpType::kFallocate;
  op.sets_size = true;
  op.offset = static_cast<uint64_t>(size);
  if (f != nullptr) {
    if (::ftruncate(f->fd, size) != 0) return Errno();
    op.inode = f->inode;
    op.path = Recorded(f->path);
  } else {
    if (::truncate(Backing(path).c_str(), size) != 0) return Errno();
    auto it = names_.find(path);
    if (it == names_.end()) return 0;  // a directory or special file: nothing to model
    op.inode = it->second;
    op.path = Recorded(path);
  }
  Log(std::move(op), submit);
  return 0;
}

int FuseRecorderImpl::Fallocate(int mode, off_t offset, off_t len, fuse_file_info* fi) {
  OpenFile* f = File(fi);
  if (f == nullptr) return -EBADF;
  if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE &&
      mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
    return Refuse(absl::StrCat("fallocate mode ", mode, " on ", f->path,
                               " (only 0, FALLOC_FL_KEEP_SIZE and PUNCH_HOLE with it are "
                               "modelled)"),
                  EOPNOTSUPP);
  }
  const uint64_t submit = Begin();
  if (::fallocate(f->fd, mode, offset, len) != 0) return Errno();
  RecordedOp op;
  op.type = OpType::kFallocate;
  op.inode = f->inode;
  op.path = Recorded(f->path);
  op.offset = static_cast<uint64_t>(offset);
  op.len = static_cast<uint64_t>(len);
  op.mode = static_cast<uint32_t>(mode);
  Log(std::move(op), submit);
  return 0;
}

int FuseRecorderImpl::Fsync(int datasync, fuse_file_info* fi) {
  OpenFile* f = File(fi);
  if (f == nullptr) return -EBADF;
  // Not passed on: the backing directory is scratch, and the model alone decides what an fsync
  // made durable.
  RecordedOp op;
  op.type = datasync ? OpType::kFdatasync : OpType::kFsync;
  op.inode = f->inode;
  op.path = Recorded(f->path);
  Log(std::move(op), Begin());
  return 0;
}

int FuseRecorderImpl::Release(fuse_file_info* fi) {
  OpenFile* f = File(fi);
  if (f == nullptr) return 0;
  ::close(f->fd);
  files_.erase(fi->fh);
  return 0;
}

int FuseRecorderImpl::Mknod(const char* path, mode_t mode, dev_t dev) {
  if (!S_ISREG(mode)) return Refuse(absl::StrCat("mknod of a special file ", path), EPERM);
  fuse_file_info fi = {};
  fi.flags = O_WRONLY | O_CREAT | O_EXCL;
  const int r = Create(path, mode, &fi);
  if (r == 0) Release(&fi);
  return r;
}

int FuseRecorderImpl::Mkdir(const char* path, mode_t mode) {
  const uint64_t submit = Begin();
  if (::mkdir(Backing(path).c_str(), mode) != 0) return Errno();
  RecordedOp op;
  op.type = OpType::kMkdirAt;
  op.path = Recorded(path);
  op.directory = true;
  Log(std::move(op), submit);
  return 0;
}

int FuseRecorderImpl::RemoveName(const char* path, bool directory) {
  const uint64_t submit = Begin();
  if ((directory ? ::rmdir(Backing(path).c_str()) : ::unlink(Backing(path).c_str())) != 0) {
    return Errno();
  }
  RecordedOp op;
  op.type = OpType::kUnlinkAt;
  op.path = Recorded(path);
  op.directory = directory;
  auto it = directory ? names_.end() : names_.find(path);
  if (it != names_.end()) {
    op.inode = it->second;
    names_.erase(it);
  }
  Log(std::move(op), submit);
  return 0;
}

void FuseRecorderImpl::MoveNames(const std::string& from, const std::string& to) {
  std::map<std::string, uint64_t> names;
  const std::string prefix = from + "/";
  for (const auto& [path, inode] : names_) {
    if (path == from) {
      names[to] = inode;
    } else if (path.compare(0, prefix.size(), prefix) == 0) {
      names[to + path.substr(from.size())] = inode;
    } else if (path != to) {
      names[path] = inode;
    }
  }
  names_ = std::move(names);
  for (auto& [fh, f] : files_) {
    if (f.path == from) {
      f.path = to;
    } else if (f.path.compare(0, prefix.size(), prefix) == 0) {
      f.path = to + f.path.substr(from.size());
    }
  }
}

int FuseRecorderImpl::Rename(const char* from, const char* to, unsigned int flags) {
  if ((flags & RENAME_EXCHANGE) != 0) {
    return Refuse(absl::StrCat("rename with RENAME_EXCHANGE of ", from, " and ", to), EINVAL);
  }
  const uint64_t submit = Begin();
  if (::renameat2(AT_FDCWD, Backing(from).c_str(), AT_FDCWD, Backing(to).c_str(), flags) != 0) {
    return Errno();
  }
  RecordedOp op;
  op.type = OpType::kRenameAt;
  op.path = Recorded(from);
  op.path2 = Recorded(to);
  auto it = names_.find(from);
  if (it != names_.end()) op.inode = it->second;
  MoveNames(from, to);
  Log(std::move(op), submit);
  return 0;
}

int FuseRecorderImpl::Link(const char* from, const char* to) {
  const uint64_t submit = Begin();
  if (::link(Backing(from).c_str(), Backing(to).c_str()) != 0) return Errno();
  RecordedOp op;
  op.type = OpType::kRenameAt;
  op.adds_name = true;
  op.path = Recorded(from);
  op.path2 = Recorded(to);
  auto it = names_.find(from);
  if (it != names_.end()) {
    op.inode = it->second;
    names_[to] = it->second;
  }
  Log(std::move(op), submit);
  return 0;
}

int FuseRecorderImpl::Refuse(const std::string& what, int err) {
  refused_.push_back(what);
  return -err;
}

int FuseRecorderImpl::OpenDir(const char* path, fuse_file_info* fi) {
  DIR* d = ::opendir(Backing(path).c_str());
  if (d == nullptr) return Errno();
  fi->fh = next_fh_++;
  dirs_[fi->fh] = {d, path};
  return 0;
}

int FuseRecorderImpl::ReadDir(void* buf, fuse_fill_dir_t filler, fuse_file_info* fi) {
  auto it = dirs_.find(fi->fh);
  if (it == dirs_.end()) return -EBADF;
  DIR* d = it->second.dir;
  ::rewinddir(d);
  while (struct dirent* e = ::readdir(d)) {
    if (filler(buf, e->d_name, nullptr, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  return 0;
}

int FuseRecorderImpl::ReleaseDir(fuse_file_info* fi) {
  auto it = dirs_.find(fi->fh);
  if (it == dirs_.end()) return 0;
  ::closedir(it->second.dir);
  dirs_.erase(it);
  return 0;
}

int FuseRecorderImpl::FsyncDir(fuse_file_info* fi) {
  auto it = dirs_.find(fi->fh);
  if (it == dirs_.end()) return -EBADF;
  RecordedOp op;
  op.type = OpType::kFsync;
  op.path = Recorded(it->second.path);
  op.directory = true;
  Log(std::move(op), Begin());
  return 0;
}

int FuseRecorderImpl::Chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  OpenFile* f = fi != nullptr ? File(fi) : nullptr;
  if (f != nullptr) return ::fchmod(f->fd, mode) == 0 ? 0 : Errno();
  return ::chmod(Backing(path).c_str(), mode) == 0 ? 0 : Errno();
}

int FuseRecorderImpl::Chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  OpenFile* f = fi != nullptr ? File(fi) : nullptr;
  if (f != nullptr) return ::fchown(f->fd, uid, gid) == 0 ? 0 : Errno();
  return ::lchown(Backing(path).c_str(), uid, gid) == 0 ? 0 : Errno();
}

int FuseRecorderImpl::Utimens(const char* path, const struct timespec tv[2], fuse_file_info* fi) {
  OpenFile* f = fi != nullptr ? File(fi) : nullptr;
  if (f != nullptr) return ::futimens(f->fd, tv) == 0 ? 0 : Errno();
  return ::utimensat(AT_FDCWD, Backing(path).c_str(), tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : Errno();
}

int FuseRecorderImpl::StatFs(const char* path, struct statvfs* st) {
  return ::statvfs(Backing(path).c_str(), st) == 0 ? 0 : Errno();
}

const fuse_operations& Operations() {
  static const fuse_operations ops = [] {
    fuse_operations o = {};
    o.init = [](fuse_conn_info* conn, fuse_config* cfg) -> void* {
      // Ask the filesystem every time: sizes and names change only through it, but a cached
      // answer would hide requests (and so ops) from the recording.
      cfg->entry_timeout = 0;
      cfg->attr_timeout = 0;
      cfg->negative_timeout = 0;
      cfg->direct_io = 1;
      cfg->kernel_cache = 0;
      // Unlink an open file for real rather than renaming it to .fuse_hidden*; requests on it
      // then come without a path, which the callbacks that take a file handle do not need.
      cfg->hard_remove = 1;
      cfg->nullpath_ok = 1;
      return fuse_get_context()->private_data;
    };
    o.getattr = [](const char* p, struct stat* st, fuse_file_info* fi) { return Self()->GetAttr(p, st, fi); };
    o.access = [](const char* p, int mask) { return Self()->Access(p, mask); };
    o.create = [](const char* p, mode_t m, fuse_file_info* fi) { return Self()->Create(p, m, fi); };
    o.open = [](const char* p, fuse_file_info* fi) { return Self()->Open(p, fi); };
    o.read = [](const char*, char* b, size_t n, off_t off, fuse_file_info* fi) { return Self()->Read(b, n, off, fi); };
    o.write = [](const char*, const char* b, size_t n, off_t off, fuse_file_info* fi) {
      return Self()->Write(b, n, off, fi);
    };
    o.truncate = [](const char* p, off_t size, fuse_file_info* fi) { return Self()->Truncate(p, size, fi); };
    o.fallocate = [](const char*, int mode, off_t off, off_t len, fuse_file_info* fi) {
      return Self()->Fallocate(mode, off, len, fi);
    };
    o.fsync = [](const char*, int datasync, fuse_file_info* fi) { return Self()->Fsync(datasync, fi); };
    o.flush = [](const char*, fuse_file_info*) { return 0; };
    o.release = [](const char*, fuse_file_info* fi) { return Self()->Release(fi); };
    o.mknod = [](const char* p, mode_t m, dev_t d) { return Self()->Mknod(p, m, d); };
    o.mkdir = [](const char* p, mode_t m) { return Self()->Mkdir(p, m); };
    o.unlink = [](const char* p) { return Self()->RemoveName(p, false); };
    o.rmdir = [](const char* p) { return Self()->RemoveName(p, true); };
    o.rename = [](const char* a, const char* b, unsigned int flags) { return Self()->Rename(a, b, flags); };
    o.link = [](const char* a, const char* b) { return Self()->Link(a, b); };
    o.symlink = [](const char* target, const char* p) {
      return Self()->Refuse(absl::StrCat("symlink ", p, " -> ", target), EPERM);
    };
    o.opendir = [](const char* p, fuse_file_info* fi) { return Self()->OpenDir(p, fi); };
    o.readdir = [](const char*, void* buf, fuse_fill_dir_t filler, off_t, fuse_file_info* fi,
                   fuse_readdir_flags) { return Self()->ReadDir(buf, filler, fi); };
    o.releasedir = [](const char*, fuse_file_info* fi) { return Self()->ReleaseDir(fi); };
    o.fsyncdir = [](const char*, int, fuse_file_info* fi) { return Self()->FsyncDir(fi); };
    o.chmod = [](const char* p, mode_t m, fuse_file_info* fi) { return Self()->Chmod(p, m, fi); };
    o.chown = [](const char* p, uid_t u, gid_t g, fuse_file_info* fi) { return Self()->Chown(p, u, g, fi); };
    o.utimens = [](const char* p, const struct timespec tv[2], fuse_file_info* fi) {
      return Self()->Utimens(p, tv, fi);
    };
    o.statfs = [](const char* p, struct statvfs* st) { return Self()->StatFs(p, st); };
    return o;
  }();
  return ops;
}

absl::Status FuseDeviceUsable() {
  if (::access("/dev/fuse", F_OK) != 0) {
    return absl::FailedPreconditionError(
        "FUSE is not available: there is no /dev/fuse. Load the module (modprobe fuse); in a "
        "container, start it with --device /dev/fuse --cap-add SYS_ADMIN (docker, podman)");
  }
  if (::access("/dev/fuse", R_OK | W_OK) != 0 && ::access("/usr/bin/fusermount3", X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "FUSE is not usable: /dev/fuse: ", std::strerror(errno),
        ", and fusermount3 (Debian package fuse3) is not installed to mount as this user"));
  }
  return absl::OkStatus();
}

absl::Status FuseRecorderImpl::Start() {
  absl::Status usable = FuseDeviceUsable();
  if (!usable.ok()) return usable;
  // -s is implied by fuse_loop (one thread); no other options: init() sets the config.
  const char* argv[] = {"ringkv-crash-exec", nullptr};
  fuse_args args = FUSE_ARGS_INIT(1, const_cast<char**>(argv));
  fuse_ = fuse_new(&args, &Operations(), sizeof(fuse_operations), this);
  fuse_opt_free_args(&args);
  if (fuse_ == nullptr) return absl::InternalError("fuse_new failed (libfuse3 printed why above)");
  if (fuse_mount(fuse_, mount_.c_str()) != 0) {
    fuse_destroy(fuse_);
    fuse_ = nullptr;
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot mount FUSE at ", mount_,
        " (libfuse3 printed why above): as root this needs CAP_SYS_ADMIN (in a container: "
        "--device /dev/fuse --cap-add SYS_ADMIN); as another user, fusermount3 from Debian's "
        "fuse3 package"));
  }
  loop_ = std::thread([this] { fuse_loop(fuse_); });
  return absl::OkStatus();
}

void FuseRecorderImpl::RecordOutput(std::string_view bytes) {
  absl::MutexLock lock(&mu_);
  output_.push_back({++events_, std::string(bytes)});
}

absl::StatusOr<Recording> FuseRecorderImpl::Finish() {
  if (!finished_ && fuse_ != nullptr) {
    finished_ = true;
    // Unmounting ends the loop: its read of the device fails once the kernel lets go.
    fuse_exit(fuse_);
    fuse_unmount(fuse_);
    loop_.join();
    fuse_destroy(fuse_);
    fuse_ = nullptr;
    for (auto& [fh, f] : files_) ::close(f.fd);
    files_.clear();
    for (auto& [fh, d] : dirs_) ::closedir(d.dir);
    dirs_.clear();
  }
  Recording r;
  r.root = mount_;
  absl::MutexLock lock(&mu_);
  r.ops = ops_;
  r.output = output_;
  r.refused = refused_;
  return r;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FuseRecorder>> FuseRecorder::Mount(const std::string& backing_dir,
                                                                  const std::string& mount_dir) {
  auto r = std::make_unique<FuseRecorderImpl>(backing_dir, mount_dir);
  absl::Status s = r->Start();
  if (!s.ok()) return s;
  return std::unique_ptr<FuseRecorder>(std::move(r));
}

}  // namespace ringkv::crash::exec
