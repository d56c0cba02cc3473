#include "bench/report/medians.h"

#include <algorithm>

namespace ringkv::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) / 2];
}

RunFigures MedianFigures(const std::vector<RunFigures>& reps) {
  RunFigures m;
  if (reps.empty()) return m;
  auto med = [&](double RunFigures::*field) {
    std::vector<double> v;
    for (const RunFigures& r : reps) v.push_back(r.*field);
    return Median(std::move(v));
  };
  std::vector<double> ops;
  for (const RunFigures& r : reps) ops.push_back(static_cast<double>(r.ops));
  m.ops = static_cast<uint64_t>(Median(ops));
  m.seconds = med(&RunFigures::seconds);
  m.ops_per_sec = med(&RunFigures::ops_per_sec);
  m.mb_per_sec = med(&RunFigures::mb_per_sec);
  m.p50_us = med(&RunFigures::p50_us);
  m.p90_us = med(&RunFigures::p90_us);
  m.p99_us = med(&RunFigures::p99_us);
  m.p999_us = med(&RunFigures::p999_us);
  m.max_us = med(&RunFigures::max_us);
  m.mean_us = med(&RunFigures::mean_us);
  return m;
}

}  // namespace ringkv::bench
