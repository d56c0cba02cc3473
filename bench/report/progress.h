// The progress line of a benchmark on stderr. Show: "[3/23] direct_dsync zeroed 4KiB qd1",
// overwritten in place, only when stderr is a terminal, so logs and pipes stay clean. Log: the
// same on a terminal, but a line of its own each time otherwise (long runs, followed in a log).
#ifndef RINGKV_BENCH_REPORT_PROGRESS_H_
#define RINGKV_BENCH_REPORT_PROGRESS_H_

#include <cstddef>
#include <string>

namespace ringkv::bench {

class Progress {
 public:
  Progress();
  void Show(int done, int total, const std::string& what);
  void Log(const std::string& line);
  void Clear();  // erases a line written in place

 private:
  void Rewrite(const std::string& line);
  bool terminal_;
  size_t last_width_ = 0;
};

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_PROGRESS_H_
