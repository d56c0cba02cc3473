// Switches that break ringkv's durability on purpose, so the crash harness can prove it catches
// each kind of bug (tests/crash/harness_test.cc, `ringkv crash --sabotage=...`). Off by default;
// nothing in the library sets them, and an application has to name them explicitly.
#ifndef RINGKV_URING_SABOTAGE_H_
#define RINGKV_URING_SABOTAGE_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"

namespace ringkv::sabotage {

struct Switches {
  std::atomic<bool> ack_before_wal_write{false};       // WAL acknowledges before durable
  std::atomic<bool> skip_segment_dir_fsync{false};     // new WAL segment's directory not synced
  std::atomic<bool> skip_manifest_temp_fsync{false};   // MANIFEST renamed over an unsynced temp
  std::atomic<bool> replay_torn_records{false};        // replay ignores fragment checksums
  std::atomic<bool> follow_any_skip{false};  // replay follows a skip past a hole (lost write)
};

Switches& Get();
// Sets one switch by name ("ack_before_wal_write", ...); "none" clears them all.
absl::Status Set(const std::string& name);

}  // namespace ringkv::sabotage

#endif  // RINGKV_URING_SABOTAGE_H_
