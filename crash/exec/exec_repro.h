// A `ringkv crash exec` reproduction file: the recorded run, the workload output, the check
// command and the crash state (a kChosen plan), so `ringkv crash replay FILE` rebuilds exactly
// that state and runs the check on it again. Layout in docs/format.md ("crash exec repro").
#ifndef RINGKV_CRASH_EXEC_EXEC_REPRO_H_
#define RINGKV_CRASH_EXEC_EXEC_REPRO_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crash/crash_state.h"
#include "crash/exec/recording.h"

namespace ringkv::crash::exec {

inline constexpr std::string_view kExecReproMagic = "RINGKV-CRASH-EXEC-REPRO 2\n";

struct ExecRepro {
  std::string check;  // the check command, run with /bin/sh -c
  Recording recording;
  CrashPlan plan;
};

std::string EncodeExecRepro(const ExecRepro& repro);
// DataLoss naming what is malformed; InvalidArgument if `bytes` is not an exec repro at all.
absl::StatusOr<ExecRepro> DecodeExecRepro(std::string_view bytes);

}  // namespace ringkv::crash::exec

#endif  // RINGKV_CRASH_EXEC_EXEC_REPRO_H_
