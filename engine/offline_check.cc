#include "engine/offline_check.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/db_files.h"
#include "engine/offline_runs.h"
#include "engine/storage_factory.h"

namespace ringkv {

std::string Damage::ToString() const { return absl::StrCat(file, " offset ", offset, ": ", what); }

std::string ShowKey(std::string_view key) {
  constexpr size_t kShown = 64;
  std::string s = absl::CHexEscape(absl::string_view(key.data(), std::min(key.size(), kShown)));
  if (key.size() > kShown) absl::StrAppend(&s, "...");
  return absl::StrCat("\"", s, "\"");
}

absl::StatusOr<OfflineDb> OpenOffline(const Options& options, const std::string& dir,
                                      std::vector<Damage>* damage) {
  absl::StatusOr<DbFileSet> files = ListDbFiles(dir);
  if (!files.ok()) return files.status();
  if (!files->manifest && !files->pages && !files->wal_dir) {
    return absl::NotFoundError(absl::StrCat(
        "no database at ", dir, " (no MANIFEST, pages.db or wal/ in it)"));
  }
  OfflineDb db;
  db.dir = dir;
  db.wal_dir = files->wal_dir;
  absl::StatusOr<std::shared_ptr<io::IoBackend>> io = OpenIoBackend(options);
  if (!io.ok()) return io.status();
  db.io = *io;
  absl::StatusOr<std::unique_ptr<LockFile>> lock =
      LockFile::Acquire(*db.io, absl::StrCat(dir, "/LOCK"));
  if (!lock.ok()) return lock.status();
  db.lock = std::move(*lock);
  for (const std::string& f : files->unknown) {
    damage->push_back({f, 0, "unknown file: not part of a ringkv database (ringkv never reads it)"});
  }
  const std::string manifest_path = absl::StrCat(dir, "/", kManifestFile);
  absl::StatusOr<pagestore::Manifest> m = pagestore::LoadManifest(*db.io, dir);
  if (!m.ok()) {
    damage->push_back({manifest_path, 0, std::string(m.status().message())});
  } else {
    db.manifest = std::move(*m);
    db.runs = DecodeOfflineCatalog(*db.manifest, manifest_path, damage);
  }
  const std::string pages_path = absl::StrCat(dir, "/", kPagesFile);
  if (db.manifest) {
    absl::StatusOr<std::unique_ptr<OfflinePages>> pages = OfflinePages::Open(
        *db.io, pages_path, db.manifest->page_size, db.manifest->page_count);
    if (!pages.ok()) {
      damage->push_back({pages_path, 0, absl::StrCat(pages.status().message(), "; the MANIFEST lists ",
                                                     db.manifest->page_count, " pages")});
    } else {
      db.pages = std::move(*pages);
      const uint64_t need = db.manifest->page_count * db.manifest->page_size;
      if (db.pages->file_bytes() < need) {
        damage->push_back(
            {pages_path, db.pages->file_bytes(),
             absl::StrCat("truncated: ", db.pages->file_bytes(), " bytes, but the MANIFEST lists ",
                          db.manifest->page_count, " pages of ", db.manifest->page_size,
                          " bytes (", need, ")")});
      }
    }
  }
  return db;
}

}  // namespace ringkv
