// The sorted runs of a database inspected offline (CheckDB, SalvageDB): the MANIFEST's catalog
// decoded with its damage placed at a byte of the MANIFEST, and a run's filter chain read page
// by page so every page of it counts as reached even when the chain breaks.
#ifndef RINGKV_ENGINE_OFFLINE_RUNS_H_
#define RINGKV_ENGINE_OFFLINE_RUNS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/run_filter.h"
#include "engine/sorted_run.h"
#include "engine/tree_walk.h"
#include "pagestore/manifest.h"
#include "ringkv/salvage.h"

namespace ringkv {

// The offset in the MANIFEST file of the catalog's first byte.
uint64_t CatalogOffset(const pagestore::Manifest& m);

// The runs of `m`'s catalog, newest first; unset, with one Damage naming `manifest_path` and the
// offset of the damaged record (or of the catalog, if its header is damaged) in `damage`.
std::optional<std::vector<SortedRun>> DecodeOfflineCatalog(const pagestore::Manifest& m,
                                                           const std::string& manifest_path,
                                                           std::vector<Damage>* damage);

// "sorted run ID", as messages name a run.
std::string RunName(const SortedRun& run);

// Reads and decodes `run`'s filter; every page of its chain that is reached goes to `on_page`
// (a chain that breaks still marks the pages before the break). DataLoss naming the page.
absl::StatusOr<std::unique_ptr<RunFilter>> ReadRunFilter(TreePageReader& pages,
                                                         const std::string& pages_path,
                                                         const SortedRun& run,
                                                         TreePageFn on_page);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_OFFLINE_RUNS_H_
