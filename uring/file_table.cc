#include "uring/file_table.h"

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace ringkv::io {

FileTable::FileTable(uint32_t capacity) : slots_(capacity) {
  free_.reserve(capacity);
  for (uint32_t i = capacity; i > 0; --i) free_.push_back(static_cast<int32_t>(i - 1));
}

absl::StatusOr<FileId> FileTable::Reserve() {
  absl::MutexLock lock(&mu_);
  if (free_.empty()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "all ", slots_.size(), " file slots are in use; raise IoOptions::max_files"));
  }
  const int32_t index = free_.back();
  free_.pop_back();
  Slot& s = slots_[index];
  RINGKV_CHECK(!s.reserved);
  s = Slot{};
  s.reserved = true;
  return FileId{index};
}

void FileTable::Release(FileId id) {
  absl::MutexLock lock(&mu_);
  RINGKV_CHECK(id.valid() && id.index < static_cast<int32_t>(slots_.size()));
  Slot& s = slots_[id.index];
  RINGKV_CHECK(s.reserved);
  RINGKV_CHECK(!s.open);  // the backend closes a slot before releasing it
  s.reserved = false;
  free_.push_back(id.index);
}

void FileTable::MarkOpen(FileId id, const std::string& path, int fd) {
  absl::MutexLock lock(&mu_);
  Slot& s = slots_.at(id.index);
  RINGKV_DCHECK(s.reserved);
  s.open = true;
  s.fd = fd;
  s.path = path;
}

void FileTable::MarkClosed(FileId id) {
  absl::MutexLock lock(&mu_);
  Slot& s = slots_.at(id.index);
  s.open = false;
  s.fd = -1;
}

bool FileTable::IsOpen(FileId id) const {
  absl::MutexLock lock(&mu_);
  return id.valid() && id.index < static_cast<int32_t>(slots_.size()) && slots_[id.index].open;
}

std::string FileTable::PathOf(FileId id) const {
  absl::MutexLock lock(&mu_);
  if (!id.valid() || id.index >= static_cast<int32_t>(slots_.size())) return "";
  return slots_[id.index].path;
}

int FileTable::FdOf(FileId id) const {
  absl::MutexLock lock(&mu_);
  if (!id.valid() || id.index >= static_cast<int32_t>(slots_.size())) return -1;
  return slots_[id.index].fd;
}

}  // namespace ringkv::io
