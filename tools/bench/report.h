// The three ways `ringkv bench` shows a Report: a table for the terminal, JSON with every figure
// and the machine's description (--json FILE), and an SVG of latency percentiles per run that a
// browser opens (--svg FILE).
#ifndef RINGKV_TOOLS_BENCH_REPORT_H_
#define RINGKV_TOOLS_BENCH_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "tools/bench/bench_result.h"

namespace ringkv::tools {

std::string FormatTable(const Report& report);
std::string FormatJson(const Report& report);
std::string FormatSvg(const Report& report);

// "4KiB", "1MiB", "512B".
std::string FormatBytes(uint64_t bytes);

// Writes `contents` to `path` (replacing it); the error names the file and the cause.
absl::Status WriteTextFile(const std::string& path, const std::string& contents);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_BENCH_REPORT_H_
