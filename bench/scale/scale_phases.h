// What the scale workload's child processes do (bench/scale/scale_workload.h runs them). Each
// reports through `out` and returns the child's exit status; the store's directory `dir` is
// the caller's to create and remove.
#ifndef RINGKV_BENCH_SCALE_SCALE_PHASES_H_
#define RINGKV_BENCH_SCALE_SCALE_PHASES_H_

#include <string>

#include "bench/scale/scale_report_lines.h"
#include "bench/scale/scale_workload.h"

namespace ringkv::bench {

// The chunked puts (after a load for overwrite and mix), Close, space on disk, the timed
// reopen (Open + first Get), warm random gets, and the peak RSS.
int RunScaleWritePhase(const std::string& store, const ScaleConfig& config, const std::string& dir,
                       ScaleLineWriter& out);

// Random gets over the database written by RunScaleWritePhase; the caller has already put
// this process in the memory cgroup and dropped the files from the page cache.
int RunScaleColdPhase(const std::string& store, const ScaleConfig& config, const std::string& dir,
                      ScaleLineWriter& out);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_SCALE_SCALE_PHASES_H_
