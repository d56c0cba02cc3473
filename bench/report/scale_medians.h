// The scale workload's figures over --repeat runs: each headline figure (insert rate, last vs
// first chunk, write amplification, space, gets warm and limited, reopen, peak RSS, sync-put
// latency idle and busy) is its median over the runs, and each chunk's rate and write
// amplification the median at that chunk. Medians are the lower middle (bench/report/medians.h),
// so every figure was measured in some run.
#ifndef RINGKV_BENCH_REPORT_SCALE_MEDIANS_H_
#define RINGKV_BENCH_REPORT_SCALE_MEDIANS_H_

#include <vector>

#include "bench/report/bench_result.h"

namespace ringkv::bench {

// The median result of one store's runs, with the runs in `repetitions`. Runs that failed are
// left out of the medians while any run succeeded (a failed run's figures stop where it
// failed); the first failure is the result's error only when every run failed. The notes are
// every distinct note of the runs.
ScaleResult MedianScaleResult(const std::vector<ScaleResult>& runs);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_SCALE_MEDIANS_H_
