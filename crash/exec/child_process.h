// RunChildProcess runs a command to completion with a given working directory and extra
// environment, handing its standard output to a callback as it arrives; `ringkv crash exec` runs
// the workload and the check command with it.
// The callback runs on the calling thread; a command that leaves a process holding its standard
// output open keeps the call waiting until that process closes it.
#ifndef RINGKV_CRASH_EXEC_CHILD_PROCESS_H_
#define RINGKV_CRASH_EXEC_CHILD_PROCESS_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace ringkv::crash::exec {

enum class StderrTo : uint8_t { kInherit, kStdout, kDiscard };

struct ChildResult {
  int exit_code = 0;   // the exit status, or 128 + the signal that killed it
  double seconds = 0;  // from fork to exit
};

// Fails only if the command could not be started (fork, pipe); a command that exec cannot find
// exits 127 like a shell's.
absl::StatusOr<ChildResult> RunChildProcess(
    const std::vector<std::string>& argv, const std::string& cwd,
    const std::vector<std::pair<std::string, std::string>>& env, StderrTo stderr_to,
    const std::function<void(std::string_view)>& on_stdout);

}  // namespace ringkv::crash::exec

#endif  // RINGKV_CRASH_EXEC_CHILD_PROCESS_H_
