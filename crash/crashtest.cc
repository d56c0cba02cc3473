#include "ringkv/crashtest.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "crash/crash_state.h"
#include "uring/fault_injecting_backend.h"
#include "uring/posix_backend.h"
#include "uring/recording_backend.h"

namespace ringkv::crash {
namespace {

using Clock = std::chrono::steady_clock;

std::string MakeTempDir(const std::string& base, const std::string& tag) {
  std::string tmpl = absl::StrCat(base, "/ringkv-crash-", tag, "-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

class DefaultWorkload final : public Workload {
 public:
  DefaultWorkload(uint64_t seed, size_t ops) : seed_(seed), ops_(ops) {}

  absl::Status Run(DB& db, absl::FunctionRef<uint64_t()> stamp, History* history) override {
    std::mt19937_64 rng(seed_);
    // A third of the sync writes go through WriteAsync with up to kMaxOutstanding of them
    // unacknowledged at once, so the WAL has several writes in flight that may land in any
    // order. Their acknowledgements arrive on an I/O thread; mu_ orders every stamp and every
    // history update.
    constexpr int kMaxOutstanding = 4;
    int outstanding = 0;
    absl::CondVar drained;
    auto drain = [&](int below) {
      absl::MutexLock lock(&mu_);
      while (outstanding >= below) drained.Wait(&mu_);
    };
    auto begin = [&](HistoryOp op) {
      absl::MutexLock lock(&mu_);
      op.begin = stamp();
      return history->Begin(std::move(op));
    };
    auto end = [&](size_t index, bool ok) {
      absl::MutexLock lock(&mu_);
      history->End(index, stamp(), ok);
    };
    for (size_t i = 0; i < ops_; ++i) {
      HistoryOp op;
      const uint64_t r = rng() % 100;
      WriteBatch batch;
      auto key = [&] { return absl::StrCat("key", rng() % 40); };
      auto value = [&](size_t i) {
        // Mostly small values, now and then one that spans several WAL blocks.
        const size_t len = rng() % 10 == 0 ? 1000 + rng() % 9000 : 1 + rng() % 120;
        return absl::StrCat("v", i, "-", std::string(len, static_cast<char>('a' + i % 26)));
      };
      if (r < 8) {
        {
          absl::MutexLock lock(&mu_);
          stamp();
        }
        absl::Status s = db.Checkpoint();
        if (!s.ok()) break;  // the DB failed: the history so far is checked
        absl::MutexLock lock(&mu_);
        stamp();
        continue;
      }
      if (r < 60) {
        HistoryEntry e{false, key(), value(i)};
        batch.Put(e.key, e.value);
        op.entries.push_back(std::move(e));
      } else if (r < 75) {
        HistoryEntry e{true, key(), ""};
        batch.Delete(e.key);
        op.entries.push_back(std::move(e));
      } else {
        const int n = 2 + static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) {
          HistoryEntry e{rng() % 4 == 0, key(), ""};
          if (e.deleted) {
            batch.Delete(e.key);
          } else {
            e.value = value(i * 10 + k);
            batch.Put(e.key, e.value);
          }
          op.entries.push_back(std::move(e));
        }
      }
      op.sync = rng() % 5 != 0;
      const bool sync = op.sync;
      if (sync && rng() % 3 == 0) {
        drain(kMaxOutstanding);
        const size_t index = begin(std::move(op));
        {
          absl::MutexLock lock(&mu_);
          ++outstanding;
        }
        // `done` may run right here (a failed DB) or on an I/O completion thread.
        db.WriteAsync(WriteOptions{.sync = true}, std::move(batch), [&, index](absl::Status s) {
          absl::MutexLock lock(&mu_);
          history->End(index, stamp(), s.ok());
          --outstanding;
          drained.SignalAll();
        });
        continue;
      }
      const size_t index = begin(std::move(op));
      absl::Status s = db.Write(WriteOptions{.sync = sync}, batch);
      end(index, s.ok());
      if (!s.ok()) break;  // a failed DB refuses the rest anyway
    }
    drain(1);  // every acknowledgement is in the history before the DB closes
    return absl::OkStatus();
  }

 private:
  uint64_t seed_;
  size_t ops_;
  absl::Mutex mu_;
};

// Opens the database left in `dir` (recovery) and reads its state. A directory with no
// database at all reads as empty: legal exactly when nothing was acknowledged.
absl::StatusOr<KvState> Recover(Workload& w, const std::string& dir,
                                std::shared_ptr<io::IoBackend> io) {
  Options o = w.DbOptions();
  o.create_if_missing = false;
  o.io = std::move(io);
  o.read_path = ReadPath::kPread;
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(o, dir);
  if (!db.ok()) {
    if (absl::IsNotFound(db.status())) return KvState{};
    return absl::Status(db.status().code(),
                        absl::StrCat("recovery failed: ", db.status().message()));
  }
  absl::StatusOr<KvState> state = w.ReadState(**db);
  absl::Status closed = (*db)->Close();
  if (!state.ok()) return state;
  if (!closed.ok()) return closed;
  return state;
}

std::string Describe(const Violation& v, const CrashPlan& plan, size_t ops_happened) {
  return absl::StrCat("invariant ", v.invariant, v.key.empty() ? "" : absl::StrCat(" (key ", v.key, ")"),
                      ": ", v.detail, "; crash after event ", plan.event, " (", ops_happened,
                      " I/O ops had happened), mode ",
                      plan.mode == CrashMode::kAllLost     ? "all-volatile-lost"
                      : plan.mode == CrashMode::kAllKept   ? "all-kept"
                      : plan.mode == CrashMode::kEnumerate ? "enumerated"
                                                           : "random",
                      ", seed ", plan.seed);
}

// Checks one crash state; nullopt when legal.
absl::StatusOr<std::optional<std::string>> CheckState(Workload& w, const CrashSimulator& sim,
                                                      const History& history,
                                                      const CrashPlan& plan,
                                                      const std::string& scratch,
                                                      std::shared_ptr<io::IoBackend> io,
                                                      std::vector<std::string>* choices) {
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  std::filesystem::create_directories(scratch, ec);
  absl::StatusOr<CrashStateSummary> summary = sim.Materialize(plan, scratch);
  if (!summary.ok()) return summary.status();
  if (choices != nullptr) *choices = summary->choices;
  absl::StatusOr<KvState> state = Recover(w, scratch + "/db", io);
  if (!state.ok()) {
    return std::optional<std::string>(Describe(
        Violation{"5 recovery failed on a legal crash state", "", std::string(state.status().message())},
        plan, summary->ops_happened));
  }
  std::optional<Violation> v = history.Check(*state, plan.event);
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(Describe(*v, plan, summary->ops_happened));
}

absl::Status WriteRepro(const std::string& path, const CrashSimulator& sim,
                        const History& history, const CrashPlan& plan) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string h = history.Encode();
  const std::string ops = EncodeOps(sim.ops());
  out << "RINGKV-CRASH-REPRO 1\n"
      << sim.recorded_root() << "\n"
      << plan.event << " " << static_cast<int>(plan.mode) << " " << plan.seed << "\n"
      << h.size() << "\n"
      << h << ops;
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

}  // namespace

Options Workload::DbOptions() const {
  Options o;
  o.memtable_bytes = 64 << 10;
  o.wal_segment_bytes = 64 << 10;
  o.page_size = 4096;
  // Not the default (1), but the WAL's riskiest mode: writes in flight together may land in
  // any order, and recovery must still keep only a prefix.
  o.wal_max_writes_in_flight = 4;
  return o;
}

absl::StatusOr<KvState> Workload::ReadState(DB& db) {
  KvState state;
  std::unique_ptr<Iterator> it = db.NewIterator({});
  for (it->SeekToFirst(); it->Valid(); it->Next()) state.emplace(it->key(), it->value());
  if (!it->status().ok()) return it->status();
  return state;
}

std::unique_ptr<Workload> MakeDefaultWorkload(uint64_t seed, size_t ops) {
  return std::make_unique<DefaultWorkload>(seed, ops);
}

absl::StatusOr<CrashReport> RunSimulate(Workload& workload, const CrashOptions& options) {
  const auto start = Clock::now();
  CrashReport report;
  const std::string run_dir = MakeTempDir(options.work_dir, "sim");
  if (run_dir.empty()) return absl::InternalError(absl::StrCat("cannot create a directory in ", options.work_dir));
  const std::string db_dir = run_dir + "/db";
  auto posix = std::make_shared<io::PosixBackend>(io::IoOptions{});

  // 1. Run the workload once, recording every op.
  History history;
  std::vector<io::RecordedOp> ops;
  {
    auto recorder = std::make_shared<io::RecordingBackend>(*posix);
    Options o = workload.DbOptions();
    o.io = recorder;
    o.read_path = ReadPath::kPread;
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(o, db_dir);
    if (!db.ok()) return db.status();
    absl::Status s = workload.Run(**db, [&] { return recorder->NextEvent(); }, &history);
    if (!s.ok()) return s;
    s = (*db)->Close();
    if (!s.ok()) return s;
    ops = recorder->ops();
  }
  CrashSimulator sim(std::move(ops), run_dir);
  const std::vector<uint64_t> points = sim.CrashPoints();
  report.crash_points = points.size();

  // 2. Choose states: both extremes at evenly spread points, then seeded random ones.
  std::vector<CrashPlan> plans;
  std::mt19937_64 rng(options.seed);
  // A sixth of the budget for the two extremes, up to a fifth for exhaustive enumeration, the
  // rest random.
  const size_t extremes = std::min(points.size(), options.states / 6 + 1);
  for (size_t i = 0; i < extremes; ++i) {
    const uint64_t p = points[i * points.size() / extremes];
    plans.push_back({p, CrashMode::kAllLost, 0});
    plans.push_back({p, CrashMode::kAllKept, 0});
  }
  plans.push_back({points.back(), CrashMode::kAllLost, 0});
  // Where few writes are volatile, enumerate every keep/lose combination exhaustively: at every
  // crash point with at most 6 (64 states), budget permitting.
  {
    const std::string probe = run_dir + "/probe";
    const size_t budget = plans.size() + options.states / 5;
    std::mt19937_64 pick(options.seed + 1);
    for (size_t tries = 0; tries < points.size() && plans.size() < budget; ++tries) {
      const size_t i = pick() % points.size();
      std::error_code ec;
      std::filesystem::remove_all(probe, ec);
      std::filesystem::create_directories(probe, ec);
      absl::StatusOr<CrashStateSummary> s =
          sim.Materialize({points[i], CrashMode::kEnumerate, 0}, probe);
      if (!s.ok()) return s.status();
      const size_t k = s->writes_volatile_decided;
      if (k == 0 || k > 6 || plans.size() + (size_t{1} << k) > budget) continue;
      for (uint64_t bits = 1; bits < (uint64_t{1} << k); ++bits) {  // 0 = all lost, done
        plans.push_back({points[i], CrashMode::kEnumerate, bits});
      }
      ++report.exhaustive_points;
    }
  }
  // Half the random states crash while a write is under way: that is where tearing happens.
  std::vector<uint64_t> writes_in_flight;
  for (const io::RecordedOp& op : sim.ops()) {
    if (op.type == io::OpType::kWrite) writes_in_flight.push_back(op.submit_event);
  }
  while (plans.size() < options.states) {
    const bool tear = !writes_in_flight.empty() && plans.size() % 2 == 0;
    const uint64_t p = tear ? writes_in_flight[rng() % writes_in_flight.size()]
                            : points[rng() % points.size()];
    plans.push_back({p, CrashMode::kRandom, rng()});
  }
  plans.resize(std::min(plans.size(), std::max<size_t>(options.states, 1)));

  const std::string scratch = run_dir + "/state";
  for (size_t i = 0; i < plans.size(); ++i) {
    if (options.progress) options.progress(i, plans.size());
    absl::StatusOr<std::optional<std::string>> v =
        CheckState(workload, sim, history, plans[i], scratch, posix, nullptr);
    if (!v.ok()) return v.status();
    ++report.states_checked;
    if (!v->has_value()) continue;
    ++report.violations;
    // Minimize: the earliest crash point with the same choices that still breaks.
    CrashPlan minimal = plans[i];
    std::string message = **v;
    for (uint64_t p : points) {
      if (p >= plans[i].event) break;
      CrashPlan earlier = plans[i];
      earlier.event = p;
      absl::StatusOr<std::optional<std::string>> e =
          CheckState(workload, sim, history, earlier, scratch, posix, nullptr);
      if (e.ok() && e->has_value()) {
        minimal = earlier;
        message = **e;
        break;
      }
    }
    std::vector<std::string> choices;
    (void)CheckState(workload, sim, history, minimal, scratch, posix, &choices);
    std::string detail = message;
    for (size_t c = 0; c < choices.size() && c < 12; ++c) absl::StrAppend(&detail, "\n    ", choices[c]);
    if (choices.size() > 12) absl::StrAppend(&detail, "\n    (", choices.size() - 12, " more)");
    report.messages.push_back(detail);
    if (report.repro_path.empty()) {
      report.repro_path = options.repro_file.empty()
                              ? absl::StrCat(options.work_dir, "/ringkv-crash-", options.seed, ".repro")
                              : options.repro_file;
      absl::Status w = WriteRepro(report.repro_path, sim, history, minimal);
      if (!w.ok()) return w;
    }
    if (options.stop_at_first_violation) break;
  }
  std::error_code ec;
  std::filesystem::remove_all(run_dir, ec);
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

absl::StatusOr<CrashReport> ReplayRepro(const std::string& path, const std::string& work_dir) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  std::istringstream head(all);
  std::string magic, root, plan_line, size_line;
  std::getline(head, magic);
  std::getline(head, root);
  std::getline(head, plan_line);
  std::getline(head, size_line);
  if (magic != "RINGKV-CRASH-REPRO 1") {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a ringkv crash reproduction"));
  }
  CrashPlan plan;
  int mode = 0;
  if (std::sscanf(plan_line.c_str(), "%lu %d %lu", &plan.event, &mode, &plan.seed) != 3) {
    return absl::DataLossError(absl::StrCat(path, ": bad plan line"));
  }
  plan.mode = static_cast<CrashMode>(mode);
  const size_t hsize = std::stoul(size_line);
  const size_t at = static_cast<size_t>(head.tellg());
  if (at + hsize > all.size()) return absl::DataLossError(absl::StrCat(path, " is truncated"));
  absl::StatusOr<History> history = History::Decode(std::string_view(all).substr(at, hsize));
  if (!history.ok()) return history.status();
  absl::StatusOr<std::vector<io::RecordedOp>> ops = DecodeOps(std::string_view(all).substr(at + hsize));
  if (!ops.ok()) return ops.status();
  CrashSimulator sim(std::move(*ops), root);
  auto workload = MakeDefaultWorkload(0, 0);
  const std::string scratch = MakeTempDir(work_dir, "replay");
  auto posix = std::make_shared<io::PosixBackend>(io::IoOptions{});
  std::vector<std::string> choices;
  absl::StatusOr<std::optional<std::string>> v =
      CheckState(*workload, sim, *history, plan, scratch, posix, &choices);
  std::error_code ec;
  if (std::getenv("RINGKV_CRASH_KEEP") != nullptr) {
    std::fprintf(stderr, "crash state kept in %s\n", scratch.c_str());
  } else {
    std::filesystem::remove_all(scratch, ec);
  }
  if (!v.ok()) return v.status();
  CrashReport report;
  report.states_checked = 1;
  if (v->has_value()) {
    report.violations = 1;
    std::string detail = **v;
    for (const std::string& c : choices) absl::StrAppend(&detail, "\n    ", c);
    report.messages.push_back(detail);
  }
  return report;
}

absl::StatusOr<CrashReport> RunKill(std::function<std::unique_ptr<Workload>(uint64_t seed)> make,
                                    const CrashOptions& options) {
  const auto start = Clock::now();
  CrashReport report;
  const std::string run_dir = MakeTempDir(options.work_dir, "kill");
  if (run_dir.empty()) return absl::InternalError("cannot create a scratch directory");
  const std::string db_dir = run_dir + "/db";
  std::mt19937_64 rng(options.seed);
  KvState base;
  size_t ops_per_run = 0;  // ops a whole run reports (round 0 finds out)
  for (size_t round = 0; round < options.states; ++round) {
    if (options.progress) options.progress(round, options.states);
    const uint64_t seed = rng();
    int fds[2];
    if (::pipe(fds) != 0) return absl::InternalError("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) return absl::InternalError("fork failed");
    if (pid == 0) {
      // Child: run the workload, reporting each op before it starts and when it returns.
      ::close(fds[0]);
      std::unique_ptr<Workload> w = make(seed);
      Options o = w->DbOptions();
      o.io_backend = IoBackendKind::kPosix;
      auto db = DB::Open(o, db_dir);
      if (!db.ok()) _exit(3);
      uint64_t event = 0;
      History h;
      auto send = [&](const std::string& s) {
        size_t off = 0;
        while (off < s.size()) {
          const ssize_t n = ::write(fds[1], s.data() + off, s.size() - off);
          if (n <= 0) _exit(4);
          off += static_cast<size_t>(n);
        }
      };
      // Each op reaches the parent before it is issued and again when it returns, so the op in
      // flight at the kill is known (it may or may not have landed).
      h.set_listener([&](const HistoryOp& op, size_t index, bool begin) {
        if (begin) {
          History one;
          one.Add(op);
          send(one.Encode());
        } else {
          send(absl::StrCat("end ", index, " ", op.end, " ", op.ok ? 1 : 0, "\n"));
        }
      });
      auto stamp = [&]() -> uint64_t { return ++event; };
      (void)w->Run(**db, stamp, &h);
      (*db)->Close().IgnoreError();
      _exit(0);
    }
    ::close(fds[1]);
    // Kill it at a random point of its run: once it has reported the k-th op (k drawn from
    // 1..the ops a whole run reports, learned from round 0, which runs to the end), while it
    // goes on writing. The reports are read as they come: they outgrow a pipe, and a child
    // blocked on a full one would be killed there, not in the middle of its I/O.
    const size_t kill_after = ops_per_run == 0 ? 0 : 1 + rng() % ops_per_run;
    std::string received;
    size_t scanned = 0;  // received[0, scanned) is counted
    size_t ops_reported = 0;
    char buf[65536];
    bool eof = false;
    bool killed = false;
    const auto give_up_at = Clock::now() + std::chrono::seconds(60);  // a hung child
    while (!eof) {
      pollfd pfd{fds[0], POLLIN, 0};
      if (::poll(&pfd, 1, 100) > 0) {
        const ssize_t n = ::read(fds[0], buf, sizeof(buf));
        if (n <= 0) {
          eof = true;
        } else {
          received.append(buf, static_cast<size_t>(n));
        }
      }
      for (size_t nl; (nl = received.find('\n', scanned)) != std::string::npos; scanned = nl + 1) {
        ops_reported += received.compare(scanned, 3, "op ") == 0;
      }
      if (!killed && ((kill_after > 0 && ops_reported >= kill_after) || Clock::now() > give_up_at)) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (ops_per_run == 0) ops_per_run = std::max<size_t>(1, ops_reported);
    // The kill may cut a report short: its last line, unfinished, says nothing (an op is
    // reported whole before it is issued, and an unreported end leaves it in flight).
    received.resize(received.rfind('\n') + 1);  // npos + 1 == 0: nothing whole
    // Parse: op blocks (History text) interleaved with "end I EVENT OK" lines.
    std::string history_text;
    std::vector<std::tuple<size_t, uint64_t, bool>> ends;
    for (absl::string_view line : absl::StrSplit(received, '\n', absl::SkipEmpty())) {
      if (absl::StartsWith(line, "end ")) {
        std::vector<std::string> f = absl::StrSplit(line, ' ');
        if (f.size() == 4) ends.emplace_back(std::stoul(f[1]), std::stoull(f[2]), f[3] == "1");
      } else {
        absl::StrAppend(&history_text, line, "\n");
      }
    }
    absl::StatusOr<History> h = History::Decode(history_text);
    if (!h.ok()) return h.status();
    for (const auto& [index, end, ok] : ends) {
      if (index < h->ops().size()) h->End(index, end, ok);
    }
    // The kill came after everything the child reported.
    const uint64_t last_event = ~0ull;
    History history = std::move(*h);
    history.set_base(base);
    std::unique_ptr<Workload> w = make(seed);
    auto posix = std::make_shared<io::PosixBackend>(io::IoOptions{});
    absl::StatusOr<KvState> state = Recover(*w, db_dir, posix);
    ++report.states_checked;
    std::optional<std::string> problem;
    if (!state.ok()) {
      problem = absl::StrCat("invariant 5 recovery failed after SIGKILL: ", state.status().message());
    } else {
      // The op in flight at the kill (begun, never reported) may or may not have landed.
      std::optional<Violation> v = history.Check(*state, last_event);
      if (v) {
        // Allow the one unreported in-flight op: accept if the state differs from a legal one
        // only by that op is impossible to know here, so report precisely.
        problem = absl::StrCat("invariant ", v->invariant, " (key ", v->key, "): ", v->detail,
                               " after SIGKILL in round ", round);
      }
    }
    if (problem) {
      ++report.violations;
      report.messages.push_back(*problem);
      if (options.stop_at_first_violation) break;
      continue;
    }
    base = *state;
  }
  std::error_code ec;
  if (report.violations == 0) std::filesystem::remove_all(run_dir, ec);
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

absl::StatusOr<CrashReport> RunFault(std::function<std::unique_ptr<Workload>()> make,
                                     const CrashOptions& options) {
  const auto start = Clock::now();
  CrashReport report;
  auto posix = std::make_shared<io::PosixBackend>(io::IoOptions{});
  const int errs[] = {EIO, ENOSPC};
  for (uint64_t n = 1; n <= options.states; ++n) {
    if (options.progress) options.progress(n, options.states);
    const std::string run_dir = MakeTempDir(options.work_dir, "fault");
    const std::string db_dir = run_dir + "/db";
    auto faulty = std::make_shared<io::FaultInjectingBackend>(*posix);
    // Cycle through the failures a disk gives: EIO, ENOSPC, and a write that lands only in part.
    const int err = errs[n % 2];
    const bool short_write = n % 3 == 0;
    faulty->SetFault(short_write ? io::FaultInjectingBackend::ShortenNth(n)
                                 : io::FaultInjectingBackend::FailNth(n, err));
    std::unique_ptr<Workload> w = make();
    History history;
    uint64_t event = 0;
    {
      Options o = w->DbOptions();
      o.io = faulty;
      o.read_path = ReadPath::kPread;
      auto db = DB::Open(o, db_dir);
      if (db.ok()) {
        (void)w->Run(**db, [&] { return ++event; }, &history);
        (*db)->Close().IgnoreError();
      }
    }
    const bool reached = faulty->faults_injected() > 0;
    ++report.states_checked;
    // Reopen without faults: everything acknowledged must be there, nothing else but a prefix.
    absl::StatusOr<KvState> state = Recover(*w, db_dir, posix);
    std::optional<std::string> problem;
    if (!state.ok()) {
      problem = absl::StrCat("invariant 5 recovery failed after ", short_write ? "a short write" : strerror(err), " at op ", n,
                             ": ", state.status().message());
    } else {
      std::optional<Violation> v = history.Check(*state, ~0ull);
      if (v) {
        problem = absl::StrCat("invariant ", v->invariant, " (key ", v->key, "): ", v->detail,
                               " after ", short_write ? "a short write" : strerror(err),
                               " injected at I/O op ", n);
      }
    }
    std::error_code ec;
    if (problem) {
      ++report.violations;
      report.messages.push_back(*problem);
    } else {
      std::filesystem::remove_all(run_dir, ec);
    }
    if (problem && options.stop_at_first_violation) break;
    if (!reached) break;  // the workload finished before op n: every op has had its fault
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace ringkv::crash
