// DB::Open: checks options, makes the I/O backend, creates or finds the directory, takes the
// lock, opens the page store and the log, and hands them to DBImpl for recovery.
#include <fcntl.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "engine/db_files.h"
#include "engine/db_impl.h"
#include "engine/storage_factory.h"
#include "pagestore/manifest_format.h"
#include "pagestore/page_format.h"
#include "wal/wal_format.h"

namespace ringkv {
namespace {

absl::Status CheckOptions(const Options& o) {
  if (!pagestore::IsValidPageSize(o.page_size)) {
    return absl::InvalidArgumentError(absl::StrCat("page_size ", o.page_size,
                                                   " must be a power of two from ",
                                                   pagestore::kMinPageSize, " to ",
                                                   pagestore::kMaxPageSize));
  }
  if (o.memtable_bytes < (64u << 10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("memtable_bytes ", o.memtable_bytes, " is below the minimum of 65536"));
  }
  if (o.wal_segment_bytes < wal::kMinSegmentBytes || o.wal_segment_bytes % wal::kBlockBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat("wal_segment_bytes ", o.wal_segment_bytes,
                                                   " must be a multiple of ", wal::kBlockBytes,
                                                   ", at least ", wal::kMinSegmentBytes));
  }
  if (!(o.run_merge_ratio >= 0 && o.run_merge_ratio <= 4)) {
    return absl::InvalidArgumentError(
        absl::StrCat("run_merge_ratio ", o.run_merge_ratio, " must be from 0 to 4"));
  }
  if (!(o.run_overwrite_ratio >= 0 && o.run_overwrite_ratio <= 4)) {
    return absl::InvalidArgumentError(
        absl::StrCat("run_overwrite_ratio ", o.run_overwrite_ratio, " must be from 0 to 4"));
  }
  if (o.max_sorted_runs < 1 || o.max_sorted_runs > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_sorted_runs ", o.max_sorted_runs, " must be 1 to 256"));
  }
  if (o.wal_max_writes_in_flight < 1 || o.wal_max_writes_in_flight > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "wal_max_writes_in_flight ", o.wal_max_writes_in_flight, " must be 1 to 64"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const Options& options, std::string_view path_view) {
  std::string path(path_view);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) return absl::InvalidArgumentError("database path is empty");
  RINGKV_DCHECK(path == "/" || path.back() != '/');
  absl::Status s = CheckOptions(options);
  if (!s.ok()) return s;
  absl::StatusOr<std::shared_ptr<io::IoBackend>> io = OpenIoBackend(options);
  if (!io.ok()) return io.status();

  RINGKV_CHECK(*io != nullptr);
  // Does a database live there? The MANIFEST says so.
  bool exists = false;
  {
    absl::StatusOr<io::FileSlot> probe = (*io)->ReserveFile();
    if (!probe.ok()) return probe.status();
    io::Completion c = (*io)->Run(io::Chain().OpenAt(
        probe->id(), absl::StrCat(path, "/", pagestore::kManifestName), O_RDONLY));
    if (c.ok()) {
      exists = true;
    } else if (c.results[0] == -ENOTDIR) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is not a directory, so it cannot be a ringkv database"));
    } else if (c.results[0] != -ENOENT) {
      return c.status;
    }
  }
  if (exists && options.error_if_exists) {
    return absl::AlreadyExistsError(
        absl::StrCat("database ", path, " already exists (error_if_exists is set)"));
  }
  if (!exists) {
    if (!options.create_if_missing) {
      return absl::NotFoundError(absl::StrCat("no database at ", path, " (no ",
                                              pagestore::kManifestName,
                                              "); set create_if_missing to create"));
    }
    // A new database goes into a new or empty directory (or one a crash left half-created),
    // never among someone else's files.
    absl::StatusOr<DbFileSet> files = ListDbFiles(path);
    if (files.ok() && !files->unknown.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " is not a ringkv database (no MANIFEST) and holds other files, e.g. ",
          files->unknown.front(), "; create the database in a new or empty directory"));
    }
    io::Completion c = (*io)->Run(io::Chain().MkdirAt(path, 0755));
    if (!c.ok() && c.results[0] != -EEXIST) return c.status;
    if (c.ok()) {
      // The new directory's own entry must survive a crash too.
      const size_t slash = path.find_last_of('/');
      const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
      absl::StatusOr<io::FileSlot> dir = (*io)->ReserveFile();
      if (!dir.ok()) return dir.status();
      c = (*io)->Run(io::Chain().FsyncDir(dir->id(), parent));
      if (!c.ok()) return c.status;
    }
  }

  DBParts parts;
  parts.io = *io;
  absl::StatusOr<std::unique_ptr<LockFile>> lock =
      LockFile::Acquire(**io, absl::StrCat(path, "/LOCK"));
  if (!lock.ok()) return lock.status();
  parts.lock = std::move(*lock);
  absl::StatusOr<std::unique_ptr<TreeStore>> tree = OpenPageTreeStore(**io, path, options);
  if (!tree.ok()) return tree.status();
  parts.tree = std::move(*tree);
  RINGKV_CHECK(parts.tree != nullptr);
  // Recovery replays the log from the published checkpoint: the log opens at that LSN.
  const uint64_t checkpoint_lsn = parts.tree->Current()->checkpoint_lsn();
  absl::StatusOr<std::unique_ptr<Log>> log = OpenWalLog(**io, path, options, checkpoint_lsn);
  if (!log.ok()) return log.status();
  parts.log = std::move(*log);
  RINGKV_CHECK(parts.log != nullptr);
  RINGKV_CHECK(parts.lock != nullptr);
  return DBImpl::Start(options, path, std::move(parts));
}

}  // namespace ringkv
