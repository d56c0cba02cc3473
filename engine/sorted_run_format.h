// The on-disk layout of the sorted-run catalog (the MANIFEST's catalog bytes) and of a run's
// filter (docs/format.md, "Sorted runs"). Encoders and decoders (engine/sorted_run.cc,
// engine/run_filter.cc) both use these.
#ifndef RINGKV_ENGINE_SORTED_RUN_FORMAT_H_
#define RINGKV_ENGINE_SORTED_RUN_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace ringkv {

// Version 2 added `replaced` to each record, version 3 `replaced_bytes`.
inline constexpr uint32_t kRunCatalogVersion = 3;
// Catalog: version u32, run count u32, then one record per run, newest first.
inline constexpr size_t kRunCatalogHeaderBytes = 8;
// Record: root u64, filter u64 (first page of its chain), filter bytes u32, flags u32,
// entries u64, pages u64, id u64, replaced u64, replaced_bytes u64, then merged_below's length
// u32 and bytes.
inline constexpr size_t kRunRecordBytes = 64;  // the fixed part
inline constexpr size_t kRunBoundLengthBytes = 4;
inline constexpr uint32_t kRunHasOverflow = 1;  // flag: some entry has an overflow chain
// More runs than this is a damaged catalog (the engine merges long before).
inline constexpr uint32_t kMaxSortedRuns = 1024;

inline constexpr uint32_t kRunFilterVersion = 1;
// Filter: version u32, probes u32, blocks u64, then blocks * 64 bytes of bits.
inline constexpr size_t kRunFilterHeaderBytes = 16;
inline constexpr uint32_t kRunFilterProbes = 6;
inline constexpr uint32_t kRunFilterBitsPerKey = 10;
inline constexpr size_t kRunFilterBlockBytes = 64;

static_assert(kRunRecordBytes == 8 + 8 + 4 + 4 + 8 + 8 + 8 + 8 + 8);
// A run's `replaced` is estimated from the keys whose filter hash has these bits all zero (one
// key in 64): the checkpoint looks each of them up in what was published before the run.
inline constexpr uint64_t kRunReplacedSampleMask = 63;
// A bound is a key: at most kMaxKeyBytes (ringkv/size_limits.h) plus one byte.
inline constexpr size_t kMaxRunBoundBytes = (16u << 10) + 1;
static_assert(kRunFilterBlockBytes * 8 == 512, "probes take 9 bits of the hash each");
static_assert(kRunFilterProbes * 9 <= 64);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_SORTED_RUN_FORMAT_H_
