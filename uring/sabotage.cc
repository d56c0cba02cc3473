#include "uring/sabotage.h"

#include "absl/strings/str_cat.h"

namespace ringkv::sabotage {

Switches& Get() {
  static Switches switches;
  return switches;
}

absl::Status Set(const std::string& name) {
  Switches& s = Get();
  if (name == "none") {
    s.ack_before_wal_write = false;
    s.skip_segment_dir_fsync = false;
    s.skip_manifest_temp_fsync = false;
    s.replay_torn_records = false;
    s.follow_any_skip = false;
  } else if (name == "ack_before_wal_write") {
    s.ack_before_wal_write = true;
  } else if (name == "skip_segment_dir_fsync") {
    s.skip_segment_dir_fsync = true;
  } else if (name == "skip_manifest_temp_fsync") {
    s.skip_manifest_temp_fsync = true;
  } else if (name == "replay_torn_records") {
    s.replay_torn_records = true;
  } else if (name == "follow_any_skip") {
    s.follow_any_skip = true;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown sabotage '", name, "': ack_before_wal_write, skip_segment_dir_fsync, "
        "skip_manifest_temp_fsync, replay_torn_records, follow_any_skip or none"));
  }
  return absl::OkStatus();
}

}  // namespace ringkv::sabotage
