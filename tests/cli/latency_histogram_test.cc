// LatencyHistogram: percentiles of known distributions within the documented 1/128 relative
// error, exact extremes, merging, and the bucket boundaries themselves.
#include "bench/report/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace ringkv::bench {
namespace {

// The exact percentile by the same rank rule the histogram uses.
uint64_t ExactPercentile(std::vector<uint64_t> values, double p) {
  std::sort(values.begin(), values.end());
  uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * values.size()));
  rank = std::clamp<uint64_t>(rank, 1, values.size());
  return values[rank - 1];
}

void ExpectNear(uint64_t got, uint64_t want, const char* what) {
  // Within one bucket: 1/128 of the value (plus one for the small exact range).
  const double tolerance = static_cast<double>(want) / 128.0 + 1.0;
  EXPECT_NEAR(static_cast<double>(got), static_cast<double>(want), tolerance) << what;
}

TEST(LatencyHistogramTest, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.PercentileNs(50), 0u);
  EXPECT_EQ(h.min_ns(), 0u);
  EXPECT_EQ(h.max_ns(), 0u);
  EXPECT_EQ(h.mean_ns(), 0.0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.PercentileNs(50), 50u);
  EXPECT_EQ(h.PercentileNs(90), 90u);
  EXPECT_EQ(h.PercentileNs(99), 99u);
  EXPECT_EQ(h.PercentileNs(100), 100u);
  EXPECT_EQ(h.min_ns(), 1u);
  EXPECT_DOUBLE_EQ(h.mean_ns(), 50.5);
}

TEST(LatencyHistogramTest, ConstantValueIsExactAtEveryPercentile) {
  LatencyHistogram h;
  for (int i = 0; i < 1000; ++i) h.Record(87'654);
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(h.PercentileNs(p), 87'654u) << p;
}

TEST(LatencyHistogramTest, UniformDistribution) {
  LatencyHistogram h;
  std::vector<uint64_t> values;
  for (uint64_t v = 1; v <= 200'000; ++v) {
    values.push_back(v * 7);
    h.Record(v * 7);
  }
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    ExpectNear(h.PercentileNs(p), ExactPercentile(values, p), "uniform");
  }
  EXPECT_EQ(h.PercentileNs(100), 1'400'000u);
  EXPECT_EQ(h.max_ns(), 1'400'000u);
}

TEST(LatencyHistogramTest, ExponentialDistributionWithLongTail) {
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> exp(1.0 / 100'000.0);  // mean 100 us
  LatencyHistogram h;
  std::vector<uint64_t> values;
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t v = static_cast<uint64_t>(exp(rng)) + 1;
    values.push_back(v);
    h.Record(v);
  }
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    ExpectNear(h.PercentileNs(p), ExactPercentile(values, p), "exponential");
  }
  EXPECT_EQ(h.max_ns(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.min_ns(), *std::min_element(values.begin(), values.end()));
}

TEST(LatencyHistogramTest, BimodalPercentilesLandInTheRightMode) {
  // 90% fast cache hits at 10 us, 10% slow flushes at 5 ms: p50 fast, p99 slow.
  LatencyHistogram h;
  for (int i = 0; i < 9000; ++i) h.Record(10'000);
  for (int i = 0; i < 1000; ++i) h.Record(5'000'000);
  ExpectNear(h.PercentileNs(50), 10'000, "p50");
  ExpectNear(h.PercentileNs(90), 10'000, "p90");
  ExpectNear(h.PercentileNs(90.1), 5'000'000, "p90.1");
  ExpectNear(h.PercentileNs(99), 5'000'000, "p99");
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50'000; ++i) {
    const uint64_t v = rng() % 10'000'000;
    (i % 2 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min_ns(), all.min_ns());
  EXPECT_EQ(a.max_ns(), all.max_ns());
  EXPECT_DOUBLE_EQ(a.mean_ns(), all.mean_ns());
  for (double p : {50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(a.PercentileNs(p), all.PercentileNs(p));
  a.Reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.PercentileNs(99), 0u);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGaps) {
  for (size_t i = 0; i + 1 < LatencyHistogram::kBucketCount; ++i) {
    ASSERT_EQ(LatencyHistogram::BucketHighNs(i) + 1, LatencyHistogram::BucketLowNs(i + 1)) << i;
    ASSERT_EQ(LatencyHistogram::BucketIndex(LatencyHistogram::BucketLowNs(i)), i);
    ASSERT_EQ(LatencyHistogram::BucketIndex(LatencyHistogram::BucketHighNs(i)), i);
  }
  // Relative width stays within 1/128 above the exact range.
  for (size_t i = LatencyHistogram::kSubBuckets; i + 1 < LatencyHistogram::kBucketCount; ++i) {
    const double low = static_cast<double>(LatencyHistogram::BucketLowNs(i));
    const double width = static_cast<double>(LatencyHistogram::BucketHighNs(i)) - low + 1;
    ASSERT_LE(width / low, 1.0 / 128.0 + 1e-12) << i;
  }
}

TEST(LatencyHistogramTest, HugeValuesClampToTheLastBucketButKeepTheExactMax) {
  LatencyHistogram h;
  h.Record(UINT64_MAX / 2);
  h.Record(1000);
  EXPECT_EQ(LatencyHistogram::BucketIndex(UINT64_MAX), LatencyHistogram::kBucketCount - 1);
  EXPECT_EQ(h.max_ns(), UINT64_MAX / 2);
  EXPECT_EQ(h.PercentileNs(100), UINT64_MAX / 2);
  ExpectNear(h.PercentileNs(50), 1000, "p50");
}

}  // namespace
}  // namespace ringkv::bench
