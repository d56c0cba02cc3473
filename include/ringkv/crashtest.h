// ringkv's crash-consistency harness as a library (installed as <ringkv/crashtest.h>): run a
// workload against a DB, then check the database recovered from every crash state the crash
// model allows (simulate), after SIGKILLs of a child process (kill), or after an I/O error
// injected at the 1st, 2nd, ... Nth op (fault). Applications can bring their own Workload.
#ifndef RINGKV_CRASHTEST_H_
#define RINGKV_CRASHTEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "ringkv/history.h"
#include "ringkv/db.h"

namespace ringkv::crash {

class Workload {
 public:
  virtual ~Workload() = default;
  // The options the DB is opened with; the default is small (64 KiB memtable and WAL segments)
  // so that checkpoints, segment turnover and recycling all happen within a short run.
  virtual Options DbOptions() const;
  // Drives `db` from one thread. Every write goes in `history`, bracketed by `stamp()` calls:
  // begin = stamp() before the call, end = stamp() after it returned.
  virtual absl::Status Run(DB& db, absl::FunctionRef<uint64_t()> stamp, History* history) = 0;
  // The whole logical state of a recovered DB; the default scans every key.
  virtual absl::StatusOr<KvState> ReadState(DB& db);
};

// Random puts, deletes and batches over a small key space; most writes sync, some not; a few
// explicit checkpoints. Deterministic for a seed.
std::unique_ptr<Workload> MakeDefaultWorkload(uint64_t seed, size_t ops);

// Proof that the harness catches bugs: it runs the engine over an I/O backend that breaks
// ringkv's durability as each of these bugs would (crash/planted_bugs.h), and must then report
// a violation. The engine itself has no such switch; kNone checks it as it is.
enum class PlantedBug {
  kNone,
  kAckBeforeWalWrite,     // sync writes are acknowledged before their WAL write reaches the disk
  kSkipSegmentDirFsync,   // a new WAL segment's directory entry is never synced
  kSkipManifestTempFsync, // the MANIFEST is renamed over a temp file that was never synced
  kReplayTornRecords,     // replay takes torn fragments for valid ones (checksums ignored)
  kFollowAnySkip,         // replay follows a skip fragment past a hole left by a lost write
};
// "none", "ack_before_wal_write", "skip_segment_dir_fsync", "skip_manifest_temp_fsync",
// "replay_torn_records", "follow_any_skip"; InvalidArgument naming them all for anything else.
absl::StatusOr<PlantedBug> ParsePlantedBug(std::string_view name);
std::string_view PlantedBugName(PlantedBug bug);

struct CrashOptions {
  std::string work_dir = "/var/tmp";
  uint64_t seed = 1;
  size_t states = 400;    // simulate: crash states to check; kill/fault: runs
  bool stop_at_first_violation = true;
  std::string repro_file;  // default: <work_dir>/ringkv-crash-<seed>.repro
  PlantedBug planted_bug = PlantedBug::kNone;  // every DB of the run, recoveries included
  bool keep_replayed_state = false;  // ReplayRepro: leave the rebuilt directory (named on stderr)
  std::function<void(size_t done, size_t total)> progress;
};

struct CrashReport {
  size_t states_checked = 0;
  size_t crash_points = 0;
  size_t exhaustive_points = 0;  // crash points whose every keep/lose combination was checked
  size_t violations = 0;
  double seconds = 0;
  std::vector<std::string> messages;  // one per violation: invariant, key, minimal crash point
  std::string repro_path;             // written when there was a violation (simulate)
};

absl::StatusOr<CrashReport> RunSimulate(Workload& workload, const CrashOptions& options);
absl::StatusOr<CrashReport> RunKill(std::function<std::unique_ptr<Workload>(uint64_t seed)> make,
                                    const CrashOptions& options);
absl::StatusOr<CrashReport> RunFault(std::function<std::unique_ptr<Workload>()> make,
                                     const CrashOptions& options);
// Rebuilds the crash state stored in a reproduction file and checks it again (with the planted
// bug the file names), in a scratch directory under options.work_dir.
absl::StatusOr<CrashReport> ReplayRepro(const std::string& path, const CrashOptions& options);

}  // namespace ringkv::crash

#endif  // RINGKV_CRASHTEST_H_
