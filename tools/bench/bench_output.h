// The end of every `ringkv bench` mode: the table on stdout, then the --json and --svg files
// if asked for. Returns the exit status (1 if a file could not be written).
#ifndef RINGKV_TOOLS_BENCH_BENCH_OUTPUT_H_
#define RINGKV_TOOLS_BENCH_BENCH_OUTPUT_H_

#include "bench/report/bench_result.h"

namespace ringkv::tools {

int FinishReport(const bench::Report& report);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_BENCH_BENCH_OUTPUT_H_
