// The scale workload of `ringkv bench engine --workload=scale`: N random keys (16-19 bytes,
// values of 100 random, incompressible bytes, sync=false, one thread) put into one store
// through its public API in chunks, then space, reopen, random gets warm and with the page
// cache limited to a quarter of the database. Each store runs in its own child processes, so
// /proc/self/io, the peak RSS and the memory limit are that store's alone.
#ifndef RINGKV_BENCH_SCALE_SCALE_WORKLOAD_H_
#define RINGKV_BENCH_SCALE_SCALE_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/peers/kv_store.h"
#include "bench/report/bench_result.h"
#include "bench/report/progress.h"

namespace ringkv::bench {

enum class ScaleMode {
  kInsert,     // N puts of new keys
  kOverwrite,  // N keys inserted first (not charted), then N puts of random existing keys
  kMix,        // N keys inserted first, then N ops: half gets, half overwrites, random keys
};
const char* ScaleModeName(ScaleMode mode);
bool ParseScaleMode(const std::string& name, ScaleMode* mode);

struct ScaleConfig {
  std::string dir;               // scratch directory; each store gets a fresh subdirectory
  uint64_t keys = 2'000'000;     // distinct keys (and ops of the measured phase)
  uint64_t chunk_ops = 0;        // ops per chunk of the chart (0: keys / 10)
  ScaleMode mode = ScaleMode::kInsert;
  uint64_t warm_gets = 200'000;  // random gets after the files were read into the page cache
  uint64_t cold_gets = 20'000;   // random gets under the memory limit (0: skip that phase)
  double cold_max_seconds = 30;  // ... or fewer, when a store thrashes at the limit
  double memory_limit_fraction = 0.25;  // of the files on disk
  uint64_t stall_samples = 300;  // sync puts idle, and while background work runs (0: skip)
  double stall_max_seconds = 30; // cap of the busy part (the idle part: a third of it)
  int repeat = 1;                // runs of every store (rep-major); figures are medians
  StoreOptions store;
};

// Called in the parent after each chunk the child reports (for the progress line).
using ScaleChunkCallback = std::function<void(const ScaleResult& so_far, const ScaleChunk& chunk)>;

// Runs the scale workload on `store` (its write phase in one child process, the cold gets in
// a second one) and returns what the children reported. A failure inside a child is in
// ScaleResult::error with the figures measured before it; the Status is for the parent's own
// failures (fork, pipe).
absl::StatusOr<ScaleResult> RunScaleWorkload(const std::string& store, const ScaleConfig& config,
                                             const ScaleChunkCallback& on_chunk);

// The scale workload on every store in turn, config.repeat times over (every store once, then
// every store again, so a slow spell of the machine falls on all of them), with a progress
// line per chunk, as a report of mode "scale" with one result per store: the medians of its
// runs when there were several. A failed run is a warning in the report, its figures up to
// the failure kept in its repetition.
absl::StatusOr<Report> RunScaleSuite(const ScaleConfig& config, const std::vector<std::string>& stores,
                                     Progress& progress);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_SCALE_SCALE_WORKLOAD_H_
