// Percentiles of a small set of latency samples, exact (nearest rank), for phases that keep
// every sample (a few hundred) instead of a histogram.
#ifndef RINGKV_BENCH_REPORT_SAMPLE_PERCENTILES_H_
#define RINGKV_BENCH_REPORT_SAMPLE_PERCENTILES_H_

#include <vector>

namespace ringkv::bench {

// The nearest-rank percentile `p` (0 < p <= 100) of `values`: the ceil(p% * n)-th smallest,
// so every figure reported is one that was measured. 0 for no values.
double NearestRankPercentile(std::vector<double> values, double p);

// `numerator / denominator`, or 0 when either is not positive (a ratio of figures a phase did
// not measure is not a figure).
double RatioOrZero(double numerator, double denominator);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_SAMPLE_PERCENTILES_H_
