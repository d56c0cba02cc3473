#include "uring/publish.h"

#include <fcntl.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ringkv::io {
namespace {
// One write op is limited to what a CQE result (int32) can report.
constexpr uint64_t kMaxWriteBytes = 1u << 30;
}  // namespace

std::string PublishTempName(const std::string& name) { return absl::StrCat(name, ".tmp"); }

Chain BuildPublishChain(FileId slot, const std::string& dir, const std::string& name,
                        absl::Span<const uint8_t> contents) {
  const std::string tmp = absl::StrCat(dir, "/", PublishTempName(name));
  Chain c;
  c.OpenAt(slot, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (uint64_t off = 0; off < contents.size(); off += kMaxWriteBytes) {
    const uint64_t n = std::min<uint64_t>(kMaxWriteBytes, contents.size() - off);
    c.Write(slot, contents.data() + off, n, off);
  }
  c.Fsync(slot);
  c.Close(slot);
  c.RenameAt(tmp, absl::StrCat(dir, "/", name));
  // The slot is free again after Close, so the directory reuses it.
  c.FsyncDir(slot, dir);
  return c;
}

absl::Status PublishFile(IoBackend& io, const std::string& dir, const std::string& name,
                         absl::Span<const uint8_t> contents) {
  absl::StatusOr<FileSlot> slot = io.ReserveFile();
  if (!slot.ok()) return slot.status();
  Chain chain = BuildPublishChain(slot->id(), dir, name, contents);
  const size_t rename_index = chain.size() - 4;
  Completion c = io.Run(std::move(chain));
  if (c.ok()) return absl::OkStatus();
  if (c.results[rename_index] < 0) {
    io.Run(Chain().UnlinkAt(absl::StrCat(dir, "/", PublishTempName(name))));
  }
  return absl::Status(c.status.code(),
                      absl::StrCat("publishing ", dir, "/", name, ": ", c.status.message()));
}

}  // namespace ringkv::io
