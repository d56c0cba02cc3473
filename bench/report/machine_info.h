// Describes the machine a benchmark ran on: kernel, CPUs, the filesystem and block device
// behind a directory, and that device's model, write cache mode and FUA support from sysfs.
// Every field it cannot find is left empty rather than failing: the figures still stand.
#ifndef RINGKV_BENCH_REPORT_MACHINE_INFO_H_
#define RINGKV_BENCH_REPORT_MACHINE_INFO_H_

#include <string>

#include "bench/report/bench_result.h"

namespace ringkv::bench {

MachineInfo DescribeMachine(const std::string& dir);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_MACHINE_INFO_H_
