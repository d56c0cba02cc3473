// What the device and engine modes of `ringkv bench` share: medians over repetitions, the
// progress line, and printing/writing the report at the end.
#ifndef RINGKV_TOOLS_BENCH_BENCH_COMMON_H_
#define RINGKV_TOOLS_BENCH_BENCH_COMMON_H_

#include <string>
#include <vector>

#include "tools/bench/bench_result.h"

namespace ringkv::tools {

// Each figure's median over `reps` (the lower middle for an even count, so a reported figure
// was actually measured).
RunFigures MedianFigures(const std::vector<RunFigures>& reps);
double Median(std::vector<double> values);

// "[3/23] direct_dsync zeroed 4KiB qd1" on stderr, overwritten in place; only when stderr is a
// terminal, so logs and pipes stay clean. Clear() erases it.
class Progress {
 public:
  Progress();
  void Show(int done, int total, const std::string& what);
  void Clear();

 private:
  bool enabled_;
  size_t last_width_ = 0;
};

// The report header fields every mode fills the same way (command line, start time, machine).
void StartReport(const std::string& mode, const std::string& dir, Report* report);

// Prints the table to stdout and writes --json/--svg if given. Returns the exit status.
int FinishReport(Report& report);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_BENCH_BENCH_COMMON_H_
