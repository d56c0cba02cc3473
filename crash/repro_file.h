// A reproduction file holds everything needed to rebuild one crash state of a simulate run and
// check it again: the recorded ops and root, the crash plan, the acknowledged history and the
// planted bug of the run (docs/format.md, "Crash reproduction files").
#ifndef RINGKV_CRASH_REPRO_FILE_H_
#define RINGKV_CRASH_REPRO_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crash/crash_state.h"
#include "ringkv/crashtest.h"

namespace ringkv::crash {

struct Repro {
  std::string recorded_root;
  CrashPlan plan;
  PlantedBug planted_bug = PlantedBug::kNone;
  History history;
  std::vector<io::RecordedOp> ops;
};

absl::Status WriteRepro(const std::string& path, const CrashSimulator& sim,
                        const History& history, const CrashPlan& plan, PlantedBug planted_bug);
// Reads version 2 and version 1 (written before planted bugs were recorded: none).
absl::StatusOr<Repro> ReadRepro(const std::string& path);

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_REPRO_FILE_H_
