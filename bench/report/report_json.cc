// --json FILE: every figure of every run and repetition, the warnings, and the machine.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/report.h"

namespace ringkv::bench {
namespace {

// JSON has no NaN or infinity: they become null.
std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  return absl::StrFormat("%.6g", v);
}

// A JSON string literal of report text (labels, messages, device names): quotes, backslashes
// and control characters escaped; other bytes as they are (the text is ASCII or UTF-8).
std::string Str(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string FiguresJson(const RunFigures& f) {
  return absl::StrCat("{\"ops\":", f.ops, ",\"seconds\":", Num(f.seconds),
                      ",\"ops_per_sec\":", Num(f.ops_per_sec), ",\"mb_per_sec\":", Num(f.mb_per_sec),
                      ",\"p50_us\":", Num(f.p50_us), ",\"p90_us\":", Num(f.p90_us),
                      ",\"p99_us\":", Num(f.p99_us), ",\"p999_us\":", Num(f.p999_us),
                      ",\"max_us\":", Num(f.max_us), ",\"mean_us\":", Num(f.mean_us), "}");
}

std::string StringList(const std::vector<std::string>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) absl::StrAppend(&out, i ? "," : "", Str(list[i]));
  return out + "]";
}

std::string RunJson(const RunResult& r) {
  std::string out = absl::StrCat("{\"kind\":", Str(r.kind), ",\"label\":", Str(r.label));
  if (r.kind == "device") {
    absl::StrAppend(&out, ",\"method\":", Str(r.method), ",\"file_state\":", Str(r.file_state),
                    ",\"block_bytes\":", r.block_bytes, ",\"depth\":", r.depth,
                    ",\"durable\":", r.durable ? "true" : "false");
  } else {
    absl::StrAppend(&out, ",\"goal\":", Str(r.goal), ",\"store\":", Str(r.store), ",\"workload\":", Str(r.workload),
                    ",\"threads\":", r.threads, ",\"key_bytes\":", r.key_bytes,
                    ",\"value_bytes\":", r.value_bytes);
    std::string engine = "{";
    bool first = true;
    for (const auto& [name, value] : r.engine) {
      absl::StrAppend(&engine, first ? "" : ",", Str(name), ":", Num(value));
      first = false;
    }
    absl::StrAppend(&out, ",\"engine\":", engine, "}");
  }
  absl::StrAppend(&out, ",\"median\":", FiguresJson(r.median), ",\"repetitions\":[");
  for (size_t i = 0; i < r.repetitions.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", FiguresJson(r.repetitions[i]));
  }
  absl::StrAppend(&out, "],\"note\":", Str(r.note), ",\"warnings\":", StringList(r.warnings), "}");
  return out;
}

std::string GoalJson(const GoalSummary& g) {
  return absl::StrCat("{\"goal\":", Str(g.goal), ",\"figure\":", Str(g.figure), ",\"ringkv\":", Num(g.ringkv),
                      ",\"best_peer\":", Str(g.best_peer), ",\"best_peer_value\":", Num(g.best_peer_value),
                      ",\"vs_best_peer\":", Num(g.vs_best_peer), ",\"vs_device\":", Num(g.vs_device), "}");
}

std::string StallJson(const ScaleResult& r) {
  return absl::StrCat(
      "{\"during\":", Str(r.stall_during), ",\"idle_samples\":", r.stall_idle_samples,
      ",\"idle_p50_us\":", Num(r.stall_idle_p50_us), ",\"idle_p99_us\":", Num(r.stall_idle_p99_us),
      ",\"busy_samples\":", r.stall_busy_samples, ",\"busy_p50_us\":", Num(r.stall_busy_p50_us),
      ",\"busy_p99_us\":", Num(r.stall_busy_p99_us), ",\"p99_ratio\":", Num(r.stall_p99_ratio),
      ",\"background_puts\":", r.stall_background_puts, ",\"background_runs\":", r.stall_background_runs,
      ",\"seconds\":", Num(r.stall_seconds), "}");
}

std::string ScaleJson(const ScaleResult& r) {
  std::string out = absl::StrCat(
      "{\"store\":", Str(r.store), ",\"mode\":", Str(r.mode), ",\"keys\":", r.keys,
      ",\"user_bytes\":", r.user_bytes, ",\"load_seconds\":", Num(r.load_seconds),
      ",\"seconds\":", Num(r.seconds), ",\"ops_per_sec\":", Num(r.ops_per_sec),
      ",\"last_vs_first_rate\":", Num(r.last_vs_first_rate), ",\"write_amp\":", Num(r.write_amp),
      ",\"disk_bytes\":", r.disk_bytes, ",\"space_amp\":", Num(r.space_amp),
      ",\"reopen_seconds\":", Num(r.reopen_seconds), ",\"warm_gets\":", r.warm_gets,
      ",\"warm_gets_per_sec\":", Num(r.warm_gets_per_sec), ",\"warm_hit_rate\":", Num(r.warm_hit_rate));
  absl::StrAppend(&out, ",\"memory_limit_bytes\":", r.memory_limit_bytes, ",\"cold_gets\":", r.cold_gets,
                  ",\"cold_gets_per_sec\":", Num(r.cold_gets_per_sec), ",\"cold_hit_rate\":",
                  Num(r.cold_hit_rate), ",\"peak_rss_bytes\":", r.peak_rss_bytes,
                  ",\"peak_anon_rss_bytes\":", r.peak_anon_rss_bytes,
                  ",\"cold_peak_rss_bytes\":", r.cold_peak_rss_bytes, ",\"stall\":", StallJson(r),
                  ",\"error\":", Str(r.error), ",\"notes\":", StringList(r.notes), ",\"chunks\":[");
  for (size_t i = 0; i < r.chunks.size(); ++i) {
    const ScaleChunk& c = r.chunks[i];
    absl::StrAppend(&out, i ? "," : "", "{\"ops\":", c.ops, ",\"seconds\":", Num(c.seconds),
                    ",\"ops_per_sec\":", Num(c.ops_per_sec), ",\"write_amp\":", Num(c.write_amp), "}");
  }
  absl::StrAppend(&out, "]");
  // The figures above are medians when there were repetitions; each one as it ran follows.
  if (!r.repetitions.empty()) {
    absl::StrAppend(&out, ",\"median_of\":", r.repetitions.size(), ",\"repetitions\":[");
    for (size_t i = 0; i < r.repetitions.size(); ++i) absl::StrAppend(&out, i ? "," : "", ScaleJson(r.repetitions[i]));
    absl::StrAppend(&out, "]");
  }
  return out + "}";
}

template <typename T, typename F>
std::string List(const std::vector<T>& items, F format) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&out, i ? ",\n" : "\n", format(items[i]));
  return out + "\n]";
}

}  // namespace

std::string FormatJson(const Report& report) {
  const MachineInfo& m = report.machine;
  std::string out = absl::StrCat(
      "{\n\"mode\":", Str(report.mode), ",\n\"command\":", Str(report.command_line),
      ",\n\"started_utc\":", Str(report.started_utc), ",\n\"total_seconds\":",
      Num(report.total_seconds), ",\n\"seconds_per_run\":", Num(report.seconds_per_run),
      ",\n\"repeat\":", report.repeat, ",\n\"machine\":{\"kernel\":", Str(m.kernel),
      ",\"hostname\":", Str(m.hostname), ",\"cpus\":", m.cpus, ",\"dir\":", Str(m.dir),
      ",\"filesystem\":", Str(m.filesystem), ",\"mount_point\":", Str(m.mount_point),
      ",\"device\":", Str(m.device), ",\"block_device\":", Str(m.block_device),
      ",\"model\":", Str(m.model), ",\"write_cache\":", Str(m.write_cache), ",\"fua\":",
      Str(m.fua), ",\"rotational\":", Str(m.rotational), ",\"nvme\":", m.nvme ? "true" : "false",
      "},\n\"warnings\":", StringList(report.warnings), ",\n\"skipped\":",
      StringList(report.skipped), ",\n\"notes\":", StringList(report.notes));
  absl::StrAppend(&out, ",\n\"runs\":", List(report.runs, RunJson));
  if (!report.goals.empty()) absl::StrAppend(&out, ",\n\"goals\":", List(report.goals, GoalJson));
  if (report.mode == "scale") absl::StrAppend(&out, ",\n\"scale\":", List(report.scale, ScaleJson));
  absl::StrAppend(&out, "\n}\n");
  return out;
}

}  // namespace ringkv::bench
