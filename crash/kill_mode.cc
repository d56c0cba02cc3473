// RunKill: a child process runs the workload and reports each op to the parent before it is
// issued and when it returns; the parent SIGKILLs it at a random reported op, reopens the
// database, checks it against the reports, and goes on from the recovered state.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crash/planted_bugs.h"
#include "crash/recovery_check.h"
#include "ringkv/crashtest.h"
#include "uring/posix_backend.h"

namespace ringkv::crash {
namespace {

using Clock = std::chrono::steady_clock;

// A child that reports nothing for this long is killed, whatever op it was meant to reach.
constexpr auto kHungChild = std::chrono::seconds(60);

// The child: runs the workload on the database in `db_dir`, writing each op to `fd` (History
// text) before it is issued and "end INDEX EVENT OK" when it returns, so the op in flight at
// the kill is known (it may or may not have landed).
[[noreturn]] void RunChild(Workload& w, const std::string& db_dir, PlantedBug bug, int fd) {
  Options o = w.DbOptions();
  o.io = PlantBug(bug, std::make_shared<io::PosixBackend>(io::IoOptions{}));
  auto db = DB::Open(o, db_dir);
  if (!db.ok()) _exit(3);
  auto send = [fd](const std::string& s) {
    for (size_t off = 0; off < s.size();) {
      const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
      if (n <= 0) _exit(4);
      off += static_cast<size_t>(n);
    }
  };
  History h;
  h.set_listener([&](const HistoryOp& op, size_t index, bool begin) {
    if (begin) {
      History one;
      one.Add(op);
      send(one.Encode());
    } else {
      send(absl::StrCat("end ", index, " ", op.end, " ", op.ok ? 1 : 0, "\n"));
    }
  });
  uint64_t event = 0;
  (void)w.Run(**db, [&]() -> uint64_t { return ++event; }, &h);
  (*db)->Close().IgnoreError();
  _exit(0);
}

struct ChildReports {
  std::string text;         // whole lines only: a line the kill cut short says nothing
  size_t ops_reported = 0;  // ops whose start was reported
};

// Reads the child's reports as they come (they outgrow a pipe, and a child blocked on a full
// one would be killed there, not in the middle of its I/O) and kills it once it has reported
// its `kill_after`-th op (0: let it finish), then reaps it.
ChildReports ReadReportsUntilKill(int fd, pid_t pid, size_t kill_after) {
  ChildReports r;
  size_t scanned = 0;  // r.text[0, scanned) is counted
  char buf[65536];
  bool killed = false;
  const auto give_up_at = Clock::now() + kHungChild;
  for (bool eof = false; !eof;) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) > 0) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) {
        eof = true;
      } else {
        r.text.append(buf, static_cast<size_t>(n));
      }
    }
    for (size_t nl; (nl = r.text.find('\n', scanned)) != std::string::npos; scanned = nl + 1) {
      r.ops_reported += r.text.compare(scanned, 3, "op ") == 0;
    }
    if (!killed && ((kill_after > 0 && r.ops_reported >= kill_after) || Clock::now() > give_up_at)) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.text.resize(r.text.rfind('\n') + 1);  // npos + 1 == 0: nothing whole
  return r;
}

// The history the reports tell: op blocks (History text) interleaved with end lines.
absl::StatusOr<History> ParseReports(const std::string& text) {
  std::string history_text;
  std::vector<std::tuple<size_t, uint64_t, bool>> ends;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "end ")) {
      absl::StrAppend(&history_text, line, "\n");
      continue;
    }
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    size_t index;
    uint64_t end;
    if (f.size() != 4 || !absl::SimpleAtoi(f[1], &index) || !absl::SimpleAtoi(f[2], &end)) {
      return absl::DataLossError(absl::StrCat("the child's report line '", line, "' is malformed"));
    }
    ends.emplace_back(index, end, f[3] == "1");
  }
  absl::StatusOr<History> h = History::Decode(history_text);
  if (!h.ok()) return h.status();
  for (const auto& [index, end, ok] : ends) {
    if (index < h->ops().size()) h->End(index, end, ok);
  }
  return h;
}

// Recovers the database after the kill of round `round` and checks it against `history`;
// nullopt if legal. The state recovered goes in `state`.
std::optional<std::string> CheckAfterKill(Workload& w, const std::string& db_dir,
                                          const History& history, PlantedBug bug, size_t round,
                                          KvState* state) {
  absl::StatusOr<KvState> recovered =
      Recover(w, db_dir, PlantBug(bug, std::make_shared<io::PosixBackend>(io::IoOptions{})));
  if (!recovered.ok()) {
    return absl::StrCat("invariant 5 recovery failed after SIGKILL: ", recovered.status().message());
  }
  *state = std::move(*recovered);
  // The kill came after everything the child reported.
  std::optional<Violation> v = history.Check(*state, ~uint64_t{0});
  if (!v) return std::nullopt;
  return DescribeViolation(*v, absl::StrCat(" after SIGKILL in round ", round));
}

}  // namespace

absl::StatusOr<CrashReport> RunKill(std::function<std::unique_ptr<Workload>(uint64_t seed)> make,
                                    const CrashOptions& options) {
  const auto start = Clock::now();
  CrashReport report;
  absl::StatusOr<std::string> run_dir = MakeScratchDir(options.work_dir, "kill");
  if (!run_dir.ok()) return run_dir.status();
  const std::string db_dir = *run_dir + "/db";
  std::mt19937_64 rng(options.seed);
  KvState base;
  size_t ops_per_run = 0;  // ops a whole run reports (round 0 runs to the end to find out)
  for (size_t round = 0; round < options.states; ++round) {
    if (options.progress) options.progress(round, options.states);
    const uint64_t seed = rng();
    int fds[2];
    if (::pipe(fds) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
    const pid_t pid = ::fork();
    if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(*make(seed), db_dir, options.planted_bug, fds[1]);
    }
    ::close(fds[1]);
    // Kill it at a random point of its run, once it has reported the k-th op (k from 1 to the
    // ops a whole run reports), while it goes on writing.
    const size_t kill_after = ops_per_run == 0 ? 0 : 1 + rng() % ops_per_run;
    const ChildReports reports = ReadReportsUntilKill(fds[0], pid, kill_after);
    ::close(fds[0]);
    if (ops_per_run == 0) ops_per_run = std::max<size_t>(1, reports.ops_reported);
    absl::StatusOr<History> history = ParseReports(reports.text);
    if (!history.ok()) return history.status();
    history->set_base(base);
    ++report.states_checked;
    KvState state;
    std::optional<std::string> problem =
        CheckAfterKill(*make(seed), db_dir, *history, options.planted_bug, round, &state);
    if (problem) {
      ++report.violations;
      report.messages.push_back(*problem);
      if (options.stop_at_first_violation) break;
      continue;
    }
    base = std::move(state);
  }
  std::error_code ec;
  if (report.violations == 0) std::filesystem::remove_all(*run_dir, ec);
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace ringkv::crash
