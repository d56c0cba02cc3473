#include "bench/report/scale_medians.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "bench/report/medians.h"

namespace ringkv::bench {
namespace {

double MedianOf(const std::vector<const ScaleResult*>& runs, double ScaleResult::*field) {
  std::vector<double> v;
  for (const ScaleResult* r : runs) v.push_back(r->*field);
  return Median(std::move(v));
}

uint64_t MedianOf(const std::vector<const ScaleResult*>& runs, uint64_t ScaleResult::*field) {
  std::vector<double> v;
  for (const ScaleResult* r : runs) v.push_back(static_cast<double>(r->*field));
  return static_cast<uint64_t>(Median(std::move(v)));
}

// Chunk i's figures over the runs that reached it.
ScaleChunk MedianChunk(const std::vector<const ScaleResult*>& runs, size_t i) {
  std::vector<double> ops, seconds, rate, wa;
  for (const ScaleResult* r : runs) {
    if (i >= r->chunks.size()) continue;
    ops.push_back(static_cast<double>(r->chunks[i].ops));
    seconds.push_back(r->chunks[i].seconds);
    rate.push_back(r->chunks[i].ops_per_sec);
    wa.push_back(r->chunks[i].write_amp);
  }
  ScaleChunk c;
  c.ops = static_cast<uint64_t>(Median(std::move(ops)));
  c.seconds = Median(std::move(seconds));
  c.ops_per_sec = Median(std::move(rate));
  c.write_amp = Median(std::move(wa));
  return c;
}

}  // namespace

ScaleResult MedianScaleResult(const std::vector<ScaleResult>& runs) {
  ScaleResult m;
  if (runs.empty()) return m;
  std::vector<const ScaleResult*> used;
  for (const ScaleResult& r : runs) {
    if (r.error.empty()) used.push_back(&r);
  }
  if (used.empty()) {
    for (const ScaleResult& r : runs) used.push_back(&r);
    m.error = runs.front().error;
  }
  m.store = runs.front().store;
  m.mode = runs.front().mode;
  m.keys = runs.front().keys;
  for (uint64_t ScaleResult::*f :
       {&ScaleResult::user_bytes, &ScaleResult::disk_bytes, &ScaleResult::warm_gets,
        &ScaleResult::memory_limit_bytes, &ScaleResult::cold_gets, &ScaleResult::peak_rss_bytes,
        &ScaleResult::peak_anon_rss_bytes, &ScaleResult::cold_peak_rss_bytes,
        &ScaleResult::stall_idle_samples, &ScaleResult::stall_busy_samples,
        &ScaleResult::stall_background_puts, &ScaleResult::stall_background_runs}) {
    m.*f = MedianOf(used, f);
  }
  // The ratios are medians of each run's own ratio, not ratios of medians: a run's busy p99 is
  // set against that run's idle p99.
  for (double ScaleResult::*f :
       {&ScaleResult::load_seconds, &ScaleResult::seconds, &ScaleResult::ops_per_sec,
        &ScaleResult::last_vs_first_rate, &ScaleResult::write_amp, &ScaleResult::space_amp,
        &ScaleResult::reopen_seconds, &ScaleResult::warm_gets_per_sec, &ScaleResult::warm_hit_rate,
        &ScaleResult::cold_gets_per_sec, &ScaleResult::cold_hit_rate, &ScaleResult::stall_idle_p50_us,
        &ScaleResult::stall_idle_p99_us, &ScaleResult::stall_busy_p50_us, &ScaleResult::stall_busy_p99_us,
        &ScaleResult::stall_p99_ratio, &ScaleResult::stall_seconds}) {
    m.*f = MedianOf(used, f);
  }
  size_t chunks = 0;
  for (const ScaleResult* r : used) {
    chunks = std::max(chunks, r->chunks.size());
    if (m.stall_during.empty()) m.stall_during = r->stall_during;
  }
  for (size_t i = 0; i < chunks; ++i) m.chunks.push_back(MedianChunk(used, i));
  for (const ScaleResult& r : runs) {
    for (const std::string& note : r.notes) {
      if (std::find(m.notes.begin(), m.notes.end(), note) == m.notes.end()) m.notes.push_back(note);
    }
  }
  m.repetitions = runs;
  return m;
}

}  // namespace ringkv::bench
