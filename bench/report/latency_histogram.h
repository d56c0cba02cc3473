// A fixed log-linear latency histogram (HDR-style): values below 128 ns are counted exactly,
// each power of two above is split into 128 equal buckets, so a percentile is within 1/128
// (0.8%) of the true value. The buckets are allocated once, in the constructor; Record() neither
// allocates nor locks, so each measuring thread keeps its own histogram and they are merged
// after the run. Not thread-safe: one thread records into one histogram.
#ifndef RINGKV_BENCH_REPORT_LATENCY_HISTOGRAM_H_
#define RINGKV_BENCH_REPORT_LATENCY_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ringkv::bench {

class LatencyHistogram {
 public:
  // 2^kSubBucketBits buckets per power of two.
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  // Values at or above 2^kMaxExponent ns (~4.9 hours) are counted in the last bucket; the exact
  // maximum is still kept.
  static constexpr int kMaxExponent = 44;
  static constexpr size_t kBucketCount = kSubBuckets + (kMaxExponent - kSubBucketBits) * kSubBuckets;

  LatencyHistogram();
  LatencyHistogram(const LatencyHistogram& other);
  LatencyHistogram& operator=(const LatencyHistogram& other);

  void Record(uint64_t ns) {
    ++counts_[BucketIndex(ns)];
    ++count_;
    sum_ns_ += ns;
    if (ns < min_ns_) min_ns_ = ns;
    if (ns > max_ns_) max_ns_ = ns;
  }
  // Adds every value recorded in `other`.
  void Merge(const LatencyHistogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  uint64_t min_ns() const { return count_ ? min_ns_ : 0; }
  uint64_t max_ns() const { return max_ns_; }
  double mean_ns() const { return count_ ? static_cast<double>(sum_ns_) / count_ : 0; }
  // The value at percentile `p` (0 < p <= 100): the midpoint of the bucket holding the
  // ceil(p% * count)-th smallest value, clamped to [min, max] (so p100 is the exact maximum).
  // 0 when nothing was recorded.
  uint64_t PercentileNs(double p) const;

  // The bucket of a value, and the range [BucketLowNs, BucketHighNs] of values it holds.
  static size_t BucketIndex(uint64_t ns) {
    if (ns < kSubBuckets) return static_cast<size_t>(ns);
    const int exponent = 63 - __builtin_clzll(ns);  // >= kSubBucketBits
    if (exponent >= kMaxExponent) return kBucketCount - 1;
    const int shift = exponent - kSubBucketBits;
    const uint64_t sub = (ns >> shift) - kSubBuckets;  // 0 .. kSubBuckets-1
    return static_cast<size_t>(kSubBuckets + static_cast<uint64_t>(shift) * kSubBuckets + sub);
  }
  static uint64_t BucketLowNs(size_t index);
  static uint64_t BucketHighNs(size_t index);

 private:
  std::unique_ptr<uint64_t[]> counts_;  // kBucketCount entries
  uint64_t count_ = 0;
  uint64_t sum_ns_ = 0;
  uint64_t min_ns_ = UINT64_MAX;
  uint64_t max_ns_ = 0;
};

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_LATENCY_HISTOGRAM_H_
