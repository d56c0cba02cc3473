// The scale workload's stall phase (issue #17: "no write stalls"): sync-put latency on the
// full database, first with nothing else running, then while the store's background work runs.
// A second thread puts (non-sync, overwriting random existing keys) until the store reports
// background work (ringkv: the memtable rotated and a checkpoint of the whole tree runs;
// RocksDB: a flush or compaction), then pauses until the work ends and starts again; the
// measuring thread's sync puts that begin or end while the work runs are the busy samples.
// Stores that cannot tell (LevelDB, LMDB, SQLite) are measured during the other thread's burst
// of puts instead, and the report says so.
#ifndef RINGKV_BENCH_SCALE_STALL_PHASE_H_
#define RINGKV_BENCH_SCALE_STALL_PHASE_H_

#include <string>

#include "bench/scale/scale_report_lines.h"
#include "bench/scale/scale_workload.h"

namespace ringkv::bench {

// Runs in its own child process, last (it changes the database): opens the store in `dir`,
// reports the stall_* figures and a "stall_during" line, and does not close the store (a
// checkpoint still running would be waited for, and the directory is removed next).
int RunScaleStallPhase(const std::string& store, const ScaleConfig& config, const std::string& dir,
                       ScaleLineWriter& out);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_SCALE_STALL_PHASE_H_
