// The modes of `ringkv bench`; each returns the process exit status.
#ifndef RINGKV_TOOLS_BENCH_BENCH_MODES_H_
#define RINGKV_TOOLS_BENCH_BENCH_MODES_H_

#include <string>

namespace ringkv::tools {

// `ringkv bench device DIR` (tools/bench/device_bench_command.cc).
int RunDeviceBench(const std::string& dir);
// `ringkv bench engine DIR` (tools/bench/engine_bench_command.cc).
int RunEngineBench(const std::string& dir);
// `ringkv bench engine DIR --workload=scale` (tools/bench/scale_bench_command.cc).
int RunScaleBench(const std::string& dir);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_BENCH_BENCH_MODES_H_
