#include "engine/offline_pages.h"

#include <fcntl.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "pagestore/page_check.h"
#include "pagestore/page_format.h"

namespace ringkv {

absl::StatusOr<std::unique_ptr<OfflinePages>> OfflinePages::Open(io::IoBackend& io,
                                                                 std::string path,
                                                                 uint32_t page_size,
                                                                 uint64_t page_count) {
  absl::StatusOr<io::FileSlot> f = io.ReserveFile();
  if (!f.ok()) return f.status();
  io::Completion c = io.Run(io::Chain().OpenAt(f->id(), path, O_RDONLY));
  if (!c.ok()) {
    if (c.results[0] == -ENOENT) return absl::NotFoundError(absl::StrCat(path, " is missing"));
    return c.status;
  }
  // The file's size, found by reading: the I/O seam has no stat, and this works on any
  // backend. Binary search on one-byte reads at page boundaries.
  uint64_t lo = 0, hi = uint64_t{1} << 46;
  char byte;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    c = io.Run(io::Chain().ReadUpTo(f->id(), &byte, 1, mid));
    if (!c.ok()) return c.status;
    if (c.results[0] == 1) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::unique_ptr<OfflinePages>(
      new OfflinePages(io, std::move(*f), std::move(path), page_size, page_count, lo));
}

size_t OfflinePages::payload_size() const { return page_size_ - pagestore::kPageHeaderBytes; }

absl::StatusOr<std::shared_ptr<const std::string>> OfflinePages::ReadWhole(uint64_t id) {
  if (id >= page_count_) {
    return absl::DataLossError(absl::StrCat("page ", id, " is beyond the ", page_count_,
                                            " pages the MANIFEST lists for ", path_));
  }
  auto page = std::make_shared<std::string>(page_size_, '\0');
  io::Completion c = io_.Run(
      io::Chain().Read(file_.id(), page->data(), page_size_, id * page_size_));
  if (!c.ok()) return c.status;
  absl::Status s = pagestore::CheckPageBytes(id, reinterpret_cast<const uint8_t*>(page->data()),
                                             page_size_, path_);
  if (!s.ok()) return s;
  return std::shared_ptr<const std::string>(std::move(page));
}

absl::StatusOr<PageRef> OfflinePages::Read(uint64_t id) {
  absl::StatusOr<std::shared_ptr<const std::string>> page = ReadWhole(id);
  if (!page.ok()) return page.status();
  PageRef r;
  r.id = id;
  r.data = reinterpret_cast<const uint8_t*>((*page)->data()) + pagestore::kPageHeaderBytes;
  r.size = payload_size();
  r.pin = std::move(*page);
  return r;
}

}  // namespace ringkv
