// The three ways `ringkv bench` shows a Report: a table for the terminal, JSON with every figure
// and the machine's description (--json FILE), and an SVG a browser opens (--svg FILE): latency
// percentiles per run, or for the scale workload insert rate and write amplification against
// keys inserted. StartReport fills the header every mode shares.
#ifndef RINGKV_BENCH_REPORT_REPORT_H_
#define RINGKV_BENCH_REPORT_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "bench/report/bench_result.h"

namespace ringkv::bench {

// The command line as typed, the start time, `repeat` and the machine behind `dir`.
void StartReport(const std::string& mode, const std::string& dir, int repeat, Report* report);

std::string FormatTable(const Report& report);
std::string FormatJson(const Report& report);
std::string FormatSvg(const Report& report);  // mode "scale": FormatScaleSvg
std::string FormatScaleTable(const Report& report);  // FormatTable's part for mode "scale"
std::string FormatScaleSvg(const Report& report);

// `s` with &, <, > and " escaped for SVG text and attributes.
std::string XmlEscape(const std::string& s);
// An SVG document's start: the <svg> element, a white background, a title and a subtitle
// (plain text) at x = `left`. The caller appends the drawing and "</svg>\n".
std::string SvgStart(int width, int height, int left, const std::string& title, const std::string& subtitle);

// "4KiB", "1MiB", "512B".
std::string FormatBytes(uint64_t bytes);

// Writes `contents` to `path` (replacing it); the error names the file and the cause.
absl::Status WriteTextFile(const std::string& path, const std::string& contents);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_REPORT_REPORT_H_
