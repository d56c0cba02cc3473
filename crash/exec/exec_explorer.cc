#include "crash/exec/exec_explorer.h"

#include <signal.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "crash/crash_plans.h"
#include "crash/crash_state.h"
#include "crash/exec/child_process.h"
#include "crash/exec/exec_repro.h"
#include "crash/exec/explain.h"
#include "crash/exec/fuse_recorder.h"

namespace ringkv::crash::exec {
namespace {

using Clock = std::chrono::steady_clock;

// The check's output kept for a report: enough to see why it failed.
constexpr size_t kCheckOutputBytes = 4096;
// Re-checks the minimizer may spend on one violation, and how many violations it minimizes and
// reports in full with --keep_going (the rest are counted).
constexpr size_t kMinimizeChecks = 200;
constexpr size_t kViolationsReported = 5;

absl::StatusOr<std::string> MakeTempDir(const std::string& base, const std::string& tag) {
  std::string tmpl = absl::StrCat(base, "/ringkv-", tag, "-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a directory in ", base, ": ",
                                            std::strerror(errno)));
  }
  return tmpl;
}

absl::Status WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

std::string LastLine(std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  const size_t nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

// While the recorder is mounted, SIGINT, SIGTERM and SIGHUP only set a flag: ringkv must live to
// unmount. (A terminal's ^C reaches the workload too and ends it; after SIGTERM the workload runs
// to its end.) The previous handlers come back when this goes out of scope.
std::atomic<bool> interrupted{false};

class SignalsDeferredWhileMounted {
 public:
  SignalsDeferredWhileMounted() {
    interrupted = false;
    struct sigaction sa = {};
    sa.sa_handler = [](int) { interrupted = true; };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &sa, &previous_[i]);
  }
  ~SignalsDeferredWhileMounted() {
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
  }

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> previous_;
};

struct CheckedState {
  CrashStateSummary summary;
  int exit_code = 0;
  std::string output;
  bool consistent() const { return exit_code == 0; }
};

// Builds crash states into one reused directory and runs the check command on each.
class StateChecker {
 public:
  StateChecker(const CrashSimulator& sim, const Recording& recording, std::string check,
               std::string scratch)
      : sim_(sim), recording_(recording), check_(std::move(check)), scratch_(std::move(scratch)) {}

  std::string state_dir() const { return scratch_ + "/state"; }

  absl::StatusOr<CheckedState> Check(const CrashPlan& plan) {
    std::error_code ec;
    std::filesystem::remove_all(state_dir(), ec);
    std::filesystem::create_directories(state_dir(), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", state_dir(), ": ", ec.message()));
    CheckedState out;
    absl::StatusOr<CrashStateSummary> summary = sim_.Materialize(plan, state_dir());
    if (!summary.ok()) return summary.status();
    out.summary = std::move(*summary);
    const std::string output_file = scratch_ + "/output";
    absl::Status w = WriteFile(output_file, OutputBefore(recording_, plan.event));
    if (!w.ok()) return w;
    absl::StatusOr<ChildResult> r = RunChildProcess(
        {"/bin/sh", "-c", check_}, state_dir(),
        {{"RINGKV_CRASH_DIR", state_dir()}, {"RINGKV_CRASH_OUTPUT", output_file}}, StderrTo::kStdout,
        [&](std::string_view bytes) {
          if (out.output.size() < kCheckOutputBytes) out.output.append(bytes.substr(0, kCheckOutputBytes - out.output.size()));
        });
    if (!r.ok()) return r.status();
    out.exit_code = r->exit_code;
    return out;
  }

 private:
  const CrashSimulator& sim_;
  const Recording& recording_;
  const std::string check_;
  const std::string scratch_;
};

// Narrows a failing state down to the fewest undone names and lost or torn ops that still fail
// the check: each is put back (kept) in turn, and stays back if the check still fails.
absl::StatusOr<std::pair<CrashPlan, CheckedState>> Minimize(StateChecker& checker, uint64_t event,
                                                            CheckedState failing) {
  CrashPlan best = failing.summary.AsPlan(event);
  size_t checks = 0;
  auto try_plan = [&](const CrashPlan& candidate) -> absl::StatusOr<bool> {
    ++checks;
    absl::StatusOr<CheckedState> s = checker.Check(candidate);
    if (!s.ok()) return s.status();
    if (s->consistent()) return false;
    best = candidate;
    failing = std::move(*s);
    return true;
  };
  const size_t volatile_names = failing.summary.volatile_names.size();
  if (best.names_kept < volatile_names) {
    CrashPlan all = best;
    all.names_kept = volatile_names;
    absl::StatusOr<bool> still = try_plan(all);
    if (!still.ok()) return still.status();
    while (!*still && best.names_kept + 1 < volatile_names && checks < kMinimizeChecks / 2) {
      CrashPlan more = best;
      ++more.names_kept;
      still = try_plan(more);
      if (!still.ok()) return still.status();
      if (!*still) break;
    }
  }
  const std::map<size_t, ChosenFate> fates = best.fates;
  for (const auto& [index, fate] : fates) {
    if (fate.fate == OpFate::kKept || checks >= kMinimizeChecks) continue;
    CrashPlan kept = best;
    kept.fates.erase(index);
    absl::StatusOr<bool> still = try_plan(kept);
    if (!still.ok()) return still.status();
  }
  return std::make_pair(best, std::move(failing));
}

ExecViolation Describe(const CrashSimulator& sim, const Recording& recording, uint64_t event,
                       const CheckedState& state) {
  ExecViolation v;
  v.event = event;
  v.check_exit = state.exit_code;
  v.check_output = state.output;
  v.last_output_line = LastLine(OutputBefore(recording, event));
  v.explanation = Explain(sim, state.summary);
  return v;
}

}  // namespace

absl::StatusOr<ExecReport> RunExec(const ExecOptions& options) {
  if (options.workload.empty()) return absl::InvalidArgumentError("no workload command given");
  if (options.check.empty()) return absl::InvalidArgumentError("no --check command given");
  ExecReport report;
  absl::StatusOr<std::string> run_dir = MakeTempDir(options.work_dir, "exec");
  if (!run_dir.ok()) return run_dir.status();
  const std::string direct = *run_dir + "/direct", backing = *run_dir + "/backing",
                    mount = *run_dir + "/mnt";
  for (const std::string& d : {direct, backing, mount}) std::filesystem::create_directory(d);
  auto cleanup = [&] {
    std::error_code ec;
    std::filesystem::remove_all(*run_dir, ec);
  };

  // 1. The workload on a plain directory, for the overhead figure only.
  absl::StatusOr<ChildResult> plain = RunChildProcess(
      options.workload, direct, {{"RINGKV_CRASH_DIR", direct}}, StderrTo::kDiscard, nullptr);
  if (!plain.ok()) return plain.status();
  report.workload_seconds_direct = plain->seconds;

  // 2. The workload on the recorder, its output stamped into the same sequence.
  Recording recording;
  {
    SignalsDeferredWhileMounted deferred;
    absl::StatusOr<std::unique_ptr<FuseRecorder>> recorder = FuseRecorder::Mount(backing, mount);
    if (!recorder.ok()) {
      cleanup();
      return recorder.status();
    }
    absl::StatusOr<ChildResult> run =
        RunChildProcess(options.workload, mount, {{"RINGKV_CRASH_DIR", mount}}, StderrTo::kInherit,
                        [&](std::string_view bytes) { (*recorder)->RecordOutput(bytes); });
    absl::StatusOr<Recording> recorded = (*recorder)->Finish();
    if (!run.ok() || !recorded.ok()) {
      cleanup();
      return run.ok() ? recorded.status() : run.status();
    }
    if (interrupted) {
      cleanup();
      return absl::CancelledError("interrupted while the workload ran (the recorder was unmounted)");
    }
    if (run->exit_code != 0) {
      cleanup();
      return absl::FailedPreconditionError(absl::StrCat(
          "the workload exited with status ", run->exit_code,
          " on the recording filesystem (its stderr is above); it must succeed to be crash-tested",
          plain->exit_code == 0 ? " (on a plain directory it succeeded)"
                                : " (it failed on a plain directory too: it runs in an empty "
                                  "directory of its own, so name files outside it by absolute path)"));
    }
    report.workload_seconds_fuse = run->seconds;
    recording = std::move(*recorded);
  }
  report.ops_recorded = recording.ops.size();
  for (const OutputChunk& c : recording.output) report.output_bytes += c.bytes.size();
  report.refused = recording.refused;

  // 3. The states, checked one by one.
  const auto explore_start = Clock::now();
  CrashSimulator sim(recording.ops, recording.root);
  std::vector<uint64_t> output_events;
  for (const OutputChunk& c : recording.output) output_events.push_back(c.event);
  const ChosenPlans chosen = ChooseCrashPlans(sim, options.states, options.seed, output_events);
  report.crash_points = chosen.crash_points;
  report.exhaustive_points = chosen.exhaustive_points;
  StateChecker checker(sim, recording, options.check, *run_dir);
  for (size_t i = 0; i < chosen.plans.size(); ++i) {
    if (options.progress) options.progress(i, chosen.plans.size());
    const CrashPlan& plan = chosen.plans[i];
    absl::StatusOr<CheckedState> state = checker.Check(plan);
    if (!state.ok()) {
      cleanup();
      return state.status();
    }
    ++report.states_checked;
    if (state->consistent()) continue;
    ++report.violations;
    if (report.found.size() < kViolationsReported) {
      absl::StatusOr<std::pair<CrashPlan, CheckedState>> minimal =
          Minimize(checker, plan.event, std::move(*state));
      if (!minimal.ok()) {
        cleanup();
        return minimal.status();
      }
      report.found.push_back(Describe(sim, recording, plan.event, minimal->second));
      if (report.repro_path.empty()) {
        report.repro_path = options.repro_file.empty()
                                ? absl::StrCat(options.work_dir, "/ringkv-crash-exec-", options.seed, ".repro")
                                : options.repro_file;
        absl::Status w = WriteFile(report.repro_path,
                                   EncodeExecRepro({options.check, recording, minimal->first}));
        if (!w.ok()) {
          cleanup();
          return w;
        }
      }
    }
    if (options.stop_at_first_violation) break;
  }
  report.check_seconds = std::chrono::duration<double>(Clock::now() - explore_start).count();
  cleanup();
  return report;
}

bool IsExecRepro(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(kExecReproMagic.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return in && head == kExecReproMagic;
}

absl::StatusOr<ExecReport> ReplayExecRepro(const std::string& path, const std::string& work_dir,
                                           bool keep) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  absl::StatusOr<ExecRepro> repro = DecodeExecRepro(bytes.str());
  if (!repro.ok()) return absl::Status(repro.status().code(), absl::StrCat(path, ": ", repro.status().message()));
  absl::StatusOr<std::string> scratch = MakeTempDir(work_dir, "exec-replay");
  if (!scratch.ok()) return scratch.status();
  const auto start = Clock::now();
  CrashSimulator sim(repro->recording.ops, repro->recording.root);
  StateChecker checker(sim, repro->recording, repro->check, *scratch);
  absl::StatusOr<CheckedState> state = checker.Check(repro->plan);
  if (keep) {
    std::fprintf(stderr, "crash state kept in %s\n", checker.state_dir().c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(*scratch, ec);
  }
  if (!state.ok()) return state.status();
  ExecReport report;
  report.ops_recorded = repro->recording.ops.size();
  report.states_checked = 1;
  report.check_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!state->consistent()) {
    report.violations = 1;
    report.found.push_back(Describe(sim, repro->recording, repro->plan.event, *state));
  }
  return report;
}

}  // namespace ringkv::crash::exec
