// The flags of `ringkv bench`. Flags are global in the ringkv binary, so the names here were
// chosen not to clash with other subcommands' (`--json` is the stats command's boolean, hence
// bench's --json FILE is spelled --bench_json internally, and --keys/--chunk of the scale
// workload --scale_keys/--scale_chunk; see Command::flag_aliases).
#ifndef RINGKV_TOOLS_BENCH_BENCH_FLAGS_H_
#define RINGKV_TOOLS_BENCH_BENCH_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "bench/peers/kv_store.h"

ABSL_DECLARE_FLAG(std::string, methods);
ABSL_DECLARE_FLAG(std::string, file_states);
ABSL_DECLARE_FLAG(std::string, block_sizes);
ABSL_DECLARE_FLAG(std::string, depths);
ABSL_DECLARE_FLAG(double, seconds);
ABSL_DECLARE_FLAG(int, repeat);
ABSL_DECLARE_FLAG(std::string, bench_json);
ABSL_DECLARE_FLAG(std::string, svg);
ABSL_DECLARE_FLAG(std::string, workload);
ABSL_DECLARE_FLAG(bool, compare);
ABSL_DECLARE_FLAG(std::string, engines);
ABSL_DECLARE_FLAG(std::string, goals);
ABSL_DECLARE_FLAG(bool, checkpoint_before_reopen);
ABSL_DECLARE_FLAG(uint64_t, ringkv_memtable_mib);
ABSL_DECLARE_FLAG(double, ringkv_run_merge_ratio);
ABSL_DECLARE_FLAG(double, ringkv_run_overwrite_ratio);
ABSL_DECLARE_FLAG(uint64_t, scale_keys);
ABSL_DECLARE_FLAG(uint64_t, scale_chunk);
ABSL_DECLARE_FLAG(std::string, scale_mode);
ABSL_DECLARE_FLAG(uint64_t, scale_gets);
ABSL_DECLARE_FLAG(uint64_t, scale_cold_gets);
ABSL_DECLARE_FLAG(double, scale_memory_fraction);
ABSL_DECLARE_FLAG(uint64_t, scale_stall_samples);
ABSL_DECLARE_FLAG(double, scale_stall_seconds);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(uint64_t, key_bytes);
ABSL_DECLARE_FLAG(uint64_t, value_bytes);
ABSL_DECLARE_FLAG(uint64_t, op_count);
ABSL_DECLARE_FLAG(uint64_t, num_keys);
ABSL_DECLARE_FLAG(int, read_percent);

namespace ringkv::tools {

// "512,4k,64KiB,1m" -> bytes. InvalidArgument naming the flag and the bad item.
absl::StatusOr<std::vector<uint64_t>> ParseSizeList(const std::string& flag, const std::string& text);
// "1,4,16" -> numbers in [min, max].
absl::StatusOr<std::vector<int>> ParseIntList(const std::string& flag, const std::string& text,
                                              int min, int max);
// The stores to run: --engines if given (each must be known; ones not built in are skipped
// with a message on stderr and in `skipped`), else ringkv, or every store built in with
// --compare.
absl::StatusOr<std::vector<std::string>> StoresFromFlags(std::vector<std::string>* skipped);
// The --ringkv_* settings, for every workload that opens stores.
bench::StoreOptions StoreOptionsFromFlags();

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_BENCH_BENCH_FLAGS_H_
