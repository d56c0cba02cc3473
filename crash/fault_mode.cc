// RunFault: for N = 1, 2, ...: the workload runs with a failure injected at its Nth I/O op (EIO,
// ENOSPC, or a write that lands only in part), then the database is reopened without faults
// and checked; until the workload completes without reaching op N.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "crash/planted_bugs.h"
#include "crash/recovery_check.h"
#include "ringkv/crashtest.h"
#include "uring/fault_injecting_backend.h"
#include "uring/posix_backend.h"

namespace ringkv::crash {
namespace {

// The failure injected at op `n`: the failures a disk gives, in turn.
struct Fault {
  explicit Fault(uint64_t n) : n(n), err(n % 2 == 0 ? EIO : ENOSPC), short_write(n % 3 == 0) {}

  io::FaultInjectingBackend::FaultFn Fn() const {
    return short_write ? io::FaultInjectingBackend::ShortenNth(n)
                       : io::FaultInjectingBackend::FailNth(n, err);
  }
  std::string Describe() const {
    return absl::StrCat(short_write ? "a short write" : std::strerror(err), " injected at I/O op ", n);
  }

  uint64_t n;
  int err;
  bool short_write;
};

// Runs the workload in `db_dir` with `fault`; returns whether the fault was reached, the
// history in `history`.
bool RunWithFault(Workload& w, const std::string& db_dir, const Fault& fault,
                  std::shared_ptr<io::IoBackend> posix, PlantedBug bug, History* history) {
  auto faulty = std::make_shared<io::FaultInjectingBackend>(*posix);
  faulty->SetFault(fault.Fn());
  uint64_t event = 0;
  Options o = w.DbOptions();
  o.io = PlantBug(bug, faulty);
  o.read_path = ReadPath::kPread;
  auto db = DB::Open(o, db_dir);
  if (db.ok()) {
    (void)w.Run(**db, [&] { return ++event; }, history);
    (*db)->Close().IgnoreError();
  }
  return faulty->faults_injected() > 0;
}

// Reopens without faults: everything acknowledged must be there, nothing else but a prefix.
std::optional<std::string> CheckAfterFault(Workload& w, const std::string& db_dir,
                                           const History& history, const Fault& fault,
                                           std::shared_ptr<io::IoBackend> io) {
  absl::StatusOr<KvState> state = Recover(w, db_dir, std::move(io));
  if (!state.ok()) {
    return absl::StrCat("invariant 5 recovery failed after ", fault.Describe(), ": ",
                        state.status().message());
  }
  std::optional<Violation> v = history.Check(*state, ~uint64_t{0});
  if (!v) return std::nullopt;
  return DescribeViolation(*v, absl::StrCat(" after ", fault.Describe()));
}

}  // namespace

absl::StatusOr<CrashReport> RunFault(std::function<std::unique_ptr<Workload>()> make,
                                     const CrashOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  CrashReport report;
  auto posix = std::make_shared<io::PosixBackend>(io::IoOptions{});
  const std::shared_ptr<io::IoBackend> recovery_io = PlantBug(options.planted_bug, posix);
  for (uint64_t n = 1; n <= options.states; ++n) {
    if (options.progress) options.progress(n, options.states);
    absl::StatusOr<std::string> run_dir = MakeScratchDir(options.work_dir, "fault");
    if (!run_dir.ok()) return run_dir.status();
    const std::string db_dir = *run_dir + "/db";
    const Fault fault(n);
    std::unique_ptr<Workload> w = make();
    History history;
    const bool reached = RunWithFault(*w, db_dir, fault, posix, options.planted_bug, &history);
    ++report.states_checked;
    std::optional<std::string> problem = CheckAfterFault(*w, db_dir, history, fault, recovery_io);
    if (problem) {
      ++report.violations;
      report.messages.push_back(*problem);
      if (options.stop_at_first_violation) break;
    } else {
      std::error_code ec;
      std::filesystem::remove_all(*run_dir, ec);
    }
    if (!reached) break;  // the workload finished before op n: every op has had its fault
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace ringkv::crash
