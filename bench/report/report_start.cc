// The header fields every report fills the same way.
#include <algorithm>
#include <fstream>
#include <iterator>

#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/report/machine_info.h"
#include "bench/report/report.h"

namespace ringkv::bench {
namespace {

// The command line as typed, from /proc/self/cmdline (NUL-separated).
std::string CommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  return absl::StrReplaceAll(raw, {{std::string(1, '\0'), " "}});
}

}  // namespace

void StartReport(const std::string& mode, const std::string& dir, int repeat, Report* report) {
  report->mode = mode;
  report->command_line = CommandLine();
  report->started_utc = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  report->repeat = std::max(1, repeat);
  report->machine = DescribeMachine(dir);
}

}  // namespace ringkv::bench
