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

struct CrashOptions {
  std::string work_dir = "/var/tmp";
  uint64_t seed = 1;
  size_t states = 400;    // simulate: crash states to check; kill/fault: runs
  bool stop_at_first_violation = true;
  std::string repro_file;  // default: <work_dir>/ringkv-crash-<seed>.repro
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
// Rebuilds the crash state stored in a reproduction file and checks it again.
absl::StatusOr<CrashReport> ReplayRepro(const std::string& path, const std::string& work_dir);

}  // namespace ringkv::crash

#endif  // RINGKV_CRASHTEST_H_
