// `ringkv bench device|engine DIR`: the durability benchmark (docs/benchmarking.md).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/bench/bench_modes.h"
#include "tools/command.h"

namespace ringkv::tools {
namespace {

constexpr char kBenchUsage[] =
    "ringkv bench device DIR [--methods=M,...|all] [--file_states=zeroed,fallocated,extending]\n"
    "                        [--block_sizes=512,4k,...,1m] [--depths=1,4,...,64]\n"
    "       ringkv bench engine DIR [--workload=fillsync|fillrandom|fillseq|readrandom|readseq|"
    "scan|mixed|recovery]\n"
    "                        [--goals=all|fillsync1,fillsync64,fillrandom1,readrandom2,recovery]\n"
    "                        [--compare | --engines=ringkv,rocksdb,leveldb,lmdb,sqlite]\n"
    "                        [--threads=N] [--key_bytes=N] [--value_bytes=N] [--op_count=N]\n"
    "                        [--num_keys=N] [--read_percent=P] [--checkpoint_before_reopen]\n"
    "                        [--ringkv_memtable_mib=N] [--ringkv_run_merge_ratio=R]\n"
    "                        [--ringkv_run_overwrite_ratio=R]\n"
    "       ringkv bench engine DIR --workload=scale [--keys=N] [--chunk=N]\n"
    "                        [--scale_mode=insert|overwrite|mix] [--scale_gets=N]\n"
    "                        [--scale_cold_gets=N] [--scale_memory_fraction=F]\n"
    "                        [--scale_stall_samples=N] [--scale_stall_seconds=S]\n"
    "                        [--compare | --engines=...]\n"
    "  all: [--seconds=S] [--repeat=N] [--json FILE] [--svg FILE]\n"
    "  DIR must exist, on the disk to measure (not tmpfs for O_DIRECT methods)";

int RunBench(const std::vector<std::string>& args) {
  if (args.size() != 2 || (args[0] != "device" && args[0] != "engine")) {
    std::fprintf(stderr, "ringkv bench: expected 'device DIR' or 'engine DIR' (ringkv bench --help)\n");
    return 2;
  }
  const std::string& dir = args[1];
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return Fail("bench", absl::StrCat(dir, ": ", std::strerror(errno), " (create the directory first)"));
  }
  if (!S_ISDIR(st.st_mode)) return Fail("bench", absl::StrCat(dir, " is not a directory"));
  return args[0] == "device" ? RunDeviceBench(dir) : RunEngineBench(dir);
}

}  // namespace

extern const Command kBenchCommand = {"bench", "measure durable writes: the device's methods, or the engine",
                                      kBenchUsage, RunBench,
                                      {{"json", "bench_json"}, {"keys", "scale_keys"}, {"chunk", "scale_chunk"}}};

}  // namespace ringkv::tools
