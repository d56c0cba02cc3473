#include "tools/bench/bench_flags.h"

#include <algorithm>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/peers/kv_store.h"

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
          "bench engine: fillsync|fillrandom|fillseq|readrandom|readseq|scan|mixed|recovery|scale");
ABSL_FLAG(bool, compare, false,
          "bench engine: run on RocksDB, LevelDB, LMDB and SQLite too (those built in)");
ABSL_FLAG(std::string, engines, "",
          "bench engine: comma-separated stores to run (ringkv,rocksdb,leveldb,lmdb,sqlite; "
          "default: ringkv, or every one built in with --compare)");
ABSL_FLAG(std::string, goals, "",
          "bench engine: instead of --workload, the project's goals: all, or some of fillsync1,"
          "fillsync64,fillrandom1,readrandom2,recovery; adds ringkv against the device and the "
          "best peer");
ABSL_FLAG(bool, checkpoint_before_reopen, false,
          "bench engine: recovery: checkpoint before closing, so the reopen replays nothing "
          "(stores without a checkpoint fail the run)");
ABSL_FLAG(uint64_t, ringkv_memtable_mib, 0,
          "bench engine: ringkv's memtable budget in MiB (0: its default)");
ABSL_FLAG(double, ringkv_run_merge_ratio, -1,
          "bench engine: ringkv's Options::run_merge_ratio, 0 to 4 (negative: its default)");
ABSL_FLAG(double, ringkv_run_overwrite_ratio, -1,
          "bench engine: ringkv's Options::run_overwrite_ratio, 0 to 4 (negative: its default)");
ABSL_FLAG(uint64_t, scale_keys, 2000000, "bench engine --workload=scale: keys (--keys)");
ABSL_FLAG(uint64_t, scale_chunk, 0,
          "bench engine --workload=scale: ops per chunk of the chart (--chunk; 0: a tenth)");
ABSL_FLAG(std::string, scale_mode, "insert",
          "bench engine --workload=scale: insert (new keys), overwrite (of existing keys after "
          "inserting them) or mix (half gets, half overwrites, after inserting)");
ABSL_FLAG(uint64_t, scale_gets, 200000,
          "bench engine --workload=scale: random gets with the files in the page cache");
ABSL_FLAG(uint64_t, scale_cold_gets, 20000,
          "bench engine --workload=scale: random gets with memory limited to a quarter of the "
          "files (0: skip)");
ABSL_FLAG(double, scale_memory_fraction, 0.25,
          "bench engine --workload=scale: the cold gets' memory limit as a fraction of the files "
          "on disk (0.25: the database 4x larger than the memory)");
ABSL_FLAG(uint64_t, scale_stall_samples, 300,
          "bench engine --workload=scale: sync puts timed idle and again while the store's "
          "background work (a checkpoint, a flush or compaction) runs (0: skip the stall phase)");
ABSL_FLAG(double, scale_stall_seconds, 30,
          "bench engine --workload=scale: at most this long for the stall phase's busy samples");
ABSL_FLAG(int, threads, 1, "bench engine: client threads");
ABSL_FLAG(uint64_t, key_bytes, 16, "bench engine: key size");
ABSL_FLAG(uint64_t, value_bytes, 100, "bench engine: value size");
ABSL_FLAG(uint64_t, op_count, 0,
          "bench engine: ops per thread instead of a duration (0: run for --seconds; with "
          "--goals, puts of fillrandom1, default 200000)");
ABSL_FLAG(uint64_t, num_keys, 0,
          "bench engine: keys loaded before read, mixed and recovery workloads (0: 100000, or "
          "1000000 with --goals)");
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

absl::StatusOr<std::vector<std::string>> StoresFromFlags(std::vector<std::string>* skipped) {
  const std::vector<bench::PeerInfo> known = bench::KnownStores();
  std::vector<std::string> wanted;
  if (const std::string text = absl::GetFlag(FLAGS_engines); !text.empty()) {
    wanted = absl::StrSplit(text, ',', absl::SkipWhitespace());
  } else {
    for (const bench::PeerInfo& p : known) {
      if (p.name == "ringkv" || absl::GetFlag(FLAGS_compare)) wanted.push_back(p.name);
    }
  }
  std::vector<std::string> stores;
  for (const std::string& name : wanted) {
    auto it = std::find_if(known.begin(), known.end(), [&](const bench::PeerInfo& p) { return p.name == name; });
    if (it == known.end()) {
      std::string names;
      for (const bench::PeerInfo& p : known) absl::StrAppend(&names, names.empty() ? "" : ", ", p.name);
      return absl::InvalidArgumentError(absl::StrCat("--engines: unknown store '", name, "' (one of ", names, ")"));
    }
    if (it->available) {
      stores.push_back(name);
    } else {
      std::fprintf(stderr, "ringkv bench: skipping %s: not built in (install its -dev package: "
                   "scripts/setup.sh --peers, then rebuild)\n", name.c_str());
      skipped->push_back(absl::StrCat(name, ": not built in"));
    }
  }
  if (stores.empty()) return absl::InvalidArgumentError("no store to run (see --engines)");
  return stores;
}

bench::StoreOptions StoreOptionsFromFlags() {
  bench::StoreOptions o;
  o.ringkv_memtable_bytes = absl::GetFlag(FLAGS_ringkv_memtable_mib) << 20;
  o.ringkv_run_merge_ratio = absl::GetFlag(FLAGS_ringkv_run_merge_ratio);
  o.ringkv_run_overwrite_ratio = absl::GetFlag(FLAGS_ringkv_run_overwrite_ratio);
  return o;
}

}  // namespace ringkv::tools
