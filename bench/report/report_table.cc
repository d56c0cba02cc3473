// The terminal table, and the small helpers every report format shares.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/report.h"

namespace ringkv::bench {
namespace {

std::string MachineLine(const MachineInfo& m) {
  return absl::StrFormat(
      "machine: %s, %d CPUs\ndisk: %s on %s (%s)%s, write cache: %s, FUA: %s, rotational: %s",
      m.kernel, m.cpus, m.filesystem.empty() ? "?" : m.filesystem,
      m.device.empty() ? "?" : m.device, m.block_device.empty() ? "no block device" : m.block_device,
      m.model.empty() ? "" : absl::StrCat(", model ", m.model),
      m.write_cache.empty() ? "?" : m.write_cache, m.fua.empty() ? "?" : m.fua,
      m.rotational.empty() ? "?" : m.rotational);
}

std::string Figures(const RunFigures& f) {
  return absl::StrFormat("%10.0f %8.1f %8.1f %8.1f %9.1f %9.1f %9.1f", f.ops_per_sec,
                         f.mb_per_sec, f.p50_us, f.p90_us, f.p99_us, f.p999_us, f.max_us);
}

std::string Engine(const RunResult& r, const char* name, const char* format) {
  auto it = r.engine.find(name);
  return it == r.engine.end() ? std::string("-") : absl::StrFormat(format, it->second);
}

// Side by side: every other store against ringkv on the same goal, on the figures that matter.
std::string EngineComparison(const Report& report) {
  std::string out;
  for (const RunResult& r : report.runs) {
    if (r.kind != "engine" || r.store == "ringkv" || r.median.ops_per_sec <= 0) continue;
    const RunResult* ringkv = nullptr;
    for (const RunResult& k : report.runs) {
      if (k.kind == "engine" && k.store == "ringkv" && k.goal == r.goal) ringkv = &k;
    }
    if (ringkv == nullptr) continue;
    if (out.empty()) out = "\nringkv against each store (>1: ringkv is better):\n";
    absl::StrAppendFormat(&out, "  %-12s vs %-8s ops/s %.3gx   p50 %.3gx   p99 %.3gx\n", r.goal, r.store,
                          ringkv->median.ops_per_sec / r.median.ops_per_sec,
                          ringkv->median.p50_us > 0 ? r.median.p50_us / ringkv->median.p50_us : 0,
                          ringkv->median.p99_us > 0 ? r.median.p99_us / ringkv->median.p99_us : 0);
  }
  return out;
}

// The goals: ringkv's figure, the best peer's, and the device's where it is the yardstick.
std::string GoalTable(const Report& report) {
  if (report.goals.empty()) return "";
  std::string out = absl::StrFormat("\n%-12s %-7s %12s %-9s %12s %9s %10s\n", "goal", "figure",
                                    "ringkv", "best peer", "its figure", "vs peer", "vs device");
  for (const GoalSummary& g : report.goals) {
    const char* format = g.figure == "seconds" ? "%.4f" : "%.1f";
    absl::StrAppendFormat(&out, "%-12s %-7s %12s %-9s %12s %9s %10s\n", g.goal, g.figure,
                          absl::StrFormat(format, g.ringkv), g.best_peer.empty() ? "-" : g.best_peer,
                          g.best_peer.empty() ? "-" : absl::StrFormat(format, g.best_peer_value),
                          g.vs_best_peer > 0 ? absl::StrFormat("%.3gx", g.vs_best_peer) : "-",
                          g.vs_device > 0 ? absl::StrFormat("%.3gx", g.vs_device) : "-");
  }
  absl::StrAppend(&out, "vs peer: above 1 ringkv is better (p50 and seconds: peer / ringkv; rate: ringkv / peer); "
                        "vs device: ringkv p50 / device p50, or rate / device rate\n");
  return out;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return absl::StrCat(bytes >> 20, "MiB");
  if (bytes >= 1024 && bytes % 1024 == 0) return absl::StrCat(bytes >> 10, "KiB");
  return absl::StrCat(bytes, "B");
}

absl::Status WriteTextFile(const std::string& path, const std::string& contents) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  const size_t n = std::fwrite(contents.data(), 1, contents.size(), f);
  const int err = errno;
  if (std::fclose(f) != 0 || n != contents.size()) {
    return absl::InternalError(absl::StrCat("writing ", path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

std::string FormatTable(const Report& report) {
  std::string out =
      report.mode == "scale"
          ? absl::StrFormat("ringkv bench engine --workload=scale %s: %d store%s; %.1f s in all; started %s\n",
                            report.machine.dir, report.scale.size(), report.scale.size() == 1 ? "" : "s",
                            report.total_seconds, report.started_utc)
          : absl::StrFormat(
                "ringkv bench %s %s: %d runs of %.2f s each, %d repetition%s%s; %.1f s in all; started %s\n",
                report.mode, report.machine.dir, report.runs.size(), report.seconds_per_run,
                report.repeat, report.repeat == 1 ? "" : "s",
                report.repeat > 1 ? " (each figure the median)" : "", report.total_seconds,
                report.started_utc);
  absl::StrAppend(&out, MachineLine(report.machine), "\n\n");
  const char* figures_header = "     ops/s     MB/s   p50 us   p90 us    p99 us  p99.9 us    max us";
  if (report.mode == "device") {
    absl::StrAppendFormat(&out, "%-32s %-10s %6s %5s %s\n", "method", "file", "block", "depth",
                          figures_header);
    for (const RunResult& r : report.runs) {
      absl::StrAppendFormat(&out, "%-32s %-10s %6s %5d %s%s\n", r.method, r.file_state,
                            FormatBytes(r.block_bytes), r.depth, Figures(r.median),
                            r.durable ? "" : "  (not durable)");
    }
  } else if (report.mode == "scale") {
    absl::StrAppend(&out, FormatScaleTable(report));
  } else {
    absl::StrAppendFormat(&out, "%-8s %-10s %7s %s %6s %7s %7s %7s\n", "store", "workload",
                          "threads", figures_header, "group", "dw/cmt", "eng B/B", "io B/B");
    for (const RunResult& r : report.runs) {
      absl::StrAppendFormat(
          &out, "%-8s %-10s %7d %s %6s %7s %7s %7s\n", r.store, r.workload, r.threads,
          Figures(r.median), Engine(r, "group_records", "%.1f"),
          Engine(r, "durable_writes_per_commit", "%.2f"),
          Engine(r, "engine_bytes_per_user_byte", "%.2f"),
          r.engine.count("io_bytes_per_user_byte") ? Engine(r, "io_bytes_per_user_byte", "%.2f")
                                                   : std::string("-"));
    }
    absl::StrAppend(&out, EngineComparison(report));
    absl::StrAppend(&out,
                    "\ngroup = records per durable WAL write; dw/cmt = durable writes (O_DSYNC "
                    "writes + fsyncs) per sync commit;\neng B/B = (WAL + checkpoint page) bytes "
                    "per user byte; io B/B = bytes the process wrote to storage per user byte\n");
    absl::StrAppend(&out, GoalTable(report));
  }
  bool notes = false;
  auto note = [&](const std::string& text) {
    if (!notes) absl::StrAppend(&out, "\nnotes:\n");
    notes = true;
    absl::StrAppend(&out, "  ", text, "\n");
  };
  for (const std::string& n : report.notes) note(n);
  for (const RunResult& r : report.runs) {
    if (!r.note.empty()) note(absl::StrCat(r.label, ": ", r.note));
  }
  for (const std::string& s : report.skipped) note(absl::StrCat("skipped ", s));
  if (!report.warnings.empty()) {
    absl::StrAppend(&out, "\nWARNINGS:\n");
    for (const std::string& w : report.warnings) absl::StrAppend(&out, "  ", w, "\n");
  }
  return out;
}

}  // namespace ringkv::bench
