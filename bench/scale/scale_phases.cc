#include "bench/scale/scale_phases.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "bench/engine/process_io.h"
#include "bench/scale/scale_keys.h"

namespace ringkv::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Fails the child: the error line names the store and the step.
int Fail(ScaleLineWriter& out, const std::string& store, const char* step, const absl::Status& s) {
  out.Error(absl::StrCat(store, " ", step, ": ", s.message()));
  return 1;
}

struct GetFigures {
  uint64_t gets = 0;
  uint64_t hits = 0;
  double seconds = 0;
};

// `count` gets of random keys among 0..keys-1, or fewer if `max_seconds` (> 0) pass first; a
// miss is counted, any other error fails.
absl::StatusOr<GetFigures> RandomGets(KvStore& kv, uint64_t keys, uint64_t count, double max_seconds,
                                      uint64_t seed) {
  ScaleRandom rng(seed);
  std::string key;
  GetFigures f;
  const Clock::time_point t0 = Clock::now();
  for (; f.gets < count; ++f.gets) {
    if (max_seconds > 0 && f.gets % 256 == 0 && f.gets > 0 && SecondsSince(t0) > max_seconds) break;
    ScaleKey(rng.Below(keys), &key);
    absl::StatusOr<std::string> v = kv.Get(key);
    if (v.ok()) {
      ++f.hits;
    } else if (!absl::IsNotFound(v.status())) {
      return v.status();
    }
  }
  f.seconds = SecondsSince(t0);
  return f;
}

void ReportGets(ScaleLineWriter& out, const char* prefix, const GetFigures& f) {
  out.Figure(absl::StrCat(prefix, "_gets"), static_cast<double>(f.gets));
  out.Figure(absl::StrCat(prefix, "_gets_per_sec"), f.seconds > 0 ? f.gets / f.seconds : 0);
  out.Figure(absl::StrCat(prefix, "_hit_rate"), f.gets > 0 ? static_cast<double>(f.hits) / f.gets : 0);
}

// Puts keys 0..keys-1 (random order: the keys are mixed), not timed in chunks.
absl::Status Load(KvStore& kv, uint64_t keys, ScaleRandom& rng, uint64_t* user_bytes) {
  std::string key, value;
  for (uint64_t i = 0; i < keys; ++i) {
    ScaleKey(i, &key);
    rng.Value(&value);
    if (absl::Status s = kv.Put(key, value, /*sync=*/false); !s.ok()) return s;
    *user_bytes += key.size() + value.size();
  }
  return absl::OkStatus();
}

// The measured phase: config.keys ops in chunks, one chunk line each.
absl::Status MeasuredOps(KvStore& kv, const ScaleConfig& c, ScaleRandom& rng, ScaleLineWriter& out,
                         uint64_t* live_bytes, uint64_t* put_bytes, uint64_t* peak_anon_rss) {
  const uint64_t chunk = c.chunk_ops > 0 ? c.chunk_ops : std::max<uint64_t>(1, c.keys / 10);
  std::string key, value;
  const uint64_t written_before = ProcessWriteBytes();
  Clock::time_point chunk_start = Clock::now();
  for (uint64_t op = 0; op < c.keys; ++op) {
    const bool get = c.mode == ScaleMode::kMix && (rng.Next() & 1) != 0;
    ScaleKey(c.mode == ScaleMode::kInsert ? op : rng.Below(c.keys), &key);
    if (get) {
      absl::StatusOr<std::string> v = kv.Get(key);
      if (!v.ok() && !absl::IsNotFound(v.status())) return v.status();
    } else {
      rng.Value(&value);
      if (absl::Status s = kv.Put(key, value, /*sync=*/false); !s.ok()) return s;
      *put_bytes += key.size() + value.size();
      if (c.mode == ScaleMode::kInsert) *live_bytes += key.size() + value.size();
    }
    if ((op + 1) % chunk == 0 || op + 1 == c.keys) {
      out.Chunk(op + 1, SecondsSince(chunk_start), ProcessWriteBytes() - written_before, *put_bytes);
      *peak_anon_rss = std::max(*peak_anon_rss, AnonRssBytes());
      chunk_start = Clock::now();
    }
  }
  return absl::OkStatus();
}

}  // namespace

int RunScaleWritePhase(const std::string& store, const ScaleConfig& c, const std::string& dir,
                       ScaleLineWriter& out) {
  absl::StatusOr<std::unique_ptr<KvStore>> kv = OpenStore(store, dir, c.store);
  if (!kv.ok()) return Fail(out, store, "open", kv.status());
  ScaleRandom rng(17);
  uint64_t live_bytes = 0;
  if (c.mode != ScaleMode::kInsert) {
    const Clock::time_point t0 = Clock::now();
    if (absl::Status s = Load(**kv, c.keys, rng, &live_bytes); !s.ok()) return Fail(out, store, "load", s);
    out.Figure("load_seconds", SecondsSince(t0));
    // /proc/self/io charges a buffered write when it dirties a page. A page the load left dirty
    // and the measured phase rewrites reaches storage once, charged to the load, and the
    // phase's write amplification would miss it (LMDB's overwrites of a small database read 0).
    if (absl::Status s = SyncFilesUnder(dir); !s.ok()) return Fail(out, store, "syncing the load", s);
  }
  const uint64_t written_before = ProcessWriteBytes();
  const Clock::time_point t0 = Clock::now();
  uint64_t put_bytes = 0;
  // Sampled at each chunk's end: the memory the store holds itself, apart from the file pages
  // it maps (which ru_maxrss counts).
  uint64_t peak_anon_rss = AnonRssBytes();
  if (absl::Status s = MeasuredOps(**kv, c, rng, out, &live_bytes, &put_bytes, &peak_anon_rss); !s.ok()) {
    return Fail(out, store, "put", s);
  }
  out.Figure("seconds", SecondsSince(t0));
  // Close is part of the write cost: whatever the store defers (a flush, a checkpoint) counts.
  if (absl::Status s = (*kv)->Close(); !s.ok()) return Fail(out, store, "close", s);
  kv->reset();
  const uint64_t written = ProcessWriteBytes() - written_before;
  if (put_bytes > 0) out.Figure("write_amp", static_cast<double>(written) / put_bytes);
  out.Figure("user_bytes", static_cast<double>(live_bytes));
  absl::StatusOr<uint64_t> disk = AllocatedBytesUnder(dir);
  if (!disk.ok()) return Fail(out, store, "measuring the files", disk.status());
  out.Figure("disk_bytes", static_cast<double>(*disk));

  const Clock::time_point reopen_start = Clock::now();
  kv = OpenStore(store, dir, c.store);
  if (!kv.ok()) return Fail(out, store, "reopen", kv.status());
  std::string key;
  ScaleKey(rng.Below(c.keys), &key);
  if (absl::StatusOr<std::string> v = (*kv)->Get(key); !v.ok() && !absl::IsNotFound(v.status())) {
    return Fail(out, store, "first get after reopen", v.status());
  }
  out.Figure("reopen_seconds", SecondsSince(reopen_start));

  if (c.warm_gets > 0) {
    if (absl::Status s = ReadIntoPageCache(dir); !s.ok()) return Fail(out, store, "warming the page cache", s);
    absl::StatusOr<GetFigures> f = RandomGets(**kv, c.keys, c.warm_gets, /*max_seconds=*/0, /*seed=*/29);
    if (!f.ok()) return Fail(out, store, "warm get", f.status());
    ReportGets(out, "warm", *f);
  }
  if (absl::Status s = (*kv)->Close(); !s.ok()) return Fail(out, store, "close after gets", s);
  kv->reset();
  out.Figure("peak_rss_bytes", static_cast<double>(PeakRssBytes()));
  out.Figure("peak_anon_rss_bytes", static_cast<double>(peak_anon_rss));
  return 0;
}

int RunScaleColdPhase(const std::string& store, const ScaleConfig& c, const std::string& dir,
                      ScaleLineWriter& out) {
  absl::StatusOr<std::unique_ptr<KvStore>> kv = OpenStore(store, dir, c.store);
  if (!kv.ok()) return Fail(out, store, "open under the memory limit", kv.status());
  absl::StatusOr<GetFigures> f = RandomGets(**kv, c.keys, c.cold_gets, c.cold_max_seconds, /*seed=*/31);
  if (!f.ok()) return Fail(out, store, "get under the memory limit", f.status());
  ReportGets(out, "cold", *f);
  out.Figure("cold_peak_rss_bytes", static_cast<double>(PeakRssBytes()));
  if (absl::Status s = (*kv)->Close(); !s.ok()) return Fail(out, store, "close under the memory limit", s);
  return 0;
}

}  // namespace ringkv::bench
