// RunSimulate: records one run of the workload, then rebuilds crash states from the record
// (crash/crash_state.h) and checks the database recovered from each; a violation is minimized
// to its earliest crash point and written to a reproduction file.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crash/crash_state.h"
#include "crash/planted_bugs.h"
#include "crash/recovery_check.h"
#include "crash/repro_file.h"
#include "ringkv/crashtest.h"
#include "uring/posix_backend.h"
#include "uring/recording_backend.h"

namespace ringkv::crash {
namespace {

// Crash points with at most this many volatile writes have every keep/lose combination checked.
constexpr size_t kMaxEnumeratedWrites = 6;
// A violation's report lists this many of the state's choices.
constexpr size_t kChoicesShown = 12;

// Runs `workload` once on a recorder over `io` (behind the planted bug, if any) in
// `run_dir`/db; returns every op that took effect, and the history in `history`.
absl::StatusOr<std::vector<io::RecordedOp>> RecordRun(Workload& workload, const std::string& run_dir,
                                                      std::shared_ptr<io::IoBackend> io,
                                                      PlantedBug bug, History* history) {
  auto recorder = std::make_shared<io::RecordingBackend>(*io);
  {
    Options o = workload.DbOptions();
    o.io = PlantBug(bug, recorder);
    o.read_path = ReadPath::kPread;
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(o, run_dir + "/db");
    if (!db.ok()) return db.status();
    absl::Status s = workload.Run(**db, [&] { return recorder->NextEvent(); }, history);
    if (!s.ok()) return s;
    s = (*db)->Close();
    if (!s.ok()) return s;
  }  // the planted bug's backend is gone too: whatever it held back has reached the recorder
  return recorder->ops();
}

class SimulateRun {
 public:
  SimulateRun(Workload& workload, const CrashOptions& options, std::string run_dir,
              CrashSimulator sim, History history)
      : workload_(workload),
        options_(options),
        run_dir_(std::move(run_dir)),
        sim_(std::move(sim)),
        history_(std::move(history)),
        points_(sim_.CrashPoints()),
        io_(PlantBug(options.planted_bug, std::make_shared<io::PosixBackend>(io::IoOptions{}))) {}

  size_t crash_points() const { return points_.size(); }

  // The states to check: both extremes at evenly spread points (a sixth of the budget), every
  // keep/lose combination where few writes are volatile (up to a fifth), the rest random.
  absl::StatusOr<std::vector<CrashPlan>> Plan(size_t* exhaustive_points) {
    std::vector<CrashPlan> plans;
    const size_t extremes = std::min(points_.size(), options_.states / 6 + 1);
    for (size_t i = 0; i < extremes; ++i) {
      const uint64_t p = points_[i * points_.size() / extremes];
      plans.push_back({p, CrashMode::kAllLost, 0});
      plans.push_back({p, CrashMode::kAllKept, 0});
    }
    plans.push_back({points_.back(), CrashMode::kAllLost, 0});
    absl::Status s = AddEnumerated(plans.size() + options_.states / 5, &plans, exhaustive_points);
    if (!s.ok()) return s;
    AddRandom(&plans);
    plans.resize(std::min(plans.size(), std::max<size_t>(options_.states, 1)));
    return plans;
  }

  // Checks `plan`; a violation is minimized, reported and (the first) written to a repro file.
  absl::Status Check(const CrashPlan& plan, CrashReport* report) {
    absl::StatusOr<std::optional<std::string>> v = CheckAt(plan, nullptr);
    if (!v.ok()) return v.status();
    ++report->states_checked;
    if (!v->has_value()) return absl::OkStatus();
    ++report->violations;
    CrashPlan minimal = plan;
    std::string message = **v;
    Minimize(&minimal, &message);
    std::vector<std::string> choices;
    (void)CheckAt(minimal, &choices);
    for (size_t c = 0; c < choices.size() && c < kChoicesShown; ++c) {
      absl::StrAppend(&message, "\n    ", choices[c]);
    }
    if (choices.size() > kChoicesShown) {
      absl::StrAppend(&message, "\n    (", choices.size() - kChoicesShown, " more)");
    }
    report->messages.push_back(message);
    if (!report->repro_path.empty()) return absl::OkStatus();
    report->repro_path = options_.repro_file.empty()
                             ? absl::StrCat(options_.work_dir, "/ringkv-crash-", options_.seed, ".repro")
                             : options_.repro_file;
    return WriteRepro(report->repro_path, sim_, history_, minimal, options_.planted_bug);
  }

 private:
  absl::StatusOr<std::optional<std::string>> CheckAt(const CrashPlan& plan,
                                                     std::vector<std::string>* choices) {
    return CheckCrashState(workload_, sim_, history_, plan, run_dir_ + "/state", io_, choices);
  }

  // Enumerates crash points in a seeded order and, at each with 1 to kMaxEnumeratedWrites
  // volatile writes, adds every combination, while `plans` stays within `budget`.
  absl::Status AddEnumerated(size_t budget, std::vector<CrashPlan>* plans, size_t* points_done) {
    const std::string probe = run_dir_ + "/probe";
    std::mt19937_64 pick(options_.seed + 1);
    for (size_t tries = 0; tries < points_.size() && plans->size() < budget; ++tries) {
      const uint64_t point = points_[pick() % points_.size()];
      std::error_code ec;
      std::filesystem::remove_all(probe, ec);
      std::filesystem::create_directories(probe, ec);
      absl::StatusOr<CrashStateSummary> s = sim_.Materialize({point, CrashMode::kEnumerate, 0}, probe);
      if (!s.ok()) return s.status();
      const size_t k = s->writes_volatile_decided;
      if (k == 0 || k > kMaxEnumeratedWrites || plans->size() + (size_t{1} << k) > budget) continue;
      for (uint64_t bits = 1; bits < (uint64_t{1} << k); ++bits) {  // 0 = all lost, done
        plans->push_back({point, CrashMode::kEnumerate, bits});
      }
      ++*points_done;
    }
    return absl::OkStatus();
  }

  // Fills the budget with seeded random states, half of them crashing while a write is under
  // way: that is where tearing happens.
  void AddRandom(std::vector<CrashPlan>* plans) {
    std::vector<uint64_t> writes_submitted;
    for (const io::RecordedOp& op : sim_.ops()) {
      if (op.type == io::OpType::kWrite) writes_submitted.push_back(op.submit_event);
    }
    std::mt19937_64 rng(options_.seed);
    while (plans->size() < options_.states) {
      const bool tear = !writes_submitted.empty() && plans->size() % 2 == 0;
      const uint64_t p = tear ? writes_submitted[rng() % writes_submitted.size()]
                              : points_[rng() % points_.size()];
      plans->push_back({p, CrashMode::kRandom, rng()});
    }
  }

  // The earliest crash point at which the same choices still break something.
  void Minimize(CrashPlan* plan, std::string* message) {
    for (uint64_t p : points_) {
      if (p >= plan->event) return;
      CrashPlan earlier = *plan;
      earlier.event = p;
      absl::StatusOr<std::optional<std::string>> e = CheckAt(earlier, nullptr);
      if (e.ok() && e->has_value()) {
        *plan = earlier;
        *message = **e;
        return;
      }
    }
  }

  Workload& workload_;
  const CrashOptions& options_;
  const std::string run_dir_;
  const CrashSimulator sim_;
  const History history_;
  const std::vector<uint64_t> points_;
  const std::shared_ptr<io::IoBackend> io_;  // recoveries: plain syscalls, behind the planted bug
};

}  // namespace

absl::StatusOr<CrashReport> RunSimulate(Workload& workload, const CrashOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> run_dir = MakeScratchDir(options.work_dir, "sim");
  if (!run_dir.ok()) return run_dir.status();
  History history;
  absl::StatusOr<std::vector<io::RecordedOp>> ops =
      RecordRun(workload, *run_dir, std::make_shared<io::PosixBackend>(io::IoOptions{}),
                options.planted_bug, &history);
  if (!ops.ok()) return ops.status();
  SimulateRun run(workload, options, *run_dir, CrashSimulator(std::move(*ops), *run_dir),
                  std::move(history));
  CrashReport report;
  report.crash_points = run.crash_points();
  absl::StatusOr<std::vector<CrashPlan>> plans = run.Plan(&report.exhaustive_points);
  if (!plans.ok()) return plans.status();
  for (size_t i = 0; i < plans->size(); ++i) {
    if (options.progress) options.progress(i, plans->size());
    absl::Status s = run.Check((*plans)[i], &report);
    if (!s.ok()) return s;
    if (report.violations > 0 && options.stop_at_first_violation) break;
  }
  std::error_code ec;
  std::filesystem::remove_all(*run_dir, ec);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace ringkv::crash
