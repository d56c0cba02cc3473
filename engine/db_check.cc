// CheckDB: reads every file of a database and lists all the damage found (ringkv/salvage.h):
// the tree and each sorted run are walked alike, and every page in use must be reached by
// exactly one of them (or a run's filter).
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/db_files.h"
#include "engine/offline_check.h"
#include "engine/offline_runs.h"
#include "engine/sorted_run_format.h"
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

// Which structure reached each page: a page reached by two of them (the tree and a run, two
// runs, a run and its filter) or reached and listed as free would be freed twice or reused
// while in use, so each is damage, listed once per page.
class PageOwners {
 public:
  PageOwners(const OfflinePages& pages, const pagestore::Manifest& m, CheckReport* r)
      : pages_(pages), m_(m), free_(m.free_pages.begin(), m.free_pages.end()), r_(r) {}

  // A new structure to reach pages from; its index.
  int Add(std::string name) {
    names_.push_back(std::move(name));
    return static_cast<int>(names_.size()) - 1;
  }
  void Reach(uint64_t id, int structure) {
    auto [it, first] = owner_.emplace(id, structure);
    if (free_.count(id) && reported_.insert(id).second) {
      Report(id, absl::StrCat("page ", id, " of ", names_[structure],
                              " is listed as free in the MANIFEST"));
    }
    if (!first && it->second != structure && reported_.insert(id).second) {
      Report(id, absl::StrCat("page ", id, " is reached from both ", names_[it->second],
                              " and ", names_[structure]));
    }
  }
  bool reached(uint64_t id) const { return owner_.count(id) > 0; }

 private:
  void Report(uint64_t id, std::string what) {
    ++r_->other_damage;
    r_->damage.push_back({pages_.path(), id * m_.page_size, std::move(what)});
  }

  const OfflinePages& pages_;
  const pagestore::Manifest& m_;
  const std::set<uint64_t> free_;
  CheckReport* r_;
  std::vector<std::string> names_;
  absl::flat_hash_map<uint64_t, int> owner_;
  absl::flat_hash_set<uint64_t> reported_;
};

// Reports one loss of a walk of the tree or of a run (`run` empty for the tree); the keys a
// bad page held are a line of their own but not a problem of their own (the page is listed).
void ReportLoss(const OfflinePages& pages, const pagestore::Manifest& m,
                const std::set<uint64_t>& bad, const std::string& run, const TreeLoss& loss,
                CheckReport* r) {
  const std::string who = run.empty() ? "" : absl::StrCat(run, ": ");
  if (bad.count(loss.page)) {
    r->damage.push_back({pages.path(), loss.page * m.page_size,
                         absl::StrCat(who, "keys ", RangeText(loss.lo, loss.hi), " of page ",
                                      loss.page, " are lost with it")});
    return;
  }
  ++r->other_damage;
  r->damage.push_back({pages.path(), loss.page == kNoPage ? 0 : loss.page * m.page_size,
                       absl::StrCat(who, "keys ", RangeText(loss.lo, loss.hi), " of page ",
                                    loss.page, " cannot be read: ", loss.cause.message())});
}

// True if the whole tree could be read.
bool CheckTree(OfflinePages& pages, const pagestore::Manifest& m, const std::set<uint64_t>& bad,
               PageOwners& owners, CheckReport* r) {
  bool lost_any = false;
  const int tree = owners.Add("the tree");
  const TreeWalkStats stats = WalkTree(
      pages, m.root, [](std::string_view, std::string_view, bool) {},
      [&](const TreeLoss& loss) {
        lost_any = true;
        ReportLoss(pages, m, bad, "", loss, r);
      },
      [&](uint64_t id) { owners.Reach(id, tree); });
  r->tree_keys = stats.keys;
  return !lost_any;
}

// Walks run `i` of the catalog like the tree, then checks what its record claims (entries,
// pages, overflow flag) and its filter (readable, decodable, holding every key). True if every
// page of it could be read.
bool CheckRun(OfflinePages& pages, const pagestore::Manifest& m, const std::string& manifest_path,
              const std::set<uint64_t>& bad, const std::vector<SortedRun>& runs, size_t i,
              PageOwners& owners, CheckReport* r) {
  const SortedRun& run = runs[i];
  const std::string name = RunName(run);
  const uint64_t record_at = CatalogOffset(m) + RunRecordOffset(runs, i);
  auto record_damage = [&](std::string what) {
    ++r->other_damage;
    r->damage.push_back({manifest_path, record_at, absl::StrCat(name, ": ", what)});
  };
  bool lost_any = false;
  const int tree = owners.Add(name);
  absl::flat_hash_set<uint64_t> tree_pages;
  std::vector<uint64_t> hashes;
  std::string first_key;  // for naming a key missing from the filter
  const TreeWalkStats stats = WalkTree(
      pages, run.root,
      [&](std::string_view key, std::string_view, bool) {
        hashes.push_back(RunFilter::Hash(key));
      },
      [&](const TreeLoss& loss) {
        lost_any = true;
        ReportLoss(pages, m, bad, name, loss, r);
      },
      [&](uint64_t id) {
        owners.Reach(id, tree);
        tree_pages.insert(id);
      },
      TreeWalkKind::kSortedRun, run.merged_below);
  ++r->sorted_runs;
  r->run_entries += stats.keys;

  const int filter = owners.Add(absl::StrCat("the filter of ", name));
  uint64_t filter_pages = 0, last_filter_page = kNoPage;
  absl::StatusOr<std::unique_ptr<RunFilter>> f =
      ReadRunFilter(pages, pages.path(), run, [&](uint64_t id) {
        owners.Reach(id, filter);
        ++filter_pages;
        last_filter_page = id;
      });
  if (!f.ok()) {
    lost_any = true;
    // A filter on a bad page is lost with it; otherwise its chain or bytes are damaged.
    if (!bad.count(last_filter_page)) ++r->other_damage;
    const uint64_t at = last_filter_page == kNoPage ? 0 : last_filter_page * m.page_size;
    r->damage.push_back({pages.path(), at,
                         absl::StrCat(f.status().message(),
                                      "; the database does not open without it")});
  } else {
    uint64_t missing = 0;
    for (uint64_t h : hashes) missing += !(*f)->MayContain(h);
    if (missing > 0) {
      ++r->other_damage;
      r->damage.push_back({pages.path(), run.filter * m.page_size,
                           absl::StrCat("the filter of ", name, " lacks ", missing, " of its ",
                                        hashes.size(), " keys: gets would not find them")});
    }
  }
  if (lost_any) return false;  // the counts below are then a consequence
  // A part-merged run holds fewer than it was written with.
  if (run.merged_below.empty() ? stats.keys != run.entries : stats.keys > run.entries) {
    record_damage(absl::StrCat("holds ", stats.keys, " entries; its record says ", run.entries));
  }
  if (tree_pages.size() + filter_pages != run.pages) {
    record_damage(absl::StrCat("has ", tree_pages.size(), " tree and ", filter_pages,
                               " filter pages; its record says ", run.pages, " in all"));
  }
  if (tree_pages.size() > stats.pages && !run.has_overflow) {
    record_damage("has overflow chains, but its record says none (a merge would leak them)");
  }
  return true;
}

// The tree, then every run; then, if all of them could be read, every page in use that none of
// them reaches (a leak).
void CheckReachable(OfflinePages& pages, const OfflineDb& db, const std::set<uint64_t>& bad,
                    CheckReport* r) {
  const pagestore::Manifest& m = *db.manifest;
  PageOwners owners(pages, m, r);
  bool whole = CheckTree(pages, m, bad, owners, r);
  const std::string manifest_path = absl::StrCat(db.dir, "/", kManifestFile);
  if (db.runs) {
    for (size_t i = 0; i < db.runs->size(); ++i) {
      whole &= CheckRun(pages, m, manifest_path, bad, *db.runs, i, owners, r);
    }
  } else {
    whole = false;  // the runs' pages are unknown: the catalog's damage is reported
  }
  if (!whole) return;  // unreachable pages are then a consequence, not a leak
  const std::set<uint64_t> free(m.free_pages.begin(), m.free_pages.end());
  uint64_t leaked = 0, first = 0;
  for (uint64_t id = 0; id < m.page_count; ++id) {
    if (free.count(id) || owners.reached(id)) continue;
    if (leaked++ == 0) first = id;
  }
  if (leaked > 0) {
    ++r->other_damage;
    r->damage.push_back(
        {pages.path(), first * m.page_size,
         absl::StrCat(leaked, " pages are neither in the tree, in a sorted run nor free (first: "
                      "page ", first, ")")});
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
  const std::string found =
      absl::StrCat(pages_checked, " pages verified, ", tree_keys, " keys readable in the tree, ",
                   run_entries, " entries in ", sorted_runs, " sorted run",
                   sorted_runs == 1 ? "" : "s", ", ", log_records, " records readable in the log");
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
    CheckReachable(*db->pages, *db, bad, &r);
  }
  CheckLog(options, *db, &r);
  return r;
}

}  // namespace ringkv
