// `ringkv bench device`'s logic: the matrix of device runs (the default one, or the product of
// chosen methods, file states, block sizes and depths), each measured `repeat` times
// round-robin (a disturbance hits one repetition of many runs, not every repetition of one),
// reported as medians with the honesty checks.
#ifndef RINGKV_BENCH_DEVICE_DEVICE_SUITE_H_
#define RINGKV_BENCH_DEVICE_DEVICE_SUITE_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/device/device_bench.h"
#include "bench/report/bench_result.h"
#include "bench/report/progress.h"

namespace ringkv::bench {

// One row of the matrix.
struct DeviceConfig {
  const WriteMethod* method;
  FileState state;
  uint64_t block_bytes;
  int depth;
  auto key() const { return std::make_tuple(method->name, static_cast<int>(state), block_bytes, depth); }
};
std::string DeviceLabel(const DeviceConfig& c);
// A measurement's figures; MB/s counts `block_bytes` per op.
RunFigures DeviceFigures(const DeviceMeasurement& m, uint64_t block_bytes);

// What the user chose; an empty list was not given. Nothing given: the default matrix (every
// method at 4 KiB QD1, the file states, a block-size sweep and two depth sweeps). Otherwise the
// product, with direct_dsync, zeroed, 4 KiB and depth 1 standing in for lists not given.
struct DeviceMatrixSpec {
  std::vector<std::string> methods;  // names, or {"all"}
  std::vector<std::string> file_states;
  std::vector<uint64_t> block_sizes;  // multiples of 512 from 512 to 1 MiB
  std::vector<int> depths;            // 1 to 64
};
// InvalidArgument naming the flag (--methods, ...) and the bad item.
absl::StatusOr<std::vector<DeviceConfig>> BuildDeviceMatrix(const DeviceMatrixSpec& spec);

struct DeviceSuiteConfig {
  std::string dir;  // on the disk to measure
  std::vector<DeviceConfig> matrix;  // duplicates are run once
  double seconds = 2.0;              // per run
  int repeat = 1;
  int sqpoll_cpu = -1;               // pins the SQPOLL methods' poller (-1: unpinned)
};

// Runs the matrix. Runs this filesystem cannot do are listed in Report::skipped; an error
// means a run failed that should have worked.
absl::StatusOr<Report> RunDeviceSuite(const DeviceSuiteConfig& config, Progress& progress);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_DEVICE_DEVICE_SUITE_H_
