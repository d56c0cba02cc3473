// Warnings for figures that cannot be what they claim. A durable write has to reach stable
// media: through a volatile write cache that takes a FLUSH (or a FUA write) and a device round
// trip, tens of microseconds at the very least on SATA/SAS/virtio. When a run is faster than
// that, or a sync costs nothing over a plain page-cache write, something between us and the
// media is acknowledging from a volatile cache, and the table must say so. docs/benchmarking.md
// explains each threshold.
#ifndef RINGKV_BENCH_REPORT_HONESTY_CHECKS_H_
#define RINGKV_BENCH_REPORT_HONESTY_CHECKS_H_

#include <cstdint>
#include <map>

#include "bench/report/bench_result.h"

namespace ringkv::bench {

// A durable 4 KiB-class write faster than this at p50 is implausible (microseconds).
constexpr double kMinFlushUsNonNvme = 20.0;
constexpr double kMinFlushUsNvme = 5.0;
// A durable write must cost at least this much more than a page-cache write (microseconds).
constexpr double kMinSyncCostUs = 10.0;
// Blocks at or below this size are judged by the thresholds above.
constexpr uint64_t kSmallBlockBytes = 16384;

// Device runs: implausibly fast durable writes; syncs that cost nothing over the buffered p50
// at the same block size (`buffered_p50_us`, block bytes -> p50, measured in the same
// invocation); too few writes for the tail percentiles; repetitions that disagree. Appends to
// each run's warnings and to report->warnings.
void CheckDeviceRuns(const std::map<uint64_t, double>& buffered_p50_us, Report* report);

// Engine runs: sync commits faster than the device's own durable write (`raw_p50_us`: the
// fastest p50 of the device measurements, 0 when not measured), too few ops, repetitions that
// disagree.
void CheckEngineRuns(double raw_p50_us, Report* report);

// Machine-level notes: a device that reports a write-through cache (the kernel then sends no
// flushes at all) or whose cache settings could not be read.
void CheckMachine(Report* report);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_HONESTY_CHECKS_H_
