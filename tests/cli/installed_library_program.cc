// An application of the installed library, built outside the tree by installed_library_test
// with `pkg-config --cflags --libs ringkv`: it may include only the public headers. Opens a DB
// in argv[1], puts a key, reopens it and reads the key back; prints "ok" and exits 0 if it got
// the value it wrote.
#include <ringkv/crashtest.h>
#include <ringkv/db.h>

#include <cstdio>
#include <string>

namespace {

int Fail(const char* step, const absl::Status& s) {
  std::fprintf(stderr, "%s: %s\n", step, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  // The harness's API links too.
  if (!ringkv::crash::ParsePlantedBug("none").ok()) return 1;
  {
    auto db = ringkv::DB::Open(ringkv::Options(), argv[1]);
    if (!db.ok()) return Fail("open", db.status());
    absl::Status s = (*db)->Put({}, "installed", "library");
    if (!s.ok()) return Fail("put", s);
    s = (*db)->Close();
    if (!s.ok()) return Fail("close", s);
  }
  auto db = ringkv::DB::Open(ringkv::Options(), argv[1]);
  if (!db.ok()) return Fail("reopen", db.status());
  absl::StatusOr<std::string> v = (*db)->Get({}, "installed");
  if (!v.ok()) return Fail("get", v.status());
  if (*v != "library") {
    std::fprintf(stderr, "get: read '%s', wrote 'library'\n", v->c_str());
    return 1;
  }
  std::printf("ok\n");
  return 0;
}
