#include "tools/bench/bench_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, methods, "",
          "bench device: comma-separated write methods, or 'all' (default: the default matrix; "
          "see docs/benchmarking.md)");
ABSL_FLAG(std::string, file_states, "", "bench device: zeroed,fallocated,extending");
ABSL_FLAG(std::string, block_sizes, "", "bench device: block sizes, e.g. 512,4k,64k,1m");
ABSL_FLAG(std::string, depths, "",
          "bench device: writes in flight, 1..64 (threads for syscall methods, ring depth for "
          "io_uring ones)");
ABSL_FLAG(double, seconds, 0,
          "bench: seconds per run (default: 2 for device runs, 3 for engine runs)");
ABSL_FLAG(int, repeat, 1, "bench: repetitions of every run; figures are medians");
ABSL_FLAG(std::string, bench_json, "", "bench: write every figure and the machine as JSON here (--json FILE)");
ABSL_FLAG(std::string, svg, "", "bench: draw the latency percentiles of every run into this SVG file");
ABSL_FLAG(std::string, workload, "fillsync",
          "bench engine: fillsync|fillrandom|fillseq|readrandom|readseq|scan|mixed|recovery");
ABSL_FLAG(bool, compare, false,
          "bench engine: run the workload on RocksDB, LevelDB, LMDB and SQLite too (those built in)");
ABSL_FLAG(int, threads, 1, "bench engine: client threads");
ABSL_FLAG(uint64_t, key_bytes, 16, "bench engine: key size");
ABSL_FLAG(uint64_t, value_bytes, 100, "bench engine: value size");
ABSL_FLAG(uint64_t, op_count, 0,
          "bench engine: ops per thread instead of a duration (0: run for --seconds)");
ABSL_FLAG(uint64_t, num_keys, 100000, "bench engine: keys loaded before read and mixed workloads");
ABSL_FLAG(int, read_percent, 50, "bench engine: mixed: percentage of gets (the rest are sync puts)");

namespace ringkv::tools {

absl::StatusOr<std::vector<uint64_t>> ParseSizeList(const std::string& flag, const std::string& text) {
  std::vector<uint64_t> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(item));
    uint64_t unit = 1;
    for (const auto& [suffix, factor] :
         {std::pair<const char*, uint64_t>{"kib", 1024}, {"mib", 1 << 20}, {"k", 1024},
          {"m", 1 << 20}, {"b", 1}}) {
      if (absl::EndsWith(s, suffix)) {
        s.resize(s.size() - std::string_view(suffix).size());
        unit = factor;
        break;
      }
    }
    uint64_t n = 0;
    if (!absl::SimpleAtoi(s, &n) || n == 0 || n * unit > (64u << 20)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, ": '", item, "' is not a size between 1 byte and 64MiB (e.g. 512, 4k, 1m)"));
    }
    out.push_back(n * unit);
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is empty"));
  return out;
}

absl::StatusOr<std::vector<int>> ParseIntList(const std::string& flag, const std::string& text,
                                              int min, int max) {
  std::vector<int> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    int n = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(item), &n) || n < min || n > max) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": '", item, "' is not a number from ", min, " to ", max));
    }
    out.push_back(n);
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is empty"));
  return out;
}

}  // namespace ringkv::tools
