// PageStore: reading one page, through the mapping (checksummed on its first read after open,
// then one bit test) or through the ring into the cache (checksummed before it is cached or
// returned).
#include <string>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "pagestore/page_check.h"
#include "pagestore/page_format.h"
#include "pagestore/page_store.h"

namespace ringkv::pagestore {

absl::StatusOr<PageView> PageStore::PinnedPages::Read(uint64_t id) const {
  if (id >= m_.page_count) {
    return absl::DataLossError(absl::StrCat("page ", id, " is beyond the ", m_.page_count,
                                            " pages of generation ", m_.generation, " in ",
                                            store_->path_));
  }
  return store_->ReadPage(id);
}

absl::StatusOr<PageView> PageStore::ReadPage(uint64_t id) const {
  if (map_ != nullptr) {
    absl::Status s = VerifyMapped(id);
    if (!s.ok()) return s;
    return MappedView(id);
  }
  if (PageCache::Page p = cache_->Lookup(id)) return CachedView(std::move(p));
  absl::StatusOr<std::string> bytes = ReadFromDisk(id);
  if (!bytes.ok()) return bytes.status();
  absl::Status s = CheckPage(id, reinterpret_cast<const uint8_t*>(bytes->data()));
  if (!s.ok()) return s;
  auto page = std::make_shared<const std::string>(std::move(*bytes));
  cache_->Insert(id, page);
  return CachedView(std::move(page));
}

PageView PageStore::MappedView(uint64_t id) const {
  return PageView{map_->page(id) + kPageHeaderBytes, payload_size(), nullptr};
}

PageView PageStore::CachedView(PageCache::Page page) const {
  RINGKV_DCHECK(page->size() == page_size_);
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(page->data());
  return PageView{bytes + kPageHeaderBytes, payload_size(), std::move(page)};
}

absl::Status PageStore::VerifyMapped(uint64_t id) const {
  if (verified_->Test(id)) [[likely]] {
    return absl::OkStatus();
  }
  absl::Status s = CheckPage(id, map_->page(id));
  if (!s.ok()) return s;
  verified_->Set(id);
  return absl::OkStatus();
}

absl::Status PageStore::CheckPage(uint64_t id, const uint8_t* page) const {
  return CheckPageBytes(id, page, page_size_, path_);
}

absl::StatusOr<std::string> PageStore::ReadFromDisk(uint64_t id) const {
  RINGKV_DCHECK(id < options_.max_file_bytes / page_size_);
  std::string page(page_size_, '\0');
  io::Completion c = io_.Run(
      io::Chain().Read(read_file_.id(), page.data(), page_size_, id * page_size_));
  if (!c.ok()) return c.status;
  return page;
}

}  // namespace ringkv::pagestore
