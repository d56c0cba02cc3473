// The damage test: copies of two databases — a checkpointed tree with overflow values and a log
// of more than a tear window after it; and one whose checkpoints wrote sorted runs (a small
// memtable next to the tree: runs holding overwrites, tombstones and overflow values, with
// their filters, then a short log) — are damaged in the ordinary ways — flipped bits, a zeroed
// 4 KiB block, truncation, a deleted file, a stray file of garbage, bytes appended — in
// pages.db, MANIFEST and the WAL segments, at random places, and, in the second database, in
// the pages of its runs and their filters and in the MANIFEST's catalog of runs. On each copy `ringkv check`,
// `get` and `scan` run through the CLI binary and CheckDB/Open/Get/iteration through the API
// (in a child process, so a crash is counted, not fatal). Every call must end with the right
// answer or a clear error naming the database: 0 crashes, 0 hangs, 0 wrong answers (a value or
// key set that differs from the undamaged database's while the call reports success), and
// `check` never says "ok" about a copy another call found damaged.
//
// RINGKV_DAMAGE_CASES=N runs N cases (default 200); RINGKV_DAMAGE_SEED picks the places;
// the CLI runs on every RINGKV_DAMAGE_CLI_EVERY-th case (default 4: three processes per case
// are most of the time), the API on every case.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "ringkv/db.h"
#include "ringkv/salvage.h"
#include "base/coding.h"
#include "engine/sorted_run_format.h"
#include "tests/damage/run_layout.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tools/escaping.h"

namespace ringkv {
namespace {

namespace fs = std::filesystem;
using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;

constexpr int kDefaultCases = 200;
constexpr int kDefaultCliEvery = 4;
constexpr int kCallTimeoutSeconds = 60;
constexpr int kCheckpointedKeys = 3000;
constexpr int kLogOps = 500;
constexpr int kRunsTreeKeys = 6000;
constexpr int kRunRounds = 5;

using KeyMap = std::map<std::string, std::string>;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::atoi(v);
}

std::string Key(int i) { return absl::StrFormat("k%06d", i); }

std::string ValueOf(int i, size_t len) {
  std::string v;
  while (v.size() < len) absl::StrAppend(&v, "v", i);
  v.resize(len);
  return v;
}

Options DbOptions() {
  Options o;
  o.wal_segment_bytes = 256u << 10;  // several segments: a deleted or missing one is a case
  return o;
}

// The undamaged database and what it holds.
struct Reference {
  std::unique_ptr<TempDir> dir;
  std::string db;
  KeyMap keys;
  std::vector<std::string> probe_keys;  // present, deleted and never-written keys
  std::string scan_output;              // what `ringkv scan` prints
  // The database with runs: where they lie (its runs' pages, the MANIFEST and its catalog).
  std::optional<::ringkv::testing::RunLayout> runs;
};

// What a reference holds, once its writes are done: the probe keys and what a scan prints.
void FinishReference(Reference& r, int max_key) {
  for (int i = 0; i < max_key; i += 37) r.probe_keys.push_back(Key(i));
  r.probe_keys.push_back("never-written");
  for (const auto& [k, v] : r.keys) {
    absl::StrAppend(&r.scan_output, tools::Escape(k), "\t", tools::Escape(v), "\n");
  }
}

Reference BuildReference() {
  Reference r;
  r.dir = std::make_unique<TempDir>();
  r.db = r.dir->Join("ref");
  auto db = DB::Open(DbOptions(), r.db);
  EXPECT_TRUE(db.ok()) << db.status();
  std::mt19937_64 rng(7);
  WriteBatch batch;
  for (int i = 0; i < kCheckpointedKeys; ++i) {
    // Every 97th value is larger than a quarter page: an overflow chain in the tree.
    const size_t len = i % 97 == 0 ? 5000 + rng() % 3000 : 8 + rng() % 120;
    r.keys[Key(i)] = ValueOf(i, len);
    batch.Put(Key(i), r.keys[Key(i)]);
    if (batch.Count() == 500) {
      EXPECT_TRUE((*db)->Write({}, batch).ok());
      batch.Clear();
    }
  }
  EXPECT_TRUE((*db)->Write({}, batch).ok());
  EXPECT_TRUE((*db)->Checkpoint().ok());
  // The log-only part: new keys, overwrites and deletes, more than a tear window (1 MiB) of
  // log, so damage in its middle must be told from a torn tail.
  for (int j = 0; j < kLogOps; ++j) {
    const int kind = j % 10;
    if (kind < 6) {
      const int i = kCheckpointedKeys + j;
      r.keys[Key(i)] = ValueOf(i, 3000 + rng() % 1000);
      EXPECT_TRUE((*db)->Put({}, Key(i), r.keys[Key(i)]).ok());
    } else if (kind < 9) {
      const int i = static_cast<int>(rng() % kCheckpointedKeys);
      r.keys[Key(i)] = ValueOf(i + 1000000, 2000 + rng() % 1000);
      EXPECT_TRUE((*db)->Put({}, Key(i), r.keys[Key(i)]).ok());
    } else {
      const int i = static_cast<int>(rng() % kCheckpointedKeys);
      r.keys.erase(Key(i));
      EXPECT_TRUE((*db)->Delete({}, Key(i)).ok());
      r.probe_keys.push_back(Key(i));
    }
  }
  EXPECT_TRUE((*db)->Close().ok());
  FinishReference(r, kCheckpointedKeys + kLogOps);
  return r;
}

// The database with sorted runs: a tree several memtables big, then rounds of overwrites,
// deletions (tombstones in a run) and new keys with overflow values, each checkpointed as a run
// (run_merge_ratio keeps them unmerged), then a log shorter than a memtable.
Reference BuildRunsReference() {
  Reference r;
  r.dir = std::make_unique<TempDir>();
  r.db = r.dir->Join("runs");
  Options o = DbOptions();
  o.memtable_bytes = 64u << 10;
  o.run_merge_ratio = 2;
  auto db = DB::Open(o, r.db);
  EXPECT_TRUE(db.ok()) << db.status();
  std::mt19937_64 rng(11);
  WriteBatch batch;
  for (int i = 0; i < kRunsTreeKeys; ++i) {
    const size_t len = i % 97 == 0 ? 5000 + rng() % 3000 : 8 + rng() % 120;
    r.keys[Key(i)] = ValueOf(i, len);
    batch.Put(Key(i), r.keys[Key(i)]);
    if (batch.Count() == 200) {
      EXPECT_TRUE((*db)->Write({}, batch).ok());
      batch.Clear();
    }
  }
  EXPECT_TRUE((*db)->Write({}, batch).ok());
  EXPECT_TRUE((*db)->Checkpoint().ok());
  for (int round = 0; round < kRunRounds; ++round) {
    batch.Clear();
    for (int j = 0; j < 250; ++j) {
      const int kind = static_cast<int>(rng() % 10);
      const int i = static_cast<int>(rng() % kRunsTreeKeys);
      if (kind < 5) {
        r.keys[Key(i)] = ValueOf(i + 1000000 * (round + 1), 8 + rng() % 120);
        batch.Put(Key(i), r.keys[Key(i)]);
      } else if (kind < 8) {
        r.keys.erase(Key(i));
        batch.Delete(Key(i));
        r.probe_keys.push_back(Key(i));
      } else {
        const int k = kRunsTreeKeys + round * 250 + j;
        r.keys[Key(k)] = ValueOf(k, kind == 9 && j % 5 == 0 ? 5000 + rng() % 2000 : 100);
        batch.Put(Key(k), r.keys[Key(k)]);
      }
    }
    EXPECT_TRUE((*db)->Write({}, batch).ok());
    EXPECT_TRUE((*db)->Checkpoint().ok());
  }
  absl::StatusOr<std::string> runs = (*db)->GetProperty("ringkv.runs.count");
  EXPECT_TRUE(runs.ok() && std::stoi(*runs) >= 3) << "the checkpoints must write runs";
  for (int j = 0; j < 30; ++j) {
    const int i = static_cast<int>(rng() % kRunsTreeKeys);
    r.keys[Key(i)] = ValueOf(i + 7000000, 1000);
    EXPECT_TRUE((*db)->Put({}, Key(i), r.keys[Key(i)]).ok());
  }
  EXPECT_TRUE((*db)->Close().ok());
  r.runs = ::ringkv::testing::ReadRunLayout(r.db);
  EXPECT_GE(r.runs->runs.size(), 3u);
  FinishReference(r, kRunsTreeKeys + kRunRounds * 250);
  return r;
}

// What one call did.
enum class Outcome { kRight, kError, kWrong, kCrash, kHang, kUnclear };

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kRight: return "right";
    case Outcome::kError: return "error";
    case Outcome::kWrong: return "WRONG";
    case Outcome::kCrash: return "CRASH";
    case Outcome::kHang: return "HANG";
    case Outcome::kUnclear: return "UNCLEAR-ERROR";
  }
  return "?";
}

// One damage applied to one copy: what and where, for the report.
struct Damage {
  std::string kind;
  std::string file;
  std::string where;
};

std::vector<std::string> Files(const std::string& db) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(db)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name == "LOCK") continue;
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The part of a file worth damaging: up to just past its last non-zero byte (the zeros of a
// preallocated segment or of fallocated pages are damaged too, but less often).
size_t InterestingBytes(const std::string& bytes) {
  size_t end = bytes.size();
  while (end > 0 && bytes[end - 1] == 0) --end;
  return std::min(bytes.size(), end + 4096);
}


// One page of a sorted run (a leaf, internal or overflow page, or a page of its filter) with
// flipped bits or zeroed.
Damage DamageRunPage(const std::string& db, const ::ringkv::testing::RunLayout& layout,
                     std::mt19937_64& rng) {
  const ::ringkv::testing::RunPages& run = layout.runs[rng() % layout.runs.size()];
  const std::pair<const char*, const std::vector<uint64_t>*> parts[] = {
      {"leaf", &run.leaves}, {"internal", &run.internal}, {"overflow", &run.overflow},
      {"filter", &run.filter}};
  std::vector<std::pair<const char*, const std::vector<uint64_t>*>> have;
  for (const auto& p : parts) {
    if (!p.second->empty()) have.push_back(p);
  }
  const auto& [part, ids] = have[rng() % have.size()];
  const uint64_t page = (*ids)[rng() % ids->size()];
  const uint32_t ps = layout.manifest.page_size;
  std::string bytes = ReadFileOrDie(db + "/pages.db");
  Damage d{"", "pages.db", absl::StrCat("run ", run.run.id, " ", part, " page ", page)};
  if (rng() % 2 == 0) {
    d.kind = "run-flip";
    const size_t at = page * ps + rng() % ps;
    bytes[at] ^= static_cast<char>(1 << (rng() % 8));
    absl::StrAppend(&d.where, " offset ", at);
  } else {
    d.kind = "run-zero";
    std::fill(bytes.begin() + page * ps, bytes.begin() + (page + 1) * ps, '\0');
  }
  WriteFileOrDie(db + "/pages.db", bytes);
  return d;
}

// The catalog changed under a valid MANIFEST checksum (as a writer's bug, not the disk, would
// leave it), in the ways the format can tell: a bad header, truncation or extra bytes, unknown
// flags, ids out of order, a page beyond the file, a filter length that does not match its
// chain, and counts that no read uses (check must still see them). Not a page id rewritten to
// another valid page of the right kind: nothing in a page says which structure it belongs to,
// so no reader can tell that from the truth.
Damage DamageCatalog(const std::string& db, const ::ringkv::testing::RunLayout& layout,
                     std::mt19937_64& rng) {
  pagestore::Manifest m = layout.manifest;
  std::string& c = m.catalog;
  const size_t runs = layout.runs.size();
  std::vector<SortedRun> listed;
  for (const auto& rp : layout.runs) listed.push_back(rp.run);
  const size_t rec = RunRecordOffset(listed, rng() % runs);
  Damage d{"catalog", "MANIFEST", ""};
  switch (rng() % 9) {
    case 0:
      EncodeFixed32(c.data(), kRunCatalogVersion + 1 + rng() % 3);
      d.where = "version";
      break;
    case 1:
      EncodeFixed32(c.data() + 4, static_cast<uint32_t>(runs + 1 + rng() % 2000));
      d.where = "count";
      break;
    case 2:
      c.resize(1 + rng() % (c.size() - 1));  // not to 0 bytes: that is a valid "no runs"
      d.where = absl::StrCat("truncated to ", c.size());
      break;
    case 3:
      c += RandomBytes(rng, 1 + rng() % 60);
      d.where = "bytes appended";
      break;
    case 4:
      EncodeFixed32(c.data() + rec + 20, DecodeFixed32(c.data() + rec + 20) | 2u << (rng() % 30));
      d.where = absl::StrCat("flags at ", rec);
      break;
    case 5:
      EncodeFixed64(c.data() + rec + 40, DecodeFixed64(c.data() + rec + 40) + 1000 + rng() % 9);
      d.where = absl::StrCat("id at ", rec);
      break;
    case 6:
      EncodeFixed64(c.data() + rec + (rng() % 2) * 8, m.page_count + rng() % 1000);
      d.where = absl::StrCat("root or filter beyond the file at ", rec);
      break;
    case 7: {
      const uint32_t bytes = DecodeFixed32(c.data() + rec + 16);
      EncodeFixed32(c.data() + rec + 16, rng() % 2 ? bytes + 1 + rng() % 9000
                                                   : bytes - 1 - rng() % std::min(bytes, 999u));
      d.where = absl::StrCat("filter bytes at ", rec);
      break;
    }
    default: {
      const size_t at = rec + 24 + (rng() % 2) * 8;
      EncodeFixed64(c.data() + at, DecodeFixed64(c.data() + at) ^ (1u << (rng() % 8)));
      d.where = absl::StrCat("entries or pages at ", rec);
      break;
    }
  }
  ::ringkv::testing::WriteManifest(db, m);
  return d;
}

Damage DamageCopy(const std::string& db, const Reference& ref, std::mt19937_64& rng) {
  if (ref.runs && rng() % 3 == 0) {
    return rng() % 3 == 0 ? DamageCatalog(db, *ref.runs, rng) : DamageRunPage(db, *ref.runs, rng);
  }
  const std::vector<std::string> files = Files(db);
  // pages.db, MANIFEST and WAL segments weighed alike as targets.
  std::vector<std::string> segments, others;
  for (const std::string& f : files) {
    (absl::StrContains(f, "/wal/") ? segments : others).push_back(f);
  }
  const int pick = static_cast<int>(rng() % 3);
  std::string target;
  if (pick == 0 || segments.empty()) {
    target = db + "/pages.db";
  } else if (pick == 1) {
    target = db + "/MANIFEST";
  } else {
    target = segments[rng() % segments.size()];
  }
  const std::string rel = target.substr(db.size() + 1);
  std::string bytes = ReadFileOrDie(target);
  const size_t span = std::max<size_t>(1, InterestingBytes(bytes));
  Damage d{"", rel, ""};
  switch (rng() % 6) {
    case 0: {
      d.kind = "flip";
      const size_t at = rng() % span;
      const int bits = 1 + static_cast<int>(rng() % 4);
      for (int b = 0; b < bits; ++b) {
        const size_t off = std::min(bytes.size() - 1, at + rng() % 64);
        bytes[off] ^= static_cast<char>(1 << (rng() % 8));
      }
      d.where = absl::StrCat("offset ", at, ", ", bits, " bits");
      WriteFileOrDie(target, bytes);
      break;
    }
    case 1: {
      d.kind = "zero4k";
      const size_t at = (rng() % span) / 4096 * 4096;
      const size_t n = std::min<size_t>(4096, bytes.size() - at);
      std::fill(bytes.begin() + at, bytes.begin() + at + n, '\0');
      d.where = absl::StrCat("offset ", at);
      WriteFileOrDie(target, bytes);
      break;
    }
    case 2: {
      d.kind = "truncate";
      const size_t len = rng() % std::max<size_t>(1, std::min(bytes.size(), span));
      bytes.resize(len);
      d.where = absl::StrCat("to ", len, " bytes");
      WriteFileOrDie(target, bytes);
      break;
    }
    case 3:
      d.kind = "delete";
      fs::remove(target);
      break;
    case 4: {
      d.kind = "stray";
      // Garbage under a name of its own, or one that looks like a WAL segment.
      const bool in_wal = rng() % 2 == 0;
      const std::string name = in_wal ? absl::StrFormat("wal/%016x.log", 0x100 + rng() % 16)
                                      : absl::StrCat("junk-", rng() % 1000);
      WriteFileOrDie(db + "/" + name, RandomBytes(rng, 1 + rng() % 70000));
      d.file = name;
      break;
    }
    default: {
      d.kind = "append";
      const size_t n = 1 + rng() % 8192;
      bytes += RandomBytes(rng, n);
      d.where = absl::StrCat(n, " bytes");
      WriteFileOrDie(target, bytes);
      break;
    }
  }
  return d;
}

// A clear error names the database (a path under it).
bool Clear(const std::string& message, const std::string& db) {
  return absl::StrContains(message, db);
}

std::string ShowBytes(std::string_view s) { return tools::Escape(s.substr(0, 40)); }

// The API calls, in a child process: CheckDB, then Open, Get of the probe keys, a full scan.
// Exit status: 0 all right, 1 a clear error, 2 an unclear error, 3 a wrong answer, 4 CheckDB
// said ok about a copy the reads found damaged. Details go to `report_fd`.
int ApiCalls(const Reference& ref, const std::string& db, int report_fd) {
  auto say = [&](const std::string& s) { (void)!::write(report_fd, s.data(), s.size()); };
  absl::StatusOr<CheckReport> check = CheckDB(Options(), db);
  const bool check_ok = check.ok() && check->ok();
  int result = 0;
  auto error = [&](const absl::Status& s, const char* call) {
    const bool clear = Clear(std::string(s.message()), db);
    if (!clear) say(absl::StrCat(call, ": unclear error: ", s.ToString(), "\n"));
    result = std::max(result, clear ? 1 : 2);
  };
  Options o;
  o.create_if_missing = false;
  auto opened = DB::Open(o, db);
  if (!opened.ok()) {
    error(opened.status(), "Open");
  } else {
    DB& d = **opened;
    for (const std::string& k : ref.probe_keys) {
      absl::StatusOr<std::string> v = d.Get({}, k);
      auto it = ref.keys.find(k);
      if (v.ok() ? (it == ref.keys.end() || *v != it->second)
                 : (absl::IsNotFound(v.status()) && it != ref.keys.end())) {
        say(absl::StrCat("Get(", k, ") answered wrongly: ",
                         v.ok() ? absl::StrCat(v->size(), "-byte value") : v.status().ToString(),
                         "\n"));
        return 3;
      }
      if (!v.ok() && !absl::IsNotFound(v.status())) error(v.status(), "Get");
    }
    std::unique_ptr<Iterator> it = d.NewIterator({});
    auto want = ref.keys.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
      if (want == ref.keys.end() || it->key() != want->first || it->value() != want->second) {
        say(absl::StrCat("scan yields ", ShowBytes(it->key()), " where the reference has ",
                         want == ref.keys.end() ? "no more keys" : want->first, "\n"));
        return 3;
      }
    }
    if (!it->status().ok()) {
      error(it->status(), "scan");
    } else if (want != ref.keys.end()) {
      say(absl::StrCat("scan ends early, before ", want->first, "\n"));
      return 3;
    }
    it.reset();
    absl::Status closed = d.Close();
    if (!closed.ok()) error(closed, "Close");
  }
  if (!check.ok()) error(check.status(), "CheckDB");
  if (check_ok && result != 0) {
    say("CheckDB said ok, but reads failed\n");
    return 4;
  }
  return result;
}

struct ApiOutcome {
  Outcome outcome;
  std::string detail;
};

ApiOutcome RunApiInChild(const Reference& ref, const std::string& db) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::_exit(ApiCalls(ref, db, fds[1]));
  }
  ::close(fds[1]);
  std::string detail;
  char buf[4096];
  bool hung = false;
  for (int waited_ms = 0;;) {
    pollfd p{fds[0], POLLIN, 0};
    const int r = ::poll(&p, 1, 1000);
    if (r > 0) {
      const ssize_t n = ::read(fds[0], buf, sizeof(buf));
      if (n <= 0) break;  // the child closed its end: it is exiting
      detail.append(buf, n);
      continue;
    }
    waited_ms += 1000;
    if (waited_ms > kCallTimeoutSeconds * 1000) {
      hung = true;
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (hung) return {Outcome::kHang, detail};
  if (WIFSIGNALED(status)) {
    return {Outcome::kCrash, absl::StrCat("signal ", WTERMSIG(status), " ", detail)};
  }
  switch (WEXITSTATUS(status)) {
    case 0: return {Outcome::kRight, detail};
    case 1: return {Outcome::kError, detail};
    case 2: return {Outcome::kUnclear, detail};
    default: return {Outcome::kWrong, detail};
  }
}

class DamageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The copies live in memory when they can (the damage, not the disk, is under test; the
    // durable writes of each open cost most of the time on a disk). Set RINGKV_TEST_TMPDIR to
    // choose.
    if (std::getenv("RINGKV_TEST_TMPDIR") == nullptr && fs::is_directory("/dev/shm")) {
      ::setenv("RINGKV_TEST_TMPDIR", "/dev/shm", 0);
    }
    ref_ = new Reference(BuildReference());
    runs_ref_ = new Reference(BuildRunsReference());
  }
  static void TearDownTestSuite() {
    delete ref_;
    ref_ = nullptr;
    delete runs_ref_;
    runs_ref_ = nullptr;
  }

  ::ringkv::testing::ShellResult Cli(const std::string& args) {
    const char* bin = std::getenv("RINGKV_BIN");
    EXPECT_NE(bin, nullptr) << "meson sets RINGKV_BIN";
    return ::ringkv::testing::RunShell(
        absl::StrCat("timeout -k 5 ", kCallTimeoutSeconds, " ", bin, " ", args), scratch_.path());
  }

  // Judges a CLI call: exit 0 with `want` on stdout is right; exit 1 naming the database is a
  // clear error; `partial_ok` accepts a failing scan whose output is a prefix of `want`.
  Outcome JudgeCli(const ::ringkv::testing::ShellResult& r, const std::string& want,
                   const std::string& db, bool not_found_ok, std::string* detail) {
    if (r.status == 124 || r.status == 137) return Outcome::kHang;
    if (r.status < 0 || r.status >= 128) {
      *detail = absl::StrCat("exit ", r.status, ": ", r.err);
      return Outcome::kCrash;
    }
    if (r.status == 0) {
      if (r.out == want) return Outcome::kRight;
      *detail = absl::StrCat("exit 0 with ", r.out.size(), " bytes of output, ", want.size(),
                             " expected");
      return Outcome::kWrong;
    }
    if (not_found_ok && absl::StrContains(r.err, "key not found")) {
      *detail = "key not found";
      return Outcome::kWrong;
    }
    if (!want.empty() && !absl::StartsWith(want, r.out)) {
      *detail = "a failing scan printed lines that differ from the reference";
      return Outcome::kWrong;
    }
    if (!Clear(r.err, db)) {
      *detail = absl::StrCat("exit ", r.status, ": ", r.err);
      return Outcome::kUnclear;
    }
    return Outcome::kError;
  }

  static Reference* ref_;
  static Reference* runs_ref_;  // the database with sorted runs
  TempDir scratch_;
};

Reference* DamageTest::ref_ = nullptr;
Reference* DamageTest::runs_ref_ = nullptr;

TEST_F(DamageTest, NoDamageCrashesHangsOrAnswersWrongly) {
  const int cases = EnvInt("RINGKV_DAMAGE_CASES", kDefaultCases);
  const uint64_t seed = static_cast<uint64_t>(EnvInt("RINGKV_DAMAGE_SEED", 1));
  const int cli_every = std::max(1, EnvInt("RINGKV_DAMAGE_CLI_EVERY", kDefaultCliEvery));
  std::mt19937_64 rng(seed);
  // outcome counts per call and per damage kind
  std::map<std::string, std::map<std::string, int>> table;
  std::map<std::string, int> bad;
  std::vector<std::string> failures;
  const std::string copy = scratch_.Join("copy");
  for (int c = 0; c < cases; ++c) {
    // Half the cases damage the database with runs.
    const Reference& ref = rng() % 2 == 0 ? *ref_ : *runs_ref_;
    const char* which = &ref == ref_ ? "" : "runs:";
    fs::remove_all(copy);
    fs::copy(ref.db, copy, fs::copy_options::recursive);
    fs::remove(copy + "/LOCK");
    const Damage d = DamageCopy(copy, ref, rng);
    const std::string label = absl::StrCat("case ", c, ": ", which, d.kind, " ", d.file, " ", d.where);
    auto record = [&](const char* call, Outcome o, const std::string& detail) {
      ++table[absl::StrCat(which, d.kind, " ", call)][OutcomeName(o)];
      if (o == Outcome::kRight || o == Outcome::kError) return;
      ++bad[OutcomeName(o)];
      if (failures.size() < 40) failures.push_back(absl::StrCat(label, ": ", call, " ", OutcomeName(o), ": ", detail));
    };
    const bool cli = c % cli_every == 0;
    bool check_said_ok = false;
    if (cli) {
      // check first: it reads the files as they are (opening would replay and rewrite them).
      ::ringkv::testing::ShellResult check = Cli(absl::StrCat("check ", copy));
      check_said_ok = check.status == 0;
      const Outcome o = check.status == 124 || check.status == 137 ? Outcome::kHang
                        : check.status < 0 || check.status >= 128  ? Outcome::kCrash
                        : check.status <= 1                        ? Outcome::kRight
                                                                   : Outcome::kUnclear;
      record(check.status == 0 ? "cli-check(ok)" : "cli-check(damage)", o, check.err + check.out);
    }
    const ApiOutcome api = RunApiInChild(ref, copy);
    record("api", api.outcome, api.detail);
    if (!cli) continue;
    std::string detail;
    Outcome o;

    const std::string& probe = ref.probe_keys[rng() % ref.probe_keys.size()];
    auto found = ref.keys.find(probe);
    ::ringkv::testing::ShellResult get = Cli(absl::StrCat("get ", copy, " ", probe));
    std::string want_get = found == ref.keys.end() ? "" : tools::Escape(found->second) + "\n";
    if (found == ref.keys.end() && get.status == 1 && absl::StrContains(get.err, "key not found")) {
      o = Outcome::kRight;
    } else {
      detail.clear();
      o = JudgeCli(get, want_get, copy, found != ref.keys.end(), &detail);
      if (found == ref.keys.end() && o == Outcome::kRight) o = Outcome::kWrong;  // exit 0 for a missing key
    }
    record("cli-get", o, detail);

    ::ringkv::testing::ShellResult scan = Cli(absl::StrCat("scan ", copy));
    detail.clear();
    const Outcome scan_o = JudgeCli(scan, ref.scan_output, copy, false, &detail);
    record("cli-scan", scan_o, detail);
    const bool reads_failed = api.outcome != Outcome::kRight || scan_o != Outcome::kRight ||
                              o != Outcome::kRight;
    if (check_said_ok && reads_failed) {
      record("cli-check-missed", Outcome::kWrong, "check said ok, but reads failed");
    }
  }
  std::string summary = absl::StrCat(cases, " damage cases (seed ", seed, ", CLI on every ",
                                     cli_every, "):\n");
  for (const auto& [row, counts] : table) {
    absl::StrAppend(&summary, "  ", row, ":");
    for (const auto& [name, n] : counts) absl::StrAppend(&summary, " ", name, "=", n);
    absl::StrAppend(&summary, "\n");
  }
  std::printf("%s", summary.c_str());
  for (const std::string& f : failures) std::printf("  %s\n", f.c_str());
  EXPECT_EQ(bad["CRASH"], 0);
  EXPECT_EQ(bad["HANG"], 0);
  EXPECT_EQ(bad["WRONG"], 0);
  EXPECT_EQ(bad["UNCLEAR-ERROR"], 0);
}

}  // namespace
}  // namespace ringkv
