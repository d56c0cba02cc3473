// KvStore is the common face of every engine the benchmarks compare — ringkv and, where their
// Debian -dev packages were found at build time, RocksDB, LevelDB, LMDB and SQLite — so each
// workload runs the same code against all of them.
#ifndef RINGKV_BENCH_PEERS_KV_STORE_H_
#define RINGKV_BENCH_PEERS_KV_STORE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ringkv::bench {

class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual std::string name() const = 0;
  // Thread-safe for every engine (SQLite and LMDB serialize writers internally).
  virtual absl::Status Put(std::string_view key, std::string_view value, bool sync) = 0;
  // NotFound if absent.
  virtual absl::StatusOr<std::string> Get(std::string_view key) = 0;
  // Reads up to `n` keys in order from `start`; returns how many it read.
  virtual absl::StatusOr<size_t> Scan(std::string_view start, size_t n) = 0;
  // Makes everything durable and releases the store (timed by the recovery workload).
  virtual absl::Status Close() = 0;
  // The engine's own statistics as "name value" lines (ringkv: the "ringkv.stats" property);
  // Unimplemented for engines whose figures the benchmarks do not read.
  virtual absl::StatusOr<std::string> Statistics() {
    return absl::UnimplementedError(name() + " has no statistics the benchmarks read");
  }
  // Merges everything logged into the store's main structure, so a reopen has nothing to
  // replay (ringkv: DB::Checkpoint); Unimplemented where the benchmarks do not ask for it.
  virtual absl::Status Checkpoint() {
    return absl::UnimplementedError(name() + " has no checkpoint the benchmarks use");
  }
  // Whether the store's own background work runs now (ringkv: a checkpoint; RocksDB: a flush
  // or a compaction), for the scale workload's sync-put latency under it; Unimplemented for
  // stores that cannot tell or have none.
  virtual absl::StatusOr<bool> BackgroundWorkRunning() {
    return absl::UnimplementedError(name() + " does not tell when its background work runs");
  }
  // What BackgroundWorkRunning watches, for reports ("a checkpoint"); "" where it is Unimplemented.
  virtual std::string BackgroundWorkName() const { return ""; }
};

struct PeerInfo {
  std::string name;
  bool available;  // compiled in (its -dev package was found)
};

// Every engine the build knows, ringkv first.
std::vector<PeerInfo> KnownStores();
// Settings a run may change from each store's defaults.
struct StoreOptions {
  uint64_t ringkv_memtable_bytes = 0;  // 0: ringkv's default (e.g. to keep 1 GiB of WAL unmerged)
  double ringkv_run_merge_ratio = -1;  // negative: ringkv's default
  double ringkv_run_overwrite_ratio = -1;  // negative: ringkv's default
};

// Opens (creating) store `name` in directory `dir` (which must not exist yet or be its own).
absl::StatusOr<std::unique_ptr<KvStore>> OpenStore(const std::string& name, const std::string& dir,
                                                   const StoreOptions& options = {});

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_PEERS_KV_STORE_H_
