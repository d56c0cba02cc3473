// `ringkv crash exec --check CHECK -- WORKLOAD [ARGS]`: crash-tests any program through a
// recording FUSE filesystem (crash/exec/exec_explorer.h) and prints a summary, or JSON with
// --json; exit 1 on a violation, 2 on bad usage. Also replays its reproduction files.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crash/exec/exec_explorer.h"
#include "tools/command.h"
#include "tools/crash_exec_command.h"
#include "tools/escaping.h"

ABSL_FLAG(std::string, check, "",
          "crash exec: shell command run in each crash state ($RINGKV_CRASH_DIR, "
          "$RINGKV_CRASH_OUTPUT); exit 0 = consistent");
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(uint64_t, states);
ABSL_DECLARE_FLAG(std::string, workdir);
ABSL_DECLARE_FLAG(bool, keep_going);

namespace ringkv::tools {
namespace {

std::string Json(const crash::exec::ExecReport& r, const std::string& what) {
  std::string out = absl::StrCat(
      "{\"mode\":", JsonString(what), ",\"ops_recorded\":", r.ops_recorded,
      ",\"output_bytes\":", r.output_bytes, ",\"crash_points\":", r.crash_points,
      ",\"exhaustive_points\":", r.exhaustive_points, ",\"states_checked\":", r.states_checked,
      ",\"violations\":", r.violations, ",\"workload_seconds_direct\":", r.workload_seconds_direct,
      ",\"workload_seconds_fuse\":", r.workload_seconds_fuse, ",\"check_seconds\":", r.check_seconds,
      ",\"states_per_second\":", r.check_seconds > 0 ? r.states_checked / r.check_seconds : 0.0,
      ",\"repro\":", JsonString(r.repro_path), ",\"refused\":[");
  for (size_t i = 0; i < r.refused.size(); ++i) absl::StrAppend(&out, i ? "," : "", JsonString(r.refused[i]));
  absl::StrAppend(&out, "],\"found\":[");
  for (size_t i = 0; i < r.found.size(); ++i) {
    const crash::exec::ExecViolation& v = r.found[i];
    absl::StrAppend(&out, i ? "," : "", "{\"event\":", v.event, ",\"check_exit\":", v.check_exit,
                    ",\"check_output\":", JsonString(v.check_output),
                    ",\"last_output_line\":", JsonString(v.last_output_line), ",\"explanation\":[");
    for (size_t j = 0; j < v.explanation.size(); ++j) {
      absl::StrAppend(&out, j ? "," : "", JsonString(v.explanation[j]));
    }
    absl::StrAppend(&out, "]}");
  }
  absl::StrAppend(&out, "]}");
  return out;
}

int Print(const char* what, const absl::StatusOr<crash::exec::ExecReport>& report) {
  if (!report.ok()) return Fail("crash exec", std::string(report.status().message()));
  const crash::exec::ExecReport& r = *report;
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", Json(r, what).c_str());
    return r.violations == 0 ? 0 : 1;
  }
  if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r%40s\r", "");
  if (r.workload_seconds_fuse > 0) {
    std::printf("recorded %zu ops, %zu bytes of output; workload %.3f s on the recorder, %.3f s "
                "directly (%.1fx)\n",
                r.ops_recorded, r.output_bytes, r.workload_seconds_fuse, r.workload_seconds_direct,
                r.workload_seconds_direct > 0 ? r.workload_seconds_fuse / r.workload_seconds_direct : 0.0);
  }
  for (const std::string& s : r.refused) std::printf("REFUSED (not in the crash model): %s\n", s.c_str());
  std::printf("%s: %zu states checked", what, r.states_checked);
  if (r.crash_points) {
    std::printf(" over %zu crash points (%zu enumerated exhaustively)", r.crash_points, r.exhaustive_points);
  }
  std::printf(", %zu violation%s, %.1f s (%.0f states/s)\n", r.violations, r.violations == 1 ? "" : "s",
              r.check_seconds, r.check_seconds > 0 ? r.states_checked / r.check_seconds : 0.0);
  for (const crash::exec::ExecViolation& v : r.found) {
    std::printf("VIOLATION: the check exited %d on the state of a crash after event %lu\n",
                v.check_exit, static_cast<unsigned long>(v.event));
    std::printf("  the workload had printed, last: %s\n",
                v.last_output_line.empty() ? "(nothing)" : v.last_output_line.c_str());
    for (const std::string& e : v.explanation) std::printf("  - %s\n", e.c_str());
    if (v.explanation.empty()) std::printf("  - (nothing was lost: every op that happened is kept)\n");
    if (!v.check_output.empty()) std::printf("  check output:\n%s", v.check_output.c_str());
    if (!v.check_output.empty() && v.check_output.back() != '\n') std::printf("\n");
  }
  if (r.violations > r.found.size()) {
    std::printf("(%zu more violations, not minimized)\n", r.violations - r.found.size());
  }
  if (!r.repro_path.empty()) std::printf("reproduce with: ringkv crash replay %s\n", r.repro_path.c_str());
  return r.violations == 0 ? 0 : 1;
}

}  // namespace

extern const char kCrashExecUsage[] =
    "ringkv crash exec --check 'CHECK' [--states=N] [--seed=S] [--json] [--keep_going] "
    "[--workdir=DIR] -- WORKLOAD [ARGS]";

int RunCrashExec(const std::vector<std::string>& workload) {
  crash::exec::ExecOptions options;
  options.check = absl::GetFlag(FLAGS_check);
  options.workload = workload;
  options.states = absl::GetFlag(FLAGS_states);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.work_dir = absl::GetFlag(FLAGS_workdir);
  options.stop_at_first_violation = !absl::GetFlag(FLAGS_keep_going);
  if (options.check.empty() || options.workload.empty()) {
    std::fprintf(stderr, "usage: %s\n", kCrashExecUsage);
    return 2;
  }
  if (::isatty(STDERR_FILENO) && !absl::GetFlag(FLAGS_json)) {
    options.progress = [](size_t done, size_t total) { std::fprintf(stderr, "\r%zu/%zu", done, total); };
  }
  return Print("crash exec", crash::exec::RunExec(options));
}

bool IsCrashExecRepro(const std::string& path) { return crash::exec::IsExecRepro(path); }

int ReplayCrashExec(const std::string& path) {
  return Print("replay", crash::exec::ReplayExecRepro(path, absl::GetFlag(FLAGS_workdir),
                                                      std::getenv("RINGKV_CRASH_KEEP") != nullptr));
}

}  // namespace ringkv::tools
