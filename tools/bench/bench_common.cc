#include "tools/bench/bench_common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/bench/bench_flags.h"
#include "tools/bench/machine_info.h"
#include "tools/bench/report.h"
#include "tools/command.h"

namespace ringkv::tools {
namespace {

// The command line as typed, from /proc/self/cmdline (NUL-separated).
std::string CommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  return absl::StrReplaceAll(raw, {{std::string(1, '\0'), " "}});
}

}  // namespace

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) / 2];
}

RunFigures MedianFigures(const std::vector<RunFigures>& reps) {
  RunFigures m;
  if (reps.empty()) return m;
  auto med = [&](double RunFigures::*field) {
    std::vector<double> v;
    for (const RunFigures& r : reps) v.push_back(r.*field);
    return Median(std::move(v));
  };
  std::vector<double> ops;
  for (const RunFigures& r : reps) ops.push_back(static_cast<double>(r.ops));
  m.ops = static_cast<uint64_t>(Median(ops));
  m.seconds = med(&RunFigures::seconds);
  m.ops_per_sec = med(&RunFigures::ops_per_sec);
  m.mb_per_sec = med(&RunFigures::mb_per_sec);
  m.p50_us = med(&RunFigures::p50_us);
  m.p90_us = med(&RunFigures::p90_us);
  m.p99_us = med(&RunFigures::p99_us);
  m.p999_us = med(&RunFigures::p999_us);
  m.max_us = med(&RunFigures::max_us);
  m.mean_us = med(&RunFigures::mean_us);
  return m;
}

Progress::Progress() : enabled_(::isatty(STDERR_FILENO) == 1) {}

void Progress::Show(int done, int total, const std::string& what) {
  if (!enabled_) return;
  const std::string line = absl::StrCat("[", done + 1, "/", total, "] ", what);
  std::fprintf(stderr, "\r%-*s", static_cast<int>(std::max(last_width_, line.size())), line.c_str());
  std::fflush(stderr);
  last_width_ = line.size();
}

void Progress::Clear() {
  if (!enabled_ || last_width_ == 0) return;
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(last_width_), "");
  std::fflush(stderr);
  last_width_ = 0;
}

void StartReport(const std::string& mode, const std::string& dir, Report* report) {
  report->mode = mode;
  report->command_line = CommandLine();
  report->started_utc = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  report->repeat = std::max(1, absl::GetFlag(FLAGS_repeat));
  report->machine = DescribeMachine(dir);
}

int FinishReport(Report& report) {
  const std::string table = FormatTable(report);
  std::fwrite(table.data(), 1, table.size(), stdout);
  std::fflush(stdout);
  int status = 0;
  if (const std::string path = absl::GetFlag(FLAGS_bench_json); !path.empty()) {
    absl::Status s = WriteTextFile(path, FormatJson(report));
    if (!s.ok()) status = Fail("bench", std::string(s.message()));
  }
  if (const std::string path = absl::GetFlag(FLAGS_svg); !path.empty()) {
    absl::Status s = WriteTextFile(path, FormatSvg(report));
    if (!s.ok()) status = Fail("bench", std::string(s.message()));
  }
  return status;
}

}  // namespace ringkv::tools
