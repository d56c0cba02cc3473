#include "tools/bench/bench_output.h"

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "bench/report/report.h"
#include "tools/bench/bench_flags.h"
#include "tools/command.h"

namespace ringkv::tools {

int FinishReport(const bench::Report& report) {
  const std::string table = bench::FormatTable(report);
  std::fwrite(table.data(), 1, table.size(), stdout);
  std::fflush(stdout);
  int status = 0;
  if (const std::string path = absl::GetFlag(FLAGS_bench_json); !path.empty()) {
    absl::Status s = bench::WriteTextFile(path, bench::FormatJson(report));
    if (!s.ok()) status = Fail("bench", std::string(s.message()));
  }
  if (const std::string path = absl::GetFlag(FLAGS_svg); !path.empty()) {
    absl::Status s = bench::WriteTextFile(path, bench::FormatSvg(report));
    if (!s.ok()) status = Fail("bench", std::string(s.message()));
  }
  return status;
}

}  // namespace ringkv::tools
