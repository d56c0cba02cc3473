#include "wal/segment_files.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "uring/dio_alignment.h"
#include "wal/wal_format.h"

namespace ringkv::wal {
namespace {

constexpr uint64_t kZeroChunk = 1u << 20;
constexpr uint64_t kZeroBatch = 16;  // writes of kZeroChunk in flight at once
constexpr size_t kMaxRetired = 2;

bool ParseSegmentName(const std::string& name, uint64_t* number) {
  if (name.size() != 20 || name.substr(16) != ".log") return false;
  uint64_t n = 0;
  for (int i = 0; i < 16; ++i) {
    const char c = name[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    n = n * 16 + static_cast<uint64_t>(d);
  }
  *number = n;
  return true;
}

}  // namespace

absl::StatusOr<uint64_t> SegmentFiles::ExistingSegmentBytes(io::IoBackend& io,
                                                            const std::string& dir) {
  SegmentFiles probe(io, dir, kSegmentHeaderBytes);
  std::vector<uint64_t> segments;
  std::vector<std::string> retired;
  absl::Status s = probe.List(&segments, &retired);
  if (!s.ok() || segments.empty()) return uint64_t{0};
  const std::string path = probe.PathOf(segments.front());
  absl::StatusOr<io::FileSlot> f = io.ReserveFile();
  if (!f.ok()) return f.status();
  std::string block(kSegmentHeaderBytes, '\0');
  io::Completion c = io.Run(io::Chain().OpenAt(f->id(), path, O_RDONLY));
  if (c.ok()) c = io.Run(io::Chain().ReadUpTo(f->id(), block.data(), block.size(), 0));
  if (!c.ok()) return c.status;
  const std::optional<SegmentHeader> h = DecodeSegmentHeader(block);
  if (!h || h->segment_bytes < 2 * kSegmentHeaderBytes || h->segment_bytes % kBlockBytes != 0) {
    return absl::DataLossError(absl::StrCat(
        "WAL segment ", path, " has a bad header at offset 0: ",
        h ? absl::StrCat("segment size ", h->segment_bytes) : DescribeBadSegmentHeader(block)));
  }
  return h->segment_bytes;
}

SegmentFiles::SegmentFiles(io::IoBackend& io, std::string dir, uint64_t segment_bytes)
    : io_(io), dir_(std::move(dir)), segment_bytes_(segment_bytes) {}

std::string SegmentFiles::PathOf(uint64_t number) const {
  return absl::StrFormat("%s/%016x.log", dir_, number);
}

absl::Status SegmentFiles::FsyncDir() {
  absl::StatusOr<io::FileSlot> d = io_.ReserveFile();
  if (!d.ok()) return d.status();
  return io_.Run(io::Chain().FsyncDir(d->id(), dir_)).status;
}

absl::Status SegmentFiles::EnsureDir() {
  io::Completion c = io_.Run(io::Chain().MkdirAt(dir_, 0755));
  if (c.ok()) {
    absl::StatusOr<io::FileSlot> d = io_.ReserveFile();
    if (!d.ok()) return d.status();
    const std::string parent = std::filesystem::path(dir_).parent_path().string();
    return io_.Run(io::Chain().FsyncDir(d->id(), parent.empty() ? "." : parent)).status;
  }
  if (c.results[0] == -EEXIST) return absl::OkStatus();
  return c.status;
}

absl::Status SegmentFiles::List(std::vector<uint64_t>* segments,
                                std::vector<std::string>* retired) const {
  // A directory listing reads metadata only; no file data passes here.
  std::error_code ec;
  segments->clear();
  retired->clear();
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    uint64_t n;
    if (ParseSegmentName(name, &n)) {
      segments->push_back(n);
    } else if (name.rfind("retired-", 0) == 0 && name.size() > 12 &&
               name.substr(name.size() - 4) == ".log") {
      retired->push_back(entry.path().string());
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("listing ", dir_, ": ", ec.message()));
  std::sort(segments->begin(), segments->end());
  std::sort(retired->begin(), retired->end());
  return absl::OkStatus();
}

absl::Status SegmentFiles::WriteZeroedFile(const std::string& path, uint64_t number) {
  absl::StatusOr<io::FileSlot> f = io_.ReserveFile();
  if (!f.ok()) return f.status();
  const bool direct = io::DirectIoAlignment(dir_).supported;
  io::Completion c = io_.Run(io::Chain().OpenAt(
      f->id(), path, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644));
  if (!c.ok() && direct && c.results[0] == -EINVAL) {
    c = io_.Run(io::Chain().OpenAt(f->id(), path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
  }
  if (!c.ok()) return c.status;
  absl::StatusOr<std::unique_ptr<io::BufferPool>> pool = io_.CreateBufferPool(1, kZeroChunk, 4096);
  if (!pool.ok()) return pool.status();
  io::IoBuffer zero = (*pool)->Acquire();
  std::memset(zero.data, 0, zero.size);
  // Header first (in the same buffer), then zeros to the end: every block written once.
  const std::string header = EncodeSegmentHeader({number, segment_bytes_});
  std::memcpy(zero.data, header.data(), header.size());
  c = io_.Run(io::Chain().Write(f->id(), zero.data, std::min(kZeroChunk, segment_bytes_), 0,
                                zero.index));
  std::memset(zero.data, 0, header.size());
  // Created while the current segment fills, so sync puts may wait on the same device: the
  // writes shrink while they do (uring/foreground_writes.h).
  io::ForegroundWrites::BackgroundMark foreground_seen;
  for (uint64_t off = kZeroChunk; c.ok() && off < segment_bytes_;) {
    io::Chain batch;
    batch.set_linked(false);
    const size_t budget =
        io_.foreground_writes().BackgroundBudget(kZeroBatch * kZeroChunk, &foreground_seen);
    for (uint64_t batch_end = off + budget; off < batch_end && off < segment_bytes_;) {
      const uint64_t n = std::min({kZeroChunk, segment_bytes_ - off, batch_end - off});
      batch.Write(f->id(), zero.data, n, off, zero.index);
      off += n;
    }
    c = io_.Run(std::move(batch));
  }
  (*pool)->Release(zero);
  if (!c.ok()) return c.status;
  return io_.Run(io::Chain().Fdatasync(f->id()).Close(f->id())).status;
}

absl::Status SegmentFiles::ListRetiredOnceLocked() {
  if (listed_) return absl::OkStatus();
  std::vector<uint64_t> ignored;
  absl::Status s = List(&ignored, &retired_);
  if (s.ok()) listed_ = true;
  return s;
}

absl::Status SegmentFiles::Create(uint64_t number) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = ListRetiredOnceLocked(); !s.ok()) return s;
  const std::string final_path = PathOf(number);
  const std::string tmp = final_path + ".tmp";
  absl::Status s;
  if (!retired_.empty()) {
    // Recycle: the file is already allocated and written; stale records in it carry LSNs of
    // their old position and can never validate at the new one. Only the header changes.
    const std::string from = retired_.back();
    retired_.pop_back();
    s = io_.Run(io::Chain().RenameAt(from, tmp)).status;
    if (s.ok()) {
      absl::StatusOr<io::FileSlot> f = io_.ReserveFile();
      if (!f.ok()) return f.status();
      const std::string header = EncodeSegmentHeader({number, segment_bytes_});
      s = io_.Run(io::Chain()
                      .OpenAt(f->id(), tmp, O_WRONLY)
                      .Write(f->id(), header.data(), header.size(), 0)
                      .Fdatasync(f->id())
                      .Close(f->id()))
              .status;
    }
  } else {
    s = WriteZeroedFile(tmp, number);
  }
  if (!s.ok()) return s;
  s = io_.Run(io::Chain().RenameAt(tmp, final_path)).status;
  if (!s.ok()) return s;
  return FsyncDir();
}

absl::Status SegmentFiles::Retire(uint64_t number) {
  absl::MutexLock lock(&mu_);
  const std::string path = PathOf(number);
  if (retired_.size() < kMaxRetired) {
    const std::string to = absl::StrFormat("%s/retired-%016x.log", dir_, number);
    absl::Status s = io_.Run(io::Chain().RenameAt(path, to)).status;
    if (s.ok()) retired_.push_back(to);
    return s;
  }
  return io_.Run(io::Chain().UnlinkAt(path)).status;
}

absl::Status SegmentFiles::RemoveRetired() {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = ListRetiredOnceLocked(); !s.ok()) return s;
  while (!retired_.empty()) {
    absl::Status s = io_.Run(io::Chain().UnlinkAt(retired_.back())).status;
    if (!s.ok()) return s;
    retired_.pop_back();
  }
  return absl::OkStatus();
}

absl::StatusOr<io::FileSlot> SegmentFiles::OpenForWrite(uint64_t number, bool* direct) {
  absl::StatusOr<io::FileSlot> f = io_.ReserveFile();
  if (!f.ok()) return f.status();
  const std::string path = PathOf(number);
  io::Completion c = io_.Run(io::Chain().OpenAt(f->id(), path, O_WRONLY | O_DIRECT | O_DSYNC));
  *direct = c.ok();
  if (!c.ok() && c.results[0] == -EINVAL) {
    static bool said = false;
    if (!said) {
      said = true;
      std::fprintf(stderr,
                   "ringkv: %s refuses O_DIRECT (tmpfs?); the WAL uses buffered O_DSYNC writes\n",
                   dir_.c_str());
    }
    c = io_.Run(io::Chain().OpenAt(f->id(), path, O_WRONLY | O_DSYNC));
  }
  if (!c.ok()) return c.status;
  return std::move(*f);
}

}  // namespace ringkv::wal
