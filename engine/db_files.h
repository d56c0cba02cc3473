// The names a ringkv database directory may hold (docs/format.md): MANIFEST (and MANIFEST.tmp
// while one is published), pages.db, LOCK, and wal/ with its segments, retired segments and a
// segment being created. Anything else is not ringkv's: never read, never removed.
#ifndef RINGKV_ENGINE_DB_FILES_H_
#define RINGKV_ENGINE_DB_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ringkv {

inline constexpr char kManifestFile[] = "MANIFEST";
inline constexpr char kPagesFile[] = "pages.db";
inline constexpr char kWalDir[] = "wal";

struct DbFileSet {
  bool manifest = false;
  bool pages = false;
  bool wal_dir = false;
  std::vector<std::string> unknown;  // full paths, sorted
};

// Lists `dir` and `dir`/wal (metadata only: a directory listing reads no file data).
// FailedPrecondition if `dir` is not a directory, NotFound if it does not exist.
absl::StatusOr<DbFileSet> ListDbFiles(const std::string& dir);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_DB_FILES_H_
