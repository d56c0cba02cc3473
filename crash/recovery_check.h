// What every harness mode does after a crash: open the database left behind (recovery), read its
// state and check it against the acknowledged history, and say what broke. The caller keeps the
// workload, the simulator and the backend alive across each call.
#ifndef RINGKV_CRASH_RECOVERY_CHECK_H_
#define RINGKV_CRASH_RECOVERY_CHECK_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crash/crash_state.h"
#include "ringkv/crashtest.h"
#include "uring/io_backend.h"

namespace ringkv::crash {

// A new directory <base>/ringkv-crash-<tag>-XXXXXX, or an error naming `base` and the cause.
absl::StatusOr<std::string> MakeScratchDir(const std::string& base, const std::string& tag);

// Opens the database left in `dir` (recovery, pread read path, over `io`) and reads its state.
// A directory with no database at all reads as empty: legal exactly when nothing was
// acknowledged.
absl::StatusOr<KvState> Recover(Workload& workload, const std::string& dir,
                                std::shared_ptr<io::IoBackend> io);

// Rebuilds the crash state of `plan` in `scratch` (emptied first), recovers it and checks it:
// nullopt when it is legal, else the violation with the crash point. `choices`, if not null,
// gets what the state kept, lost, tore and undid.
absl::StatusOr<std::optional<std::string>> CheckCrashState(
    Workload& workload, const CrashSimulator& sim, const History& history, const CrashPlan& plan,
    const std::string& scratch, std::shared_ptr<io::IoBackend> io,
    std::vector<std::string>* choices);

// A violation's invariant, key and detail, then `where` (" after SIGKILL in round 3").
std::string DescribeViolation(const Violation& v, const std::string& where);

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_RECOVERY_CHECK_H_
