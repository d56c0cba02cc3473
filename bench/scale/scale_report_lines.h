// How a scale child process tells its parent what it measured: one text line per figure on a
// pipe, written with a single write(2) each (atomic below PIPE_BUF), so a child killed midway
// (the kernel's OOM killer under the memory limit) leaves every line before it intact.
//   chunk OPS SECONDS WRITE_BYTES USER_BYTES   a chunk ended: ops done, its seconds, bytes
//                                   written to storage and user bytes put since the phase began
//   NAME VALUE                      a figure of ScaleResult (see ApplyScaleLine)
//   stall_during TEXT               what ran beside the stall phase's busy samples
//   note TEXT / error TEXT
#ifndef RINGKV_BENCH_SCALE_SCALE_REPORT_LINES_H_
#define RINGKV_BENCH_SCALE_SCALE_REPORT_LINES_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "bench/report/bench_result.h"

namespace ringkv::bench {

// The child's end: writes lines to `fd` (which it owns).
class ScaleLineWriter {
 public:
  explicit ScaleLineWriter(int fd) : fd_(fd) {}
  void Chunk(uint64_t ops, double seconds, uint64_t write_bytes, uint64_t user_bytes);
  void Figure(absl::string_view name, double value);
  void Text(absl::string_view name, absl::string_view text);  // a text field: stall_during
  void Note(absl::string_view text);
  void Error(absl::string_view text);

 private:
  void Line(const std::string& line);
  int fd_;
};

// The parent's end: applies one line (without its newline) to `result`, appending chunks to
// result->chunks. Returns true when the line was a chunk. Unknown lines become notes.
bool ApplyScaleLine(absl::string_view line, ScaleResult* result);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_SCALE_SCALE_REPORT_LINES_H_
