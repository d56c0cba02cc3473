#include "crash/planted_bugs.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ringkv::crash {
namespace {

struct BugEntry {
  PlantedBug bug;
  std::string_view name;
  std::unique_ptr<io::IoBackend> (*make)(io::IoBackend& inner);
};

constexpr BugEntry kBugs[] = {
    {PlantedBug::kNone, "none", nullptr},
    {PlantedBug::kAckBeforeWalWrite, "ack_before_wal_write", MakeEarlyAckBackend},
    {PlantedBug::kSkipSegmentDirFsync, "skip_segment_dir_fsync", MakeSkipWalDirFsyncBackend},
    {PlantedBug::kSkipManifestTempFsync, "skip_manifest_temp_fsync",
     MakeSkipPublishTempFsyncBackend},
    {PlantedBug::kReplayTornRecords, "replay_torn_records", MakeTornRecordsValidBackend},
    {PlantedBug::kFollowAnySkip, "follow_any_skip", MakeSkipsPastHolesBackend},
};

const BugEntry& EntryOf(PlantedBug bug) {
  for (const BugEntry& e : kBugs) {
    if (e.bug == bug) return e;
  }
  return kBugs[0];
}

}  // namespace

absl::StatusOr<PlantedBug> ParsePlantedBug(std::string_view name) {
  for (const BugEntry& e : kBugs) {
    if (e.name == name) return e.bug;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown planted bug '", std::string(name), "': ",
      absl::StrJoin(kBugs, ", ", [](std::string* out, const BugEntry& e) { out->append(e.name.data(), e.name.size()); })));
}

std::string_view PlantedBugName(PlantedBug bug) { return EntryOf(bug).name; }

std::shared_ptr<io::IoBackend> PlantBug(PlantedBug bug, std::shared_ptr<io::IoBackend> inner) {
  const BugEntry& e = EntryOf(bug);
  if (e.make == nullptr) return inner;
  std::unique_ptr<io::IoBackend> planted = e.make(*inner);
  // The deleter owns `inner`, so it goes only after the backend in front of it.
  return std::shared_ptr<io::IoBackend>(planted.release(),
                                        [inner = std::move(inner)](io::IoBackend* b) { delete b; });
}

}  // namespace ringkv::crash
