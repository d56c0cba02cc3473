#include "crash/repro_file.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crash/planted_bugs.h"
#include "crash/recovery_check.h"
#include "uring/posix_backend.h"

namespace ringkv::crash {
namespace {

constexpr char kMagic[] = "RINGKV-CRASH-REPRO";
constexpr int kVersion = 2;

// Version 2 has this line after the magic one: the checksum of every byte after it.
std::string BodyChecksum(std::string_view body) {
  return absl::StrFormat("xxh3 %016x", XXH3_64bits(body.data(), body.size()));
}

// The next line of `text` from `*at` on (without its newline), or nullopt at the end.
std::optional<std::string_view> NextLine(std::string_view text, size_t* at) {
  const size_t nl = text.find('\n', *at);
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = text.substr(*at, nl - *at);
  *at = nl + 1;
  return line;
}

// A whole decimal number.
template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "EVENT MODE SEED".
absl::StatusOr<CrashPlan> ParsePlan(std::string_view line) {
  const size_t a = line.find(' ');
  const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
  CrashPlan plan;
  int mode = -1;
  if (b == std::string_view::npos || !ParseNumber(line.substr(0, a), &plan.event) ||
      !ParseNumber(line.substr(a + 1, b - a - 1), &mode) ||
      !ParseNumber(line.substr(b + 1), &plan.seed) || mode < 0 ||
      mode > static_cast<int>(CrashMode::kEnumerate)) {
    return absl::DataLossError(absl::StrCat("bad plan line '", std::string(line), "'"));
  }
  plan.mode = static_cast<CrashMode>(mode);
  return plan;
}

absl::StatusOr<Repro> ParseRepro(std::string_view all) {
  size_t at = 0;
  const std::optional<std::string_view> magic = NextLine(all, &at);
  const std::string v1 = absl::StrCat(kMagic, " 1");
  const std::string v2 = absl::StrCat(kMagic, " ", kVersion);
  if (!magic || (*magic != v1 && *magic != v2)) {
    return absl::InvalidArgumentError("not a ringkv crash reproduction (version 1 or 2)");
  }
  if (*magic == v2) {
    const std::optional<std::string_view> sum = NextLine(all, &at);
    if (!sum || *sum != BodyChecksum(all.substr(at))) {
      return absl::DataLossError("checksum mismatch (the file is damaged)");
    }
  }
  Repro repro;
  const std::optional<std::string_view> root = NextLine(all, &at);
  const std::optional<std::string_view> plan = NextLine(all, &at);
  if (!root || !plan) return absl::DataLossError("truncated header");
  repro.recorded_root = std::string(*root);
  absl::StatusOr<CrashPlan> parsed = ParsePlan(*plan);
  if (!parsed.ok()) return parsed.status();
  repro.plan = *parsed;
  if (*magic == v2) {
    const std::optional<std::string_view> bug = NextLine(all, &at);
    if (!bug) return absl::DataLossError("truncated header");
    absl::StatusOr<PlantedBug> b = ParsePlantedBug(*bug);
    if (!b.ok()) return b.status();
    repro.planted_bug = *b;
  }
  const std::optional<std::string_view> size_line = NextLine(all, &at);
  size_t history_bytes = 0;
  if (!size_line || !ParseNumber(*size_line, &history_bytes)) {
    return absl::DataLossError("bad history size line");
  }
  if (history_bytes > all.size() - at) {
    return absl::DataLossError(absl::StrCat("truncated: the history needs ", history_bytes,
                                            " bytes at offset ", at));
  }
  absl::StatusOr<History> history = History::Decode(all.substr(at, history_bytes));
  if (!history.ok()) return history.status();
  repro.history = std::move(*history);
  absl::StatusOr<std::vector<io::RecordedOp>> ops = DecodeOps(all.substr(at + history_bytes));
  if (!ops.ok()) return ops.status();
  repro.ops = std::move(*ops);
  return repro;
}

}  // namespace

absl::Status WriteRepro(const std::string& path, const CrashSimulator& sim,
                        const History& history, const CrashPlan& plan, PlantedBug planted_bug) {
  const std::string h = history.Encode();
  const std::string body = absl::StrCat(
      sim.recorded_root(), "\n", plan.event, " ", static_cast<int>(plan.mode), " ", plan.seed, "\n",
      std::string(PlantedBugName(planted_bug)), "\n", h.size(), "\n", h, EncodeOps(sim.ops()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << kMagic << " " << kVersion << "\n" << BodyChecksum(body) << "\n" << body;
  out.close();
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

absl::StatusOr<Repro> ReadRepro(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream all;
  all << in.rdbuf();
  absl::StatusOr<Repro> repro = ParseRepro(all.str());
  if (!repro.ok()) {
    return absl::Status(repro.status().code(), absl::StrCat(path, ": ", repro.status().message()));
  }
  return repro;
}

absl::StatusOr<CrashReport> ReplayRepro(const std::string& path, const CrashOptions& options) {
  absl::StatusOr<Repro> repro = ReadRepro(path);
  if (!repro.ok()) return repro.status();
  CrashSimulator sim(std::move(repro->ops), repro->recorded_root);
  absl::StatusOr<std::string> scratch = MakeScratchDir(options.work_dir, "replay");
  if (!scratch.ok()) return scratch.status();
  std::unique_ptr<Workload> workload = MakeDefaultWorkload(0, 0);  // only its options and scan
  std::shared_ptr<io::IoBackend> io =
      PlantBug(repro->planted_bug, std::make_shared<io::PosixBackend>(io::IoOptions{}));
  std::vector<std::string> choices;
  absl::StatusOr<std::optional<std::string>> v = CheckCrashState(
      *workload, sim, repro->history, repro->plan, *scratch, std::move(io), &choices);
  if (options.keep_replayed_state) {
    std::fprintf(stderr, "crash state kept in %s\n", scratch->c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(*scratch, ec);
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

}  // namespace ringkv::crash
