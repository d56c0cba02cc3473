#include "bench/report/sample_percentiles.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace ringkv::bench {

double NearestRankPercentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  const double clamped = std::clamp(p, 0.0, 100.0);
  size_t rank = static_cast<size_t>(std::ceil(clamped / 100.0 * values.size()));
  rank = std::clamp<size_t>(rank, 1, values.size());
  std::nth_element(values.begin(), values.begin() + (rank - 1), values.end());
  return values[rank - 1];
}

double RatioOrZero(double numerator, double denominator) {
  if (!(numerator > 0) || !(denominator > 0)) return 0;
  return numerator / denominator;
}

}  // namespace ringkv::bench
