// CheckDB: reads every file of a database and lists all the damage found (ringkv/salvage.h).
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/db_files.h"
#include "engine/offline_check.h"
#include "engine/tree_walk.h"
#include "ringkv/salvage.h"
#include "wal/log_scan.h"

namespace ringkv {
namespace {

std::string RangeText(const std::optional<std::string>& lo, const std::optional<std::string>& hi) {
  return absl::StrCat("[", lo ? ShowKey(*lo) : "first key", ", ", hi ? ShowKey(*hi) : "last key",
                      ")");
}

// Every page in use, checksum verified; each bad one listed. Returns the ids that failed.
std::set<uint64_t> CheckEveryPage(OfflinePages& pages, const pagestore::Manifest& m,
                                  CheckReport* r) {
  std::set<uint64_t> bad;
  const std::set<uint64_t> free(m.free_pages.begin(), m.free_pages.end());
  if (free.size() != m.free_pages.size()) {
    r->damage.push_back({pages.path(), 0, "the MANIFEST lists a free page twice"});
    ++r->other_damage;
  }
  if (m.root != pagestore::kNoRoot && free.count(m.root)) {
    r->damage.push_back({pages.path(), m.root * m.page_size,
                         absl::StrCat("the MANIFEST lists the root page ", m.root, " as free")});
    ++r->other_damage;
  }
  const uint64_t whole_pages = pages.file_bytes() / m.page_size;
  for (uint64_t id = 0; id < m.page_count; ++id) {
    if (free.count(id)) continue;
    if (id >= whole_pages) {
      // Reported once as truncation by OpenOffline; each lost page is still a bad page.
      bad.insert(id);
      continue;
    }
    absl::StatusOr<std::shared_ptr<const std::string>> page = pages.ReadWhole(id);
    ++r->pages_checked;
    if (!page.ok()) {
      bad.insert(id);
      r->damage.push_back({pages.path(), id * m.page_size, std::string(page.status().message())});
    }
  }
  r->bad_pages = bad.size();
  return bad;
}

void CheckTree(OfflinePages& pages, const pagestore::Manifest& m, const std::set<uint64_t>& bad,
               CheckReport* r) {
  absl::flat_hash_set<uint64_t> reached;
  bool lost_any = false;
  const TreeWalkStats stats = WalkTree(
      pages, m.root, [](std::string_view, std::string_view) {},
      [&](const TreeLoss& loss) {
        lost_any = true;
        const std::string what = absl::StrCat("keys ", RangeText(loss.lo, loss.hi),
                                              " of page ", loss.page, " cannot be read: ",
                                              loss.cause.message());
        if (bad.count(loss.page)) {
          // The page itself is listed already; say which keys it held.
          r->damage.push_back({pages.path(), loss.page * m.page_size,
                               absl::StrCat("keys ", RangeText(loss.lo, loss.hi), " of page ",
                                            loss.page, " are lost with it")});
          return;
        }
        ++r->other_damage;
        r->damage.push_back({pages.path(), loss.page == kNoPage ? 0 : loss.page * m.page_size, what});
      },
      [&](uint64_t id) { reached.insert(id); });
  r->tree_keys = stats.keys;
  if (lost_any) return;  // unreachable pages are then a consequence, not a leak
  const std::set<uint64_t> free(m.free_pages.begin(), m.free_pages.end());
  uint64_t leaked = 0, first = 0;
  for (uint64_t id = 0; id < m.page_count; ++id) {
    if (free.count(id) || reached.count(id)) continue;
    if (leaked++ == 0) first = id;
  }
  if (leaked > 0) {
    ++r->other_damage;
    r->damage.push_back({pages.path(), first * m.page_size,
                         absl::StrCat(leaked, " pages are neither in the tree nor free (first: page ",
                                      first, ")")});
  }
}

void CheckLog(const Options& options, const OfflineDb& db, CheckReport* r) {
  const std::string wal_dir = absl::StrCat(db.dir, "/", kWalDir);
  const uint64_t from = db.manifest ? db.manifest->checkpoint_lsn : 0;
  if (!db.wal_dir) {
    if (from > 0) {
      ++r->log_damage;
      r->damage.push_back({wal_dir, 0, absl::StrCat("missing, but the checkpoint says the log goes "
                                                    "on at LSN ", from)});
    }
    return;
  }
  absl::StatusOr<wal::LogScanResult> scan =
      wal::ScanLog(*db.io, wal_dir, from, options.wal_segment_bytes,
                   [](uint64_t, std::string_view) {});
  if (!scan.ok()) {
    ++r->log_damage;
    r->damage.push_back({wal_dir, 0, std::string(scan.status().message())});
    return;
  }
  r->log_records = scan->records;
  for (const wal::LogDamage& d : scan->damage) {
    ++r->log_damage;
    r->damage.push_back({d.file, d.offset, d.cause});
  }
}

}  // namespace

std::string CheckReport::Summary() const {
  const std::string found = absl::StrCat(pages_checked, " pages verified, ", tree_keys,
                                         " keys readable in the tree, ", log_records,
                                         " records readable in the log");
  if (ok()) return absl::StrCat("ok: ", found);
  // Lines that only say which keys a bad page held are not problems of their own.
  const uint64_t problems = bad_pages + log_damage + other_damage;
  return absl::StrCat(problems, " problem", problems == 1 ? "" : "s", " found (",
                      bad_pages, " bad pages, ", log_damage, " in the log, ", other_damage,
                      " other); ", found);
}

absl::StatusOr<CheckReport> CheckDB(const Options& options, std::string_view path_view) {
  std::string path(path_view);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  CheckReport r;
  absl::StatusOr<OfflineDb> db = OpenOffline(options, path, &r.damage);
  if (!db.ok()) return db.status();
  r.other_damage = r.damage.size();
  if (db->manifest && db->pages) {
    const std::set<uint64_t> bad = CheckEveryPage(*db->pages, *db->manifest, &r);
    CheckTree(*db->pages, *db->manifest, bad, &r);
  }
  CheckLog(options, *db, &r);
  return r;
}

}  // namespace ringkv
