// SalvageDB: copies what still passes its checks into a new database (ringkv/salvage.h). The
// newest version of a key wins, as in the database: the tree's entries go first, then each
// sorted run's from the oldest run to the newest (a put overwrites, a tombstone deletes), then
// the log after the checkpoint.
#include "absl/strings/str_cat.h"
#include "engine/db_files.h"
#include "engine/offline_check.h"
#include "engine/offline_runs.h"
#include "engine/tree_walk.h"
#include "ringkv/db.h"
#include "ringkv/salvage.h"
#include "wal/log_scan.h"

namespace ringkv {
namespace {

// Entries go to the new database in batches of about this many bytes (one log record each).
constexpr size_t kBatchBytes = 1u << 20;

std::string RangeText(const std::optional<std::string>& lo, const std::optional<std::string>& hi) {
  return absl::StrCat("[", lo ? ShowKey(*lo) : "first key", ", ", hi ? ShowKey(*hi) : "last key",
                      ")");
}

}  // namespace

std::string SalvageReport::Summary() const {
  return absl::StrCat(keys_written, " keys written (", tree_keys, " entries from the tree, ",
                      run_entries, " from sorted runs, ", log_records, " records from the log); ",
                      lost.size(),
                      lost.empty() ? " losses" : " losses, listed above");
}

absl::StatusOr<SalvageReport> SalvageDB(const Options& options, std::string_view from_view,
                                        std::string_view to) {
  std::string from(from_view);
  while (from.size() > 1 && from.back() == '/') from.pop_back();
  SalvageReport r;
  absl::StatusOr<OfflineDb> src = OpenOffline(options, from, &r.lost);
  if (!src.ok()) return src.status();
  // Unknown files hold nothing of the database: they are not losses.
  std::erase_if(r.lost, [](const Damage& d) { return d.what.rfind("unknown file", 0) == 0; });

  Options out_options = options;
  out_options.create_if_missing = true;
  out_options.error_if_exists = true;
  if (src->manifest) out_options.page_size = src->manifest->page_size;
  absl::StatusOr<std::unique_ptr<DB>> out = DB::Open(out_options, to);
  if (!out.ok()) return out.status();
  DB& db = **out;

  absl::Status write_error;
  WriteBatch batch;
  auto flush = [&] {
    if (batch.Empty() || !write_error.ok()) return;
    write_error = db.Write(WriteOptions{.sync = false}, batch);
    batch.Clear();
  };

  if (src->manifest && src->pages) {
    const pagestore::Manifest& m = *src->manifest;
    // `run` empty for the tree. A run's lost keys are not simply missing: older versions of
    // them (in older runs or the tree) are what the output holds, and a lost deletion is undone.
    auto lose = [&](const std::string& run, const TreeLoss& loss) {
      r.lost.push_back(
          {src->pages->path(), loss.page == kNoPage ? 0 : loss.page * m.page_size,
           absl::StrCat(run.empty() ? "" : absl::StrCat(run, ": "), "keys ",
                        RangeText(loss.lo, loss.hi), " of page ", loss.page, " not recovered: ",
                        loss.cause.message(),
                        run.empty() ? "" : "; older versions of them, if any, are kept instead")});
    };
    auto copy = [&](std::string_view key, std::string_view value, bool deleted) {
      if (deleted) {
        batch.Delete(key);
      } else {
        batch.Put(key, value);
      }
      if (batch.ByteSize() >= kBatchBytes) flush();
    };
    const TreeWalkStats stats = WalkTree(
        *src->pages, m.root, copy, [&](const TreeLoss& loss) { lose("", loss); },
        [](uint64_t) {});
    r.tree_keys = stats.keys;
    flush();
    if (src->runs) {
      for (auto run = src->runs->rbegin(); run != src->runs->rend(); ++run) {
        const std::string name = RunName(*run);
        const TreeWalkStats run_stats = WalkTree(
            *src->pages, run->root, copy, [&](const TreeLoss& loss) { lose(name, loss); },
            [](uint64_t) {}, TreeWalkKind::kSortedRun, run->merged_below);
        r.run_entries += run_stats.keys;
        flush();
      }
    } else {
      r.lost.push_back({absl::StrCat(from, "/", kManifestFile), CatalogOffset(m),
                        "the sorted runs are not recovered (their catalog is damaged): keys "
                        "written since the tree was last merged may be missing or old, and "
                        "keys deleted since may be back"});
    }
  } else if (!src->manifest) {
    r.lost.push_back({absl::StrCat(from, "/", kPagesFile), 0,
                      "the checkpointed tree is not recovered: without a MANIFEST its root is "
                      "unknown (only the log is salvaged)"});
  }

  if (src->wal_dir) {
    const uint64_t start = src->manifest ? src->manifest->checkpoint_lsn : 0;
    absl::StatusOr<wal::LogScanResult> scan = wal::ScanLog(
        *src->io, absl::StrCat(from, "/", kWalDir), start, options.wal_segment_bytes,
        [&](uint64_t lsn, std::string_view record) {
          if (!write_error.ok()) return;
          WriteBatch b = WriteBatch::FromRep(std::string(record));
          absl::Status valid = b.Validate();
          if (!valid.ok()) {
            r.lost.push_back({absl::StrCat(from, "/", kWalDir), 0,
                              absl::StrCat("record at LSN ", lsn, " does not decode: ",
                                           valid.message())});
            return;
          }
          write_error = db.Write(WriteOptions{.sync = false}, b);
          ++r.log_records;
        });
    if (!scan.ok()) {
      r.lost.push_back({absl::StrCat(from, "/", kWalDir), 0, std::string(scan.status().message())});
    } else {
      for (const wal::LogDamage& d : scan->damage) r.lost.push_back({d.file, d.offset, d.cause});
    }
  }
  if (!write_error.ok()) return write_error;
  absl::Status s = db.Flush();
  if (s.ok()) s = db.Checkpoint();
  if (!s.ok()) return s;
  {
    std::unique_ptr<Iterator> it = db.NewIterator({});
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++r.keys_written;
    if (!it->status().ok()) return it->status();
  }
  s = db.Close();
  if (!s.ok()) return s;
  return r;
}

}  // namespace ringkv
