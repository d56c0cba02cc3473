#include "bench/report/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ringkv::bench {

LatencyHistogram::LatencyHistogram() : counts_(new uint64_t[kBucketCount]()) {}

LatencyHistogram::LatencyHistogram(const LatencyHistogram& other) : LatencyHistogram() {
  *this = other;
}

LatencyHistogram& LatencyHistogram::operator=(const LatencyHistogram& other) {
  if (this == &other) return *this;
  std::memcpy(counts_.get(), other.counts_.get(), kBucketCount * sizeof(uint64_t));
  count_ = other.count_;
  sum_ns_ = other.sum_ns_;
  min_ns_ = other.min_ns_;
  max_ns_ = other.max_ns_;
  return *this;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
  min_ns_ = std::min(min_ns_, other.min_ns_);
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

void LatencyHistogram::Reset() {
  std::memset(counts_.get(), 0, kBucketCount * sizeof(uint64_t));
  count_ = 0;
  sum_ns_ = 0;
  min_ns_ = UINT64_MAX;
  max_ns_ = 0;
}

uint64_t LatencyHistogram::BucketLowNs(size_t index) {
  if (index < kSubBuckets) return index;
  const uint64_t shift = (index - kSubBuckets) / kSubBuckets;
  const uint64_t sub = (index - kSubBuckets) % kSubBuckets;
  return (kSubBuckets + sub) << shift;
}

uint64_t LatencyHistogram::BucketHighNs(size_t index) {
  if (index < kSubBuckets) return index;
  if (index == kBucketCount - 1) return UINT64_MAX;
  return BucketLowNs(index + 1) - 1;
}

uint64_t LatencyHistogram::PercentileNs(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // The rank of the value asked for, 1-based: p50 of 1..10 is the 5th value.
  uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  if (rank == count_) return max_ns_;  // the largest value is known exactly
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    const uint64_t low = BucketLowNs(i);
    const uint64_t high = i == kBucketCount - 1 ? max_ns_ : BucketHighNs(i);
    const uint64_t mid = low + (high - low) / 2;
    return std::clamp(mid, min_ns_, max_ns_);
  }
  return max_ns_;
}

}  // namespace ringkv::bench
