// The `ringkv crash exec` entry points, called from `ringkv crash` (tools/crash_command.cc).
#ifndef RINGKV_TOOLS_CRASH_EXEC_COMMAND_H_
#define RINGKV_TOOLS_CRASH_EXEC_COMMAND_H_

#include <string>
#include <vector>

namespace ringkv::tools {

extern const char kCrashExecUsage[];
// `workload` is the command after `--`; returns the exit status.
int RunCrashExec(const std::vector<std::string>& workload);
bool IsCrashExecRepro(const std::string& path);
int ReplayCrashExec(const std::string& path);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_CRASH_EXEC_COMMAND_H_
