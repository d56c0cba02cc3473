// Medians over repetitions: every figure of a benchmark row is the median of that figure over
// its repetitions (the lower middle for an even count, so a reported figure was measured).
#ifndef RINGKV_BENCH_REPORT_MEDIANS_H_
#define RINGKV_BENCH_REPORT_MEDIANS_H_

#include <vector>

#include "bench/report/bench_result.h"

namespace ringkv::bench {

double Median(std::vector<double> values);
// Each figure's median over `reps` (a row's figures may then come from different repetitions).
RunFigures MedianFigures(const std::vector<RunFigures>& reps);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_MEDIANS_H_
