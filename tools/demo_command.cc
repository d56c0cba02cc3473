// `ringkv demo`: the main job on an embedded default — creates a database in a temporary
// directory, writes a few thousand keys durably (and a batch, and a checkpoint), reads them all
// back, reopens to show recovery, and prints a short summary and where the database is.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ringkv/db.h"
#include "tools/command.h"

ABSL_DECLARE_FLAG(std::string, dir);
ABSL_FLAG(int, keys, 5000, "demo: keys to write durably");

namespace ringkv::tools {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int RunDemo(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("demo", absl::StrCat("unexpected argument '", args[0], "'"));
  const int n = absl::GetFlag(FLAGS_keys);
  if (n <= 0 || n > 10000000) return Fail("demo", "--keys must be in 1..10000000");
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) {
    std::string tmpl = "/var/tmp/ringkv-demo-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return Fail("demo", "cannot create a directory in /var/tmp");
    dir = tmpl;
  }
  const std::string path = dir + "/db";
  Options options;
  options.wal_segment_bytes = 8 << 20;  // a small demo needs no 64 MiB segments
  auto db = DB::Open(options, path);
  if (!db.ok()) return Fail("demo", std::string(db.status().message()));
  std::printf("ringkv demo: database at %s\n", path.c_str());

  // 1. Durable single puts: each returns only once its bytes are on disk.
  std::vector<double> lat_us;
  lat_us.reserve(n);
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const auto t = Clock::now();
    absl::Status s = (*db)->Put({}, absl::StrFormat("user:%08d", i), absl::StrCat("value-", i));
    if (!s.ok()) return Fail("demo", std::string(s.message()));
    lat_us.push_back(Since(t) * 1e6);
  }
  const double put_s = Since(t0);
  std::sort(lat_us.begin(), lat_us.end());
  std::printf("  %d durable puts (sync=true) in %.2f s: %.0f/s, p50 %.0f us, p99 %.0f us\n", n,
              put_s, n / put_s, lat_us[lat_us.size() / 2], lat_us[lat_us.size() * 99 / 100]);

  // 2. An atomic batch, then a checkpoint into the page store.
  WriteBatch batch;
  batch.Put("batch:a", "1");
  batch.Put("batch:b", "2");
  batch.Delete(absl::StrFormat("user:%08d", 0));
  absl::Status s = (*db)->Write({}, batch);
  if (s.ok()) s = (*db)->Checkpoint();
  if (!s.ok()) return Fail("demo", std::string(s.message()));
  std::printf("  one atomic batch (2 puts, 1 delete) and a checkpoint\n");

  // 3. Close, reopen (recovery), and read everything back.
  s = (*db)->Close();
  if (!s.ok()) return Fail("demo", std::string(s.message()));
  t0 = Clock::now();
  db = DB::Open(options, path);
  if (!db.ok()) return Fail("demo", std::string(db.status().message()));
  std::printf("  reopened in %.1f ms\n", Since(t0) * 1e3);
  t0 = Clock::now();
  int found = 0;
  for (int i = 1; i < n; ++i) {
    auto v = (*db)->Get({}, absl::StrFormat("user:%08d", i));
    if (v.ok() && *v == absl::StrCat("value-", i)) ++found;
  }
  const bool deleted = absl::IsNotFound((*db)->Get({}, "user:00000000").status());
  std::printf("  read back %d of %d keys in %.1f ms; the deleted key is %s\n", found, n - 1,
              Since(t0) * 1e3, deleted ? "gone" : "STILL THERE");
  int scanned = 0;
  {
    auto it = (*db)->NewIterator({});
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++scanned;
  }
  std::printf("  a full scan sees %d keys\n", scanned);
  auto check = (*db)->VerifyIntegrity();
  std::printf("  check: %s\n", check.ok() ? check->c_str() : std::string(check.status().message()).c_str());
  s = (*db)->Close();
  const bool ok = s.ok() && found == n - 1 && deleted && check.ok() && scanned == n + 1;
  std::printf("%s. Look inside with: build/tools/ringkv scan %s --limit=5\n",
              ok ? "OK" : "FAILED", path.c_str());
  return ok ? 0 : 1;
}

}  // namespace

extern const Command kDemoCommand = {
    "demo", "the main job: create a database, write and read keys durably, show recovery",
    "ringkv demo [--keys=N] [--dir=DIR]", RunDemo};

}  // namespace ringkv::tools
