// --json FILE: every figure of every run and repetition, the warnings, and the machine.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/bench/report.h"
#include "tools/escaping.h"

namespace ringkv::tools {
namespace {

// JSON has no NaN or infinity: they become null.
std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  return absl::StrFormat("%.6g", v);
}

std::string Str(const std::string& s) { return JsonString(s); }

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
    absl::StrAppend(&out, ",\"store\":", Str(r.store), ",\"workload\":", Str(r.workload),
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
      StringList(report.skipped), ",\n\"notes\":", StringList(report.notes), ",\n\"runs\":[\n");
  for (size_t i = 0; i < report.runs.size(); ++i) {
    absl::StrAppend(&out, i ? ",\n" : "", RunJson(report.runs[i]));
  }
  absl::StrAppend(&out, "\n]\n}\n");
  return out;
}

}  // namespace ringkv::tools
