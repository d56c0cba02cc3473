// Offline inspection and rescue of a damaged database. CheckDB reads every file of a database
// directory (it never replays, repairs or writes a byte of it) and lists all the damage it
// finds, like fsck; SalvageDB copies every key that can still be read and verified into a new
// database and says what could not be recovered. Both take the database's LOCK: the database
// must not be open elsewhere.
#ifndef RINGKV_SALVAGE_H_
#define RINGKV_SALVAGE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ringkv/options.h"

namespace ringkv {

// One damaged place: the file, the byte offset in it, and what is wrong (or what was lost).
struct Damage {
  std::string file;
  uint64_t offset = 0;
  std::string what;
  // "FILE offset N: WHAT"
  std::string ToString() const;
};

struct CheckReport {
  std::vector<Damage> damage;  // empty: nothing wrong found
  uint64_t pages_checked = 0;  // pages in use whose checksum was verified
  uint64_t bad_pages = 0;
  uint64_t tree_keys = 0;      // keys readable in the checkpointed tree
  uint64_t sorted_runs = 0;    // sorted runs the MANIFEST lists (newer writes above the tree)
  uint64_t run_entries = 0;    // entries readable in them: puts and deletions
  uint64_t log_records = 0;    // whole, verified records in the log after the checkpoint
  uint64_t log_damage = 0;     // damaged stretches and bad segment files of the log
  uint64_t other_damage = 0;   // the manifest and its catalog, unknown or missing files, the
                               // structure of the tree and runs
  bool ok() const { return damage.empty(); }
  // One line: "ok: ..." or "N problems: ...".
  std::string Summary() const;
};

// Errors (not damage) only when the directory cannot be inspected at all: not a directory,
// locked by another opener, or an I/O failure other than a damaged file.
absl::StatusOr<CheckReport> CheckDB(const Options& options, std::string_view path);

struct SalvageReport {
  uint64_t tree_keys = 0;     // entries copied from the checkpointed tree
  uint64_t run_entries = 0;   // puts and deletions applied from the sorted runs after them
  uint64_t log_records = 0;   // log records applied after them
  uint64_t keys_written = 0;  // keys in the new database
  // What could not be recovered: key ranges of unreadable pages, LSN ranges of the log, files.
  std::vector<Damage> lost;
  std::string Summary() const;
};

// Creates a new database at `to` (which must not exist) with everything of `from` that passes
// its checksums: the tree's readable entries, then the sorted runs' readable puts and deletions
// from the oldest run to the newest, then the log's readable records in LSN order (so the
// newest version of each key wins).
// A record or page that fails its checks is left out and listed in `lost`, never guessed at.
absl::StatusOr<SalvageReport> SalvageDB(const Options& options, std::string_view from,
                                        std::string_view to);

}  // namespace ringkv

#endif  // RINGKV_SALVAGE_H_
