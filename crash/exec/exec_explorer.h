// RunExec is `ringkv crash exec`: it runs a workload command once directly (for the recording
// overhead) and once on a recording FUSE filesystem, builds the crash states the crash model
// allows from the recording, and runs a check command on each; a failing state is minimized,
// explained and saved as a reproduction file. ReplayExecRepro rebuilds and re-checks one.
// The caller guarantees nothing else uses `work_dir`'s ringkv-exec-* directories meanwhile.
#ifndef RINGKV_CRASH_EXEC_EXEC_EXPLORER_H_
#define RINGKV_CRASH_EXEC_EXEC_EXPLORER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ringkv::crash::exec {

struct ExecOptions {
  std::string check;                  // run as /bin/sh -c CHECK in each crash state
  std::vector<std::string> workload;  // argv of the workload
  size_t states = 400;
  uint64_t seed = 1;
  std::string work_dir = "/var/tmp";
  bool stop_at_first_violation = true;
  std::string repro_file;  // default: WORK_DIR/ringkv-crash-exec-SEED.repro
  // Called before each state with (states done, states planned), on the calling thread.
  std::function<void(size_t, size_t)> progress;
};

struct ExecViolation {
  uint64_t event = 0;              // the (minimized) crash point
  int check_exit = 0;
  std::string check_output;        // the check's stdout and stderr (its tail)
  std::string last_output_line;    // the last line the workload printed before the crash
  std::vector<std::string> explanation;  // plain-words sentences (crash/exec/explain.h)
};

struct ExecReport {
  size_t ops_recorded = 0;
  size_t output_bytes = 0;
  size_t crash_points = 0;
  size_t exhaustive_points = 0;
  size_t states_checked = 0;
  size_t violations = 0;
  double workload_seconds_direct = 0;  // the workload run on a plain directory
  double workload_seconds_fuse = 0;    // the recorded run
  double check_seconds = 0;            // exploring the states (materialize + check), minimizing
  std::vector<std::string> refused;    // ops the filesystem refused (see recording.h)
  std::vector<ExecViolation> found;    // the first violation (up to 5 with keep-going), minimized
  std::string repro_path;
};

absl::StatusOr<ExecReport> RunExec(const ExecOptions& options);

// Whether `path` starts like a crash exec reproduction file.
bool IsExecRepro(const std::string& path);
// Rebuilds the state in the file into a fresh directory under work_dir and runs its check;
// `keep` leaves the directory in place (its path goes to stderr).
absl::StatusOr<ExecReport> ReplayExecRepro(const std::string& path, const std::string& work_dir,
                                           bool keep);

}  // namespace ringkv::crash::exec

#endif  // RINGKV_CRASH_EXEC_EXEC_EXPLORER_H_
