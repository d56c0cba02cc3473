// The terminal table of the scale workload: per chunk, every store's rate and write
// amplification side by side; then one summary row per store.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/report.h"

namespace ringkv::bench {
namespace {

std::string ChunkTable(const Report& report) {
  std::string out = absl::StrFormat("%12s", "ops");
  size_t rows = 0;
  for (const ScaleResult& r : report.scale) {
    absl::StrAppendFormat(&out, " %12s %6s", absl::StrCat(r.store, " ops/s"), "WA");
    rows = std::max(rows, r.chunks.size());
  }
  absl::StrAppend(&out, "\n");
  for (size_t i = 0; i < rows; ++i) {
    uint64_t ops = 0;
    for (const ScaleResult& r : report.scale) {
      if (i < r.chunks.size()) ops = std::max(ops, r.chunks[i].ops);
    }
    absl::StrAppendFormat(&out, "%12d", ops);
    for (const ScaleResult& r : report.scale) {
      if (i < r.chunks.size()) {
        absl::StrAppendFormat(&out, " %12.0f %6.2f", r.chunks[i].ops_per_sec, r.chunks[i].write_amp);
      } else {
        absl::StrAppendFormat(&out, " %12s %6s", "-", "-");
      }
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string Or(double v, const char* format, bool have) {
  return have ? absl::StrFormat(format, v) : std::string("-");
}

std::string SummaryTable(const Report& report) {
  std::string out = absl::StrFormat("%-8s %10s %10s %7s %7s %9s %8s %10s %6s %10s %6s %9s %8s %8s\n", "store",
                                    "ops/s", "last/first", "WA", "space", "disk MiB", "reopen s",
                                    "warm get/s", "hit", "cold get/s", "hit", "limit MiB", "RSS MiB",
                                    "anon MiB");
  for (const ScaleResult& r : report.scale) {
    absl::StrAppendFormat(
        &out, "%-8s %10s %10s %7s %7s %9s %8s %10s %6s %10s %6s %9s %8s %8s\n", r.store,
        Or(r.ops_per_sec, "%.0f", r.ops_per_sec > 0), Or(r.last_vs_first_rate, "%.2f", r.last_vs_first_rate > 0),
        Or(r.write_amp, "%.2f", r.write_amp > 0), Or(r.space_amp, "%.2f", r.space_amp > 0),
        Or(r.disk_bytes / 1048576.0, "%.1f", r.disk_bytes > 0),
        Or(r.reopen_seconds, "%.4f", r.reopen_seconds > 0),
        Or(r.warm_gets_per_sec, "%.0f", r.warm_gets > 0), Or(r.warm_hit_rate, "%.3f", r.warm_gets > 0),
        Or(r.cold_gets_per_sec, "%.0f", r.cold_gets > 0), Or(r.cold_hit_rate, "%.3f", r.cold_gets > 0),
        Or(r.memory_limit_bytes / 1048576.0, "%.1f", r.memory_limit_bytes > 0),
        Or(r.peak_rss_bytes / 1048576.0, "%.1f", r.peak_rss_bytes > 0),
        Or(r.peak_anon_rss_bytes / 1048576.0, "%.1f", r.peak_anon_rss_bytes > 0));
  }
  return out;
}

// Sync-put latency idle and while background work ran; "" when no store ran the phase.
std::string StallTable(const Report& report) {
  bool any = false;
  for (const ScaleResult& r : report.scale) any = any || !r.stall_during.empty();
  if (!any) return "";
  std::string out = absl::StrFormat("\nsync puts: latency idle, and while the store's background work ran (busy)\n"
                                    "%-8s %11s %11s %11s %11s %9s %11s  %s\n",
                                    "store", "idle p50 us", "idle p99 us", "busy p50 us", "busy p99 us",
                                    "p99 ratio", "idle/busy n", "busy means");
  for (const ScaleResult& r : report.scale) {
    if (r.stall_during.empty()) continue;
    const bool busy = r.stall_busy_samples > 0;
    absl::StrAppendFormat(
        &out, "%-8s %11s %11s %11s %11s %9s %11s  %s (seen starting %d times, %d non-sync puts beside)\n", r.store,
        Or(r.stall_idle_p50_us, "%.0f", r.stall_idle_samples > 0), Or(r.stall_idle_p99_us, "%.0f", r.stall_idle_samples > 0),
        Or(r.stall_busy_p50_us, "%.0f", busy), Or(r.stall_busy_p99_us, "%.0f", busy),
        Or(r.stall_p99_ratio, "%.2fx", r.stall_p99_ratio > 0),
        absl::StrCat(r.stall_idle_samples, "/", r.stall_busy_samples), r.stall_during, r.stall_background_runs,
        r.stall_background_puts);
  }
  return out;
}

}  // namespace

std::string FormatScaleTable(const Report& report) {
  if (report.scale.empty()) return "no store ran\n";
  const ScaleResult& first = report.scale.front();
  std::string out = absl::StrFormat(
      "%s, %d keys of 16-19 bytes, values of 100 random bytes, sync=false, 1 thread%s%s\n\n",
      first.mode, first.keys,
      first.mode == "insert" ? "" : " (the keys inserted first, not charted)",
      report.repeat > 1 ? absl::StrFormat("; every figure the median of %d runs", report.repeat) : "");
  absl::StrAppend(&out, ChunkTable(report), "\n", SummaryTable(report), StallTable(report));
  absl::StrAppend(
      &out,
      "\nWA = bytes the process wrote to storage (/proc/self/io write_bytes) per user byte put, "
      "through Close for the summary;\nspace = files on disk (allocated) / user bytes; reopen = Open "
      "+ first Get; warm gets after reading the files into the page cache;\ncold gets in a memory "
      "cgroup of 'limit' (by default a quarter of the files) after dropping them from the page cache; RSS = "
      "peak of the write phase\n(mapped file pages included); anon = its largest RssAnon at a chunk's end (heap, "
      "no file pages)\n");
  return out;
}

}  // namespace ringkv::bench
