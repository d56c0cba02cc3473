#include "engine/offline_runs.h"

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "engine/btree_node.h"
#include "engine/sorted_run_format.h"
#include "pagestore/manifest_format.h"

namespace ringkv {

uint64_t CatalogOffset(const pagestore::Manifest& m) {
  return pagestore::kManifestFreeListOffset + 8 * m.free_pages.size() +
         pagestore::kManifestCatalogLengthBytes;
}

std::optional<std::vector<SortedRun>> DecodeOfflineCatalog(const pagestore::Manifest& m,
                                                           const std::string& manifest_path,
                                                           std::vector<Damage>* damage) {
  const uint64_t at = CatalogOffset(m);
  const std::string where = absl::StrCat(manifest_path, " (catalog at offset ", at, ")");
  uint64_t damaged_at = 0;
  absl::StatusOr<std::vector<SortedRun>> runs =
      DecodeRunCatalog(m.catalog, m.page_count, where, &damaged_at);
  if (runs.ok()) return std::move(*runs);
  const uint64_t offset = at + damaged_at;
  damage->push_back({manifest_path, offset,
                     absl::StrCat(runs.status().message(),
                                  "; the sorted runs it lists cannot be read")});
  return std::nullopt;
}

std::string RunName(const SortedRun& run) { return absl::StrCat("sorted run ", run.id); }

absl::StatusOr<std::unique_ptr<RunFilter>> ReadRunFilter(TreePageReader& pages,
                                                         const std::string& pages_path,
                                                         const SortedRun& run,
                                                         TreePageFn on_page) {
  const std::string name = absl::StrCat("the filter of ", RunName(run), " (", pages_path,
                                        " page ", run.filter, ")");
  // The chain is read here, not by ReadOverflow, so that the pages before a break still count
  // as reached, and a chain longer than its bytes need (a cycle) ends.
  const uint64_t per_page = pages.payload_size() - kOverflowHeaderBytes;
  const uint64_t max_pages = run.filter_bytes / per_page + 1;
  std::string bytes;
  bytes.reserve(run.filter_bytes);
  uint64_t page = run.filter;
  for (uint64_t n = 0; page != kNoPage; ++n) {
    if (n >= max_pages) {
      return absl::DataLossError(absl::StrCat(name, ": its chain is longer than ",
                                              run.filter_bytes, " bytes need (a cycle?)"));
    }
    on_page(page);
    absl::StatusOr<PageRef> ref = pages.Read(page);
    if (!ref.ok()) return absl::DataLossError(absl::StrCat(name, ": ", ref.status().message()));
    if (ref->size < kOverflowHeaderBytes ||
        ref->data[0] != static_cast<uint8_t>(TreePageKind::kOverflow)) {
      return absl::DataLossError(absl::StrCat(name, ": page ", page, " is not an overflow page"));
    }
    const char* p = reinterpret_cast<const char*>(ref->data);
    const uint32_t here = DecodeFixed32(p + 4);
    if (here > ref->size - kOverflowHeaderBytes || here > run.filter_bytes - bytes.size()) {
      return absl::DataLossError(absl::StrCat(name, ": page ", page, " claims ", here,
                                              " bytes, more than the filter's ",
                                              run.filter_bytes, " hold"));
    }
    bytes.append(p + kOverflowHeaderBytes, here);
    page = DecodeFixed64(p + 8);
  }
  if (bytes.size() != run.filter_bytes) {
    return absl::DataLossError(absl::StrCat(name, ": its chain ends after ", bytes.size(),
                                            " of ", run.filter_bytes, " bytes"));
  }
  absl::StatusOr<std::unique_ptr<RunFilter>> f = RunFilter::Decode(bytes, name);
  if (!f.ok()) return f.status();
  return std::move(*f);
}

}  // namespace ringkv
