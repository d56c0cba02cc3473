// CrashSimulator turns a recorded run into the file states a power failure at any moment could
// have left, under DESIGN.md's crash model: what a completed fsync/fdatasync or O_DSYNC write
// made durable stays; any other write may be kept, lost or torn at 512-byte sectors; creates,
// renames, links and unlinks not covered by an fsync of their directory may be undone (in order);
// a chain in flight may have run any prefix of its ops. Two recorders feed it: ringkv's I/O seam
// (uring/recording_backend.h) and the FUSE filesystem of `ringkv crash exec` (crash/exec/).
#ifndef RINGKV_CRASH_CRASH_STATE_H_
#define RINGKV_CRASH_CRASH_STATE_H_

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crash/recorded_ops_coding.h"
#include "uring/recording_backend.h"

namespace ringkv::crash {

struct FileTree;  // a crash state being built (crash_state.cc)

enum class CrashMode : uint8_t {
  kRandom,   // seeded choices for every volatile op
  kAllLost,  // every volatile write lost, every volatile name change undone
  kAllKept,  // everything that happened reached the disk
  // Ops in flight ran, the last of each chain still under way; volatile write i (including
  // those under way) is kept if bit i of `seed` is set, else lost
  // (names all kept). With k volatile writes, seeds 0 .. 2^k - 1 enumerate every such state.
  kEnumerate,
  // The fates in CrashPlan::fates, every other op kept: a state rebuilt from another state's
  // summary (CrashStateSummary::AsPlan), and what the minimizer narrows down.
  kChosen,
};

// What became of one volatile op (a write not yet durable, or an op in flight at the crash).
enum class OpFate : uint8_t { kKept, kLost, kTorn };

struct ChosenFate {
  OpFate fate = OpFate::kKept;
  // kTorn: one character per 512-byte sector of the file the write covers, '1' if it landed.
  std::string sectors;
};

// Everything needed to rebuild one crash state exactly.
struct CrashPlan {
  uint64_t event = 0;  // the crash happens right after this event
  CrashMode mode = CrashMode::kRandom;
  uint64_t seed = 0;
  // kChosen only: fates of ops (by index into CrashSimulator::ops()) that were not kept, and
  // how many of the volatile name changes persisted (they persist as an ordered prefix).
  std::map<size_t, ChosenFate> fates;
  size_t names_kept = std::numeric_limits<size_t>::max();
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
  // The same decisions as data: every op not kept (lost, torn, or in flight and not started),
  // and the volatile name changes (indices into ops(), in order) of which the first
  // `names_kept` persisted.
  std::map<size_t, ChosenFate> fates;
  std::vector<size_t> volatile_names;
  size_t names_kept = 0;

  // A kChosen plan that rebuilds exactly this state.
  CrashPlan AsPlan(uint64_t event) const;
};

class CrashSimulator {
 public:
  // `ops` from a recorder; every path must lie under `recorded_root`, which existed (empty, or
  // with contents durable and of no interest to the check) before recording began.
  CrashSimulator(std::vector<io::RecordedOp> ops, std::string recorded_root);

  // Event numbers after which the disk state can differ: every chain's submission and
  // completion, in order.
  std::vector<uint64_t> CrashPoints() const;
  // Writes the crash state of `plan` into `out_dir` (which must exist and be empty), with
  // `recorded_root` mapped onto it.
  absl::StatusOr<CrashStateSummary> Materialize(const CrashPlan& plan,
                                                const std::string& out_dir) const;

  // The decisions Materialize would make for `plan`, without building or writing any file.
  CrashStateSummary Summarize(const CrashPlan& plan) const;

  const std::vector<io::RecordedOp>& ops() const { return ops_; }
  const std::string& recorded_root() const { return root_; }

 private:
  // Every choice of the state; also builds its files into `tree` unless null.
  CrashStateSummary Decide(const CrashPlan& plan, FileTree* tree) const;

  std::vector<io::RecordedOp> ops_;
  std::string root_;
};

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_CRASH_STATE_H_
