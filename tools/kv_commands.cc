// The ringkv database subcommands: put, get, delete, scan, load, dump, checkpoint, stats, check,
// salvage.
// Each opens the database, does one thing, and reports errors as one line on stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ringkv/db.h"
#include "ringkv/salvage.h"
#include "ringkv/size_limits.h"
#include "tools/command.h"
#include "tools/escaping.h"
#include "tools/io_flags.h"

ABSL_FLAG(bool, hex, false, "keys and values are given and printed as hex");
ABSL_FLAG(std::string, from, "", "scan: first key (inclusive)");
ABSL_FLAG(std::string, to, "", "scan: end key (exclusive)");
ABSL_FLAG(int64_t, limit, -1, "scan: at most this many keys (-1: all)");
ABSL_FLAG(bool, json, false, "stats: print JSON");
ABSL_FLAG(bool, sync, true, "put/delete: wait until the write is durable");

namespace ringkv::tools {
namespace {

absl::StatusOr<std::string> DecodeArg(std::string_view text) {
  return absl::GetFlag(FLAGS_hex) ? FromHex(text) : Unescape(text);
}

std::string Show(std::string_view bytes) {
  return absl::GetFlag(FLAGS_hex) ? ToHex(bytes) : Escape(bytes);
}

absl::StatusOr<Options> OptionsFromFlags(bool create) {
  Options options;
  options.create_if_missing = create;
  absl::StatusOr<io::IoOptions> io = IoOptionsFromFlags();
  if (!io.ok()) return io.status();
  const std::string kind = absl::GetFlag(FLAGS_io);
  options.io_backend = kind == "posix"   ? IoBackendKind::kPosix
                       : kind == "uring" ? IoBackendKind::kUring
                                         : IoBackendKind::kAuto;
  options.sqpoll = io->sqpoll;
  options.sqpoll_cpu = io->sqpoll_cpu;
  return options;
}

absl::StatusOr<std::unique_ptr<DB>> OpenDb(const std::string& path, bool create) {
  absl::StatusOr<Options> options = OptionsFromFlags(create);
  if (!options.ok()) return options.status();
  return DB::Open(*options, path);
}

// Checks the positional argument count; prints usage and returns false if wrong.
bool Arity(const char* cmd, const std::vector<std::string>& args, size_t n, const char* usage) {
  if (args.size() == n) return true;
  std::fprintf(stderr, "ringkv %s: expected %zu argument%s, got %zu\nusage: %s\n", cmd, n,
               n == 1 ? "" : "s", args.size(), usage);
  return false;
}

int Done(const char* cmd, std::unique_ptr<DB>& db, int status) {
  absl::Status s = db->Close();
  if (!s.ok() && status == 0) return Fail(cmd, std::string(s.message()));
  return status;
}

constexpr char kPutUsage[] = "ringkv put DB KEY VALUE [--hex] [--sync=false]";
int RunPut(const std::vector<std::string>& args) {
  if (!Arity("put", args, 3, kPutUsage)) return 2;
  absl::StatusOr<std::string> key = DecodeArg(args[1]);
  absl::StatusOr<std::string> value = DecodeArg(args[2]);
  if (!key.ok()) return Fail("put", absl::StrCat("key: ", key.status().message()));
  if (!value.ok()) return Fail("put", absl::StrCat("value: ", value.status().message()));
  auto db = OpenDb(args[0], true);
  if (!db.ok()) return Fail("put", std::string(db.status().message()));
  WriteOptions wo;
  wo.sync = absl::GetFlag(FLAGS_sync);
  absl::Status s = (*db)->Put(wo, *key, *value);
  if (!s.ok()) return Done("put", *db, Fail("put", std::string(s.message())));
  return Done("put", *db, 0);
}

constexpr char kGetUsage[] = "ringkv get DB KEY [--hex]";
int RunGet(const std::vector<std::string>& args) {
  if (!Arity("get", args, 2, kGetUsage)) return 2;
  absl::StatusOr<std::string> key = DecodeArg(args[1]);
  if (!key.ok()) return Fail("get", absl::StrCat("key: ", key.status().message()));
  auto db = OpenDb(args[0], false);
  if (!db.ok()) return Fail("get", std::string(db.status().message()));
  absl::StatusOr<std::string> v = (*db)->Get({}, *key);
  if (!v.ok()) {
    if (absl::IsNotFound(v.status())) {
      return Done("get", *db, Fail("get", absl::StrCat("key not found: ", Show(*key))));
    }
    return Done("get", *db, Fail("get", std::string(v.status().message())));
  }
  std::printf("%s\n", Show(*v).c_str());
  return Done("get", *db, 0);
}

constexpr char kDeleteUsage[] = "ringkv delete DB KEY [--hex] [--sync=false]";
int RunDelete(const std::vector<std::string>& args) {
  if (!Arity("delete", args, 2, kDeleteUsage)) return 2;
  absl::StatusOr<std::string> key = DecodeArg(args[1]);
  if (!key.ok()) return Fail("delete", absl::StrCat("key: ", key.status().message()));
  auto db = OpenDb(args[0], false);
  if (!db.ok()) return Fail("delete", std::string(db.status().message()));
  WriteOptions wo;
  wo.sync = absl::GetFlag(FLAGS_sync);
  absl::Status s = (*db)->Delete(wo, *key);
  if (!s.ok()) return Done("delete", *db, Fail("delete", std::string(s.message())));
  return Done("delete", *db, 0);
}

constexpr char kScanUsage[] = "ringkv scan DB [--from=K] [--to=K] [--limit=N] [--hex]";
int RunScan(const std::vector<std::string>& args) {
  if (!Arity("scan", args, 1, kScanUsage)) return 2;
  ReadOptions ro;
  if (!absl::GetFlag(FLAGS_from).empty()) {
    absl::StatusOr<std::string> k = DecodeArg(absl::GetFlag(FLAGS_from));
    if (!k.ok()) return Fail("scan", absl::StrCat("--from: ", k.status().message()));
    ro.lower_bound = *k;
  }
  if (!absl::GetFlag(FLAGS_to).empty()) {
    absl::StatusOr<std::string> k = DecodeArg(absl::GetFlag(FLAGS_to));
    if (!k.ok()) return Fail("scan", absl::StrCat("--to: ", k.status().message()));
    ro.upper_bound = *k;
  }
  auto db = OpenDb(args[0], false);
  if (!db.ok()) return Fail("scan", std::string(db.status().message()));
  int64_t limit = absl::GetFlag(FLAGS_limit);
  absl::Status s;
  {
    // The iterator pins a version of the tree: it must be gone before the database closes.
    std::unique_ptr<Iterator> it = (*db)->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid() && limit != 0; it->Next(), --limit) {
      std::printf("%s\t%s\n", Show(it->key()).c_str(), Show(it->value()).c_str());
    }
    s = it->status();
  }
  if (!s.ok()) return Done("scan", *db, Fail("scan", std::string(s.message())));
  return Done("scan", *db, 0);
}

constexpr char kDumpUsage[] = "ringkv dump DB   (JSON lines {\"key\":...,\"value\":...})";
int RunDump(const std::vector<std::string>& args) {
  if (!Arity("dump", args, 1, kDumpUsage)) return 2;
  auto db = OpenDb(args[0], false);
  if (!db.ok()) return Fail("dump", std::string(db.status().message()));
  absl::Status s;
  {
    std::unique_ptr<Iterator> it = (*db)->NewIterator({});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string line = JsonLine(it->key(), it->value());
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    }
    s = it->status();
  }
  if (!s.ok()) return Done("dump", *db, Fail("dump", std::string(s.message())));
  return Done("dump", *db, 0);
}

constexpr char kLoadUsage[] =
    "ringkv load DB FILE   (FILE: JSON lines as dump writes them, or KEY<TAB>VALUE lines with "
    "escapes; - for stdin)";
int RunLoad(const std::vector<std::string>& args) {
  if (!Arity("load", args, 2, kLoadUsage)) return 2;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args[1] != "-") {
    file.open(args[1], std::ios::binary);
    if (!file) return Fail("load", absl::StrCat("cannot read ", args[1]));
    in = &file;
  }
  auto db = OpenDb(args[0], true);
  if (!db.ok()) return Fail("load", std::string(db.status().message()));
  const bool progress = ::isatty(STDERR_FILENO);
  WriteBatch batch;
  uint64_t loaded = 0, line_no = 0;
  auto flush = [&]() -> absl::Status {
    if (batch.Empty()) return absl::OkStatus();
    absl::Status s = (*db)->Write(WriteOptions{.sync = false}, batch);
    batch.Clear();
    return s;
  };
  std::string line;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::string key, value;
    absl::Status s;
    if (line[0] == '{') {
      s = ParseJsonLine(line, &key, &value);
    } else {
      const size_t tab = line.find('\t');
      if (tab == std::string::npos) {
        s = absl::InvalidArgumentError("expected KEY<TAB>VALUE or a JSON object");
      } else {
        absl::StatusOr<std::string> k = DecodeArg(std::string_view(line).substr(0, tab));
        absl::StatusOr<std::string> v = DecodeArg(std::string_view(line).substr(tab + 1));
        s = !k.ok() ? k.status() : v.status();
        if (s.ok()) {
          key = std::move(*k);
          value = std::move(*v);
        }
      }
    }
    if (s.ok()) s = CheckKey(key);
    if (s.ok()) s = CheckValue(value);
    if (!s.ok()) {
      // Every line before the bad one is loaded (and durable once the database closes); none
      // after it.
      absl::Status written = flush();
      if (written.ok()) written = (*db)->Flush();
      const std::string kept =
          written.ok() ? absl::StrCat(" (the ", loaded, " lines before it are loaded)")
                       : absl::StrCat(" (and writing the lines before it failed: ",
                                      written.message(), ")");
      return Done("load", *db, Fail("load", absl::StrCat(args[1], " line ", line_no, ": ",
                                                         s.message(), kept)));
    }
    batch.Put(key, value);
    ++loaded;
    if (batch.ByteSize() >= (1 << 20) || batch.Count() >= 1000) {
      s = flush();
      if (!s.ok()) {
        return Done("load", *db, Fail("load", absl::StrCat(args[1], " near line ", line_no, ": ", s.message())));
      }
      if (progress && loaded % 100000 < 1000) std::fprintf(stderr, "\rloaded %llu", static_cast<unsigned long long>(loaded));
    }
  }
  absl::Status s = flush();
  if (s.ok()) s = (*db)->Flush();
  if (progress) std::fprintf(stderr, "\r");
  if (!s.ok()) return Done("load", *db, Fail("load", std::string(s.message())));
  std::fprintf(stderr, "loaded %llu keys into %s\n", static_cast<unsigned long long>(loaded), args[0].c_str());
  return Done("load", *db, 0);
}

constexpr char kCheckpointUsage[] = "ringkv checkpoint DB";
int RunCheckpoint(const std::vector<std::string>& args) {
  if (!Arity("checkpoint", args, 1, kCheckpointUsage)) return 2;
  auto db = OpenDb(args[0], false);
  if (!db.ok()) return Fail("checkpoint", std::string(db.status().message()));
  absl::Status s = (*db)->Checkpoint();
  if (!s.ok()) return Done("checkpoint", *db, Fail("checkpoint", std::string(s.message())));
  return Done("checkpoint", *db, 0);
}

constexpr char kStatsUsage[] = "ringkv stats DB [--json]";
int RunStats(const std::vector<std::string>& args) {
  if (!Arity("stats", args, 1, kStatsUsage)) return 2;
  auto db = OpenDb(args[0], false);
  if (!db.ok()) return Fail("stats", std::string(db.status().message()));
  absl::StatusOr<std::string> text = (*db)->GetProperty("ringkv.stats");
  if (!text.ok()) return Done("stats", *db, Fail("stats", std::string(text.status().message())));
  if (!absl::GetFlag(FLAGS_json)) {
    std::printf("%s", text->c_str());
    return Done("stats", *db, 0);
  }
  std::string json = "{";
  bool first = true;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    const size_t sp = line.find(' ');
    absl::StrAppend(&json, first ? "" : ",",
                    JsonString(std::string_view(line.data(), sp)), ":", line.substr(sp + 1));
    first = false;
  }
  std::printf("%s}\n", json.c_str());
  return Done("stats", *db, 0);
}

constexpr char kCheckUsage[] = "ringkv check DB";
int RunCheck(const std::vector<std::string>& args) {
  if (!Arity("check", args, 1, kCheckUsage)) return 2;
  absl::StatusOr<Options> options = OptionsFromFlags(false);
  if (!options.ok()) return Fail("check", std::string(options.status().message()));
  // First every file as it is, read only: opening the database would replay the log and
  // rewrite its tail, wiping the evidence of damage there.
  absl::StatusOr<CheckReport> report = CheckDB(*options, args[0]);
  if (!report.ok()) return Fail("check", std::string(report.status().message()));
  for (const Damage& d : report->damage) std::printf("%s\n", d.ToString().c_str());
  if (!report->ok()) {
    std::printf("%s: %s\n", args[0].c_str(), report->Summary().c_str());
    return 1;
  }
  // Then the engine's own view: recovery, key order, and lookups against a scan.
  auto db = DB::Open(*options, args[0]);
  if (!db.ok()) return Fail("check", std::string(db.status().message()));
  absl::StatusOr<std::string> verified = (*db)->VerifyIntegrity();
  if (!verified.ok()) {
    std::printf("%s: 1 problem found: %s\n", args[0].c_str(),
                std::string(verified.status().message()).c_str());
    Done("check", *db, 1);
    return 1;
  }
  std::printf("%s: %s; %s\n", args[0].c_str(), report->Summary().c_str(), verified->c_str());
  return Done("check", *db, 0);
}

constexpr char kSalvageUsage[] = "ringkv salvage DB OUT";
int RunSalvage(const std::vector<std::string>& args) {
  if (!Arity("salvage", args, 2, kSalvageUsage)) return 2;
  absl::StatusOr<Options> options = OptionsFromFlags(false);
  if (!options.ok()) return Fail("salvage", std::string(options.status().message()));
  absl::StatusOr<SalvageReport> report = SalvageDB(*options, args[0], args[1]);
  if (!report.ok()) return Fail("salvage", std::string(report.status().message()));
  for (const Damage& d : report->lost) std::printf("not recovered: %s\n", d.ToString().c_str());
  std::printf("%s -> %s: %s\n", args[0].c_str(), args[1].c_str(), report->Summary().c_str());
  return report->lost.empty() ? 0 : 1;
}

}  // namespace

extern const Command kPutCommand = {"put", "store KEY=VALUE durably", kPutUsage, RunPut};
extern const Command kGetCommand = {"get", "print the value of KEY", kGetUsage, RunGet};
extern const Command kDeleteCommand = {"delete", "remove KEY", kDeleteUsage, RunDelete};
extern const Command kScanCommand = {"scan", "print keys and values in order", kScanUsage, RunScan};
extern const Command kLoadCommand = {"load", "bulk-load JSON lines or TSV", kLoadUsage, RunLoad};
extern const Command kDumpCommand = {"dump", "print every key and value as JSON lines", kDumpUsage, RunDump};
extern const Command kCheckpointCommand = {"checkpoint", "write the memtable into the page store",
                                           kCheckpointUsage, RunCheckpoint};
extern const Command kStatsCommand = {"stats", "print the engine's statistics", kStatsUsage, RunStats};
extern const Command kCheckCommand = {"check", "list every damaged page, record and file",
                                      kCheckUsage, RunCheck};
extern const Command kSalvageCommand = {"salvage", "copy every key that still verifies into a new database",
                                        kSalvageUsage, RunSalvage};

}  // namespace ringkv::tools
