#include "crash/recovery_check.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ringkv::crash {
namespace {

const char* ModeName(CrashMode mode) {
  switch (mode) {
    case CrashMode::kAllLost:
      return "all-volatile-lost";
    case CrashMode::kAllKept:
      return "all-kept";
    case CrashMode::kEnumerate:
      return "enumerated";
    case CrashMode::kRandom:
      return "random";
    case CrashMode::kChosen:
      return "chosen";
  }
  return "unknown";
}

}  // namespace

absl::StatusOr<std::string> MakeScratchDir(const std::string& base, const std::string& tag) {
  std::string tmpl = absl::StrCat(base, "/ringkv-crash-", tag, "-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a scratch directory in ", base, ": ", std::strerror(errno)));
  }
  return tmpl;
}

absl::StatusOr<KvState> Recover(Workload& workload, const std::string& dir,
                                std::shared_ptr<io::IoBackend> io) {
  Options o = workload.DbOptions();
  o.create_if_missing = false;
  o.io = std::move(io);
  o.read_path = ReadPath::kPread;
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(o, dir);
  if (!db.ok()) {
    if (absl::IsNotFound(db.status())) return KvState{};
    return absl::Status(db.status().code(),
                        absl::StrCat("recovery failed: ", db.status().message()));
  }
  absl::StatusOr<KvState> state = workload.ReadState(**db);
  absl::Status closed = (*db)->Close();
  if (!state.ok()) return state;
  if (!closed.ok()) return closed;
  return state;
}

std::string DescribeViolation(const Violation& v, const std::string& where) {
  return absl::StrCat("invariant ", v.invariant, v.key.empty() ? "" : absl::StrCat(" (key ", v.key, ")"),
                      ": ", v.detail, where);
}

absl::StatusOr<std::optional<std::string>> CheckCrashState(
    Workload& workload, const CrashSimulator& sim, const History& history, const CrashPlan& plan,
    const std::string& scratch, std::shared_ptr<io::IoBackend> io,
    std::vector<std::string>* choices) {
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  std::filesystem::create_directories(scratch, ec);
  absl::StatusOr<CrashStateSummary> summary = sim.Materialize(plan, scratch);
  if (!summary.ok()) return summary.status();
  if (choices != nullptr) *choices = summary->choices;
  const std::string where =
      absl::StrCat("; crash after event ", plan.event, " (", summary->ops_happened,
                   " I/O ops had happened), mode ", ModeName(plan.mode), ", seed ", plan.seed);
  absl::StatusOr<KvState> state = Recover(workload, scratch + "/db", std::move(io));
  if (!state.ok()) {
    return std::optional<std::string>(DescribeViolation(
        Violation{"5 recovery failed on a legal crash state", "", std::string(state.status().message())},
        where));
  }
  std::optional<Violation> v = history.Check(*state, plan.event);
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(DescribeViolation(*v, where));
}

}  // namespace ringkv::crash
