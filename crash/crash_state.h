// CrashSimulator turns a recorded run (uring/recording_backend.h) into the file states a power
// failure at any moment could have left, under DESIGN.md's crash model: what a completed
// fsync/fdatasync or O_DSYNC write made durable stays; any other write may be kept, lost or torn
// at 512-byte sectors; creates, renames and unlinks not covered by an fsync of their directory
// may be undone (in order); a chain in flight may have run any prefix of its ops.
#ifndef RINGKV_CRASH_CRASH_STATE_H_
#define RINGKV_CRASH_CRASH_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "uring/recording_backend.h"

namespace ringkv::crash {

enum class CrashMode : uint8_t {
  kRandom,   // seeded choices for every volatile op
  kAllLost,  // every volatile write lost, every volatile name change undone
  kAllKept,  // everything that happened reached the disk
  // Ops in flight ran, the last of each chain still under way; volatile write i (including
  // those under way) is kept if bit i of `seed` is set, else lost
  // (names all kept). With k volatile writes, seeds 0 .. 2^k - 1 enumerate every such state.
  kEnumerate,
};

// Everything needed to rebuild one crash state exactly.
struct CrashPlan {
  uint64_t event = 0;  // the crash happens right after this event
  CrashMode mode = CrashMode::kRandom;
  uint64_t seed = 0;
};

struct CrashStateSummary {
  size_t ops_happened = 0;
  size_t durable_writes = 0;
  size_t volatile_writes = 0;
  size_t writes_lost = 0;
  size_t writes_torn = 0;
  size_t names_volatile = 0;
  size_t names_undone = 0;
  size_t writes_volatile_decided = 0;  // kEnumerate: how many bits of the seed were used
  // One line per volatile op and what happened to it, for a violation report.
  std::vector<std::string> choices;
};

class CrashSimulator {
 public:
  // `ops` from a RecordingBackend; every path must lie under `recorded_root`, which existed
  // (empty or not, durably) before recording began.
  CrashSimulator(std::vector<io::RecordedOp> ops, std::string recorded_root);

  // Event numbers after which the disk state can differ: every chain's submission and
  // completion, in order.
  std::vector<uint64_t> CrashPoints() const;
  // Writes the crash state of `plan` into `out_dir` (which must exist and be empty), with
  // `recorded_root` mapped onto it.
  absl::StatusOr<CrashStateSummary> Materialize(const CrashPlan& plan,
                                                const std::string& out_dir) const;

  const std::vector<io::RecordedOp>& ops() const { return ops_; }
  const std::string& recorded_root() const { return root_; }

 private:
  std::vector<io::RecordedOp> ops_;
  std::string root_;
};

// Serialization of a recorded run, for reproduction files.
std::string EncodeOps(const std::vector<io::RecordedOp>& ops);
absl::StatusOr<std::vector<io::RecordedOp>> DecodeOps(std::string_view bytes);

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_CRASH_STATE_H_
