// `ringkv crash`: runs the crash-consistency harness on ringkv (crash/crashtest.h) and reports
// states checked, violations (minimized, with a reproduction file) and time; exit 1 on any
// violation. `ringkv crash replay FILE` rebuilds and re-checks a reported state.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "ringkv/crashtest.h"
#include "tools/command.h"
#include "tools/crash_exec_command.h"

ABSL_FLAG(std::string, mode, "simulate", "crash: simulate | kill | fault");
ABSL_FLAG(uint64_t, seed, 1, "crash: seed of the workload and of the crash states");
ABSL_FLAG(uint64_t, ops, 200, "crash: write operations in the workload");
ABSL_FLAG(uint64_t, states, 400,
          "crash: crash states to check (simulate), kills (kill), or the highest failing op "
          "(fault)");
ABSL_FLAG(std::string, workdir, "/var/tmp", "crash: scratch directory");
ABSL_FLAG(bool, keep_going, false, "crash: continue after the first violation");
ABSL_FLAG(std::string, sabotage, "none",
          "crash: plant a bug under the engine to see the harness catch it: "
          "ack_before_wal_write, skip_segment_dir_fsync, skip_manifest_temp_fsync, "
          "replay_torn_records, follow_any_skip");
ABSL_DECLARE_FLAG(bool, keep);  // tools/io_demo_command.cc: shared with iodemo

namespace ringkv::tools {
namespace {

constexpr char kCrashUsage[] =
    "ringkv crash [--mode=simulate|kill|fault] [--seed=S] [--ops=N] [--states=N] "
    "[--workdir=DIR] [--keep_going] [--sabotage=BUG]\n       ringkv crash replay [--keep] FILE\n"
    "       ringkv crash exec --check 'CHECK' [--states=N] [--seed=S] [--json] -- WORKLOAD [ARGS]";

int PrintReport(const char* what, const absl::StatusOr<crash::CrashReport>& report) {
  if (!report.ok()) return Fail("crash", std::string(report.status().message()));
  if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r%40s\r", "");
  std::printf("%s: %zu states checked", what, report->states_checked);
  if (report->crash_points) {
    std::printf(" over %zu crash points (%zu enumerated exhaustively)", report->crash_points,
                report->exhaustive_points);
  }
  std::printf(", %zu violation%s, %.1f s (%.0f states/s)\n", report->violations,
              report->violations == 1 ? "" : "s", report->seconds,
              report->seconds > 0 ? report->states_checked / report->seconds : 0.0);
  for (const std::string& m : report->messages) std::printf("VIOLATION: %s\n", m.c_str());
  if (!report->repro_path.empty()) {
    std::printf("reproduce with: ringkv crash replay %s\n", report->repro_path.c_str());
  }
  return report->violations == 0 ? 0 : 1;
}

int RunCrash(const std::vector<std::string>& args) {
  crash::CrashOptions options;
  options.work_dir = absl::GetFlag(FLAGS_workdir);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.states = absl::GetFlag(FLAGS_states);
  options.stop_at_first_violation = !absl::GetFlag(FLAGS_keep_going);
  options.keep_replayed_state = absl::GetFlag(FLAGS_keep);
  if (::isatty(STDERR_FILENO)) {
    options.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\r%zu/%zu", done, total);
    };
  }
  if (!args.empty() && args[0] == "exec") {
    return RunCrashExec(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args.size() == 2 && args[0] == "replay" && IsCrashExecRepro(args[1])) {
    return ReplayCrashExec(args[1]);
  }
  if (!args.empty()) {
    if (args[0] != "replay" || args.size() != 2) {
      std::fprintf(stderr, "usage: %s\n", kCrashUsage);
      return 2;
    }
    return PrintReport("replay", crash::ReplayRepro(args[1], options));
  }
  absl::StatusOr<crash::PlantedBug> bug = crash::ParsePlantedBug(absl::GetFlag(FLAGS_sabotage));
  if (!bug.ok()) {
    std::fprintf(stderr, "ringkv crash: --sabotage: %s\n", std::string(bug.status().message()).c_str());
    return 2;
  }
  options.planted_bug = *bug;
  const uint64_t ops = absl::GetFlag(FLAGS_ops);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "simulate") {
    auto w = crash::MakeDefaultWorkload(options.seed, ops);
    return PrintReport("simulate", crash::RunSimulate(*w, options));
  }
  if (mode == "kill") {
    return PrintReport("kill", crash::RunKill(
                                   [ops](uint64_t seed) { return crash::MakeDefaultWorkload(seed, ops); },
                                   options));
  }
  if (mode == "fault") {
    const uint64_t seed = options.seed;
    return PrintReport("fault", crash::RunFault(
                                    [seed, ops] { return crash::MakeDefaultWorkload(seed, ops); },
                                    options));
  }
  std::fprintf(stderr, "ringkv crash: --mode=%s is not simulate, kill or fault\n", mode.c_str());
  return 2;
}

}  // namespace

extern const Command kCrashCommand = {
    "crash", "check that ringkv survives crashes (simulated power loss, SIGKILL, I/O errors)",
    kCrashUsage, RunCrash};

}  // namespace ringkv::tools
