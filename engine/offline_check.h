// What CheckDB and SalvageDB share: the inspection of a database directory that reads files
// only — its file set, MANIFEST (with its catalog of sorted runs), page file, tree, runs and
// log — reporting every damaged place through one callback.
#ifndef RINGKV_ENGINE_OFFLINE_CHECK_H_
#define RINGKV_ENGINE_OFFLINE_CHECK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/lock_file.h"
#include "engine/offline_pages.h"
#include "engine/sorted_run.h"
#include "pagestore/manifest.h"
#include "ringkv/options.h"
#include "ringkv/salvage.h"
#include "uring/io_backend.h"

namespace ringkv {

// An opened, locked database directory, inspected without writing it.
struct OfflineDb {
  std::string dir;
  std::shared_ptr<io::IoBackend> io;
  std::unique_ptr<LockFile> lock;
  std::optional<pagestore::Manifest> manifest;  // unset: missing or damaged (reported)
  std::unique_ptr<OfflinePages> pages;          // unset: no usable page file (reported)
  // The manifest's sorted runs, newest first; unset: no manifest, or its catalog is damaged
  // (reported).
  std::optional<std::vector<SortedRun>> runs;
  bool wal_dir = false;
};

// Lists and locks `dir`, loads its MANIFEST and opens its page file; every problem found on
// the way goes to `damage`. An error only if the directory is not a database at all (nothing
// of ringkv in it), is not a directory, or is locked.
absl::StatusOr<OfflineDb> OpenOffline(const Options& options, const std::string& dir,
                                      std::vector<Damage>* damage);

// Keys in messages: printable bytes as they are, others escaped.
std::string ShowKey(std::string_view key);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_OFFLINE_CHECK_H_
