// `ringkv iodemo`: shows the uring layer making a file durable and publishing another atomically,
// step by step with timings, in a temporary directory.
#include <fcntl.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/command.h"
#include "tools/io_flags.h"
#include "uring/dio_alignment.h"
#include "uring/publish.h"

ABSL_FLAG(std::string, dir, "", "demo/iodemo: directory to work in (default: a new one under /var/tmp)");
ABSL_FLAG(int, blocks, 256, "demo: 4 KiB blocks to write durably");
ABSL_FLAG(bool, keep, false,
          "iodemo: keep the files it wrote (default: remove the temporary dir); crash replay: "
          "keep the rebuilt crash state's directory");

namespace ringkv::tools {
namespace {

class Stopwatch {
 public:
  double ElapsedUs() const {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void Step(const std::string& what, double us) {
  std::printf("  %-58s %10.1f us\n", what.c_str(), us);
}

int RunDemo(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("iodemo", absl::StrCat("unexpected argument '", args[0], "'"));
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) {
    std::string tmpl = "/var/tmp/ringkv-demo-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Fail("iodemo", absl::StrCat("mkdtemp ", tmpl, ": ", std::strerror(errno)));
    }
    dir = tmpl;
  }
  const int blocks = absl::GetFlag(FLAGS_blocks);
  if (blocks <= 0 || blocks > 65536) return Fail("iodemo", "--blocks must be in 1..65536");

  auto io = OpenBackendFromFlags();
  if (!io.ok()) return Fail("iodemo", std::string(io.status().message()));
  std::printf("ringkv iodemo: I/O through %s\n", (*io)->features().description.c_str());
  std::printf("working in %s\n\n", dir.c_str());

  const io::DioAlignment align = io::DirectIoAlignment(dir);
  const int direct = align.supported ? O_DIRECT : 0;
  std::printf("direct I/O alignment: memory %u B, offset %u B%s\n", align.memory_bytes,
              align.offset_bytes, align.supported ? "" : " (O_DIRECT unsupported: buffered)");

  const uint64_t block = 4096;
  const uint64_t file_bytes = static_cast<uint64_t>(blocks) * block;
  auto slot = (*io)->ReserveFile();
  auto dir_slot = (*io)->ReserveFile();
  auto pool = (*io)->CreateBufferPool(1, block, std::max<uint64_t>(block, align.memory_bytes));
  if (!slot.ok() || !dir_slot.ok() || !pool.ok()) return Fail("iodemo", "cannot reserve a file slot or buffer");
  io::IoBuffer buf = (*pool)->Acquire();
  const std::string data_path = absl::StrCat(dir, "/data.log");

  // 1. Create a file and zero-fill it, so later O_DSYNC writes need no metadata journaling.
  Stopwatch sw;
  std::memset(buf.data, 0, block);
  io::Chain fill;
  fill.OpenAt(slot->id(), data_path, O_RDWR | O_CREAT | O_TRUNC | direct, 0644)
      .Fallocate(slot->id(), 0, 0, file_bytes);
  io::Completion c = (*io)->Run(std::move(fill));
  for (uint64_t off = 0; c.ok() && off < file_bytes; off += block) {
    c = (*io)->Run(io::Chain().Write(slot->id(), buf.data, block, off, buf.index));
  }
  if (c.ok()) c = (*io)->Run(io::Chain().Fdatasync(slot->id()).FsyncDir(dir_slot->id(), dir));
  (*pool)->Release(buf);
  buf = (*pool)->Acquire();
  if (!c.ok()) {
    (*pool)->Release(buf);
    return Fail("iodemo", std::string(c.status.message()));
  }
  Step(absl::StrFormat("create + zero-fill %s (%d KiB) + fsync", data_path, file_bytes / 1024),
       sw.ElapsedUs());

  // 2. Reopen O_DSYNC and write every block durably, one at a time (queue depth 1).
  c = (*io)->Run(io::Chain().Close(slot->id()).OpenAt(slot->id(), data_path,
                                                       O_WRONLY | O_DSYNC | direct));
  std::vector<double> lat;
  lat.reserve(blocks);
  for (uint64_t off = 0; c.ok() && off < file_bytes; off += block) {
    std::snprintf(reinterpret_cast<char*>(buf.data), block, "block at offset %llu\n",
                  static_cast<unsigned long long>(off));
    Stopwatch one;
    c = (*io)->Run(io::Chain().Write(slot->id(), buf.data, block, off, buf.index));
    lat.push_back(one.ElapsedUs());
  }
  (*pool)->Release(buf);
  if (!c.ok()) return Fail("iodemo", std::string(c.status.message()));
  std::sort(lat.begin(), lat.end());
  Step(absl::StrFormat("%d durable 4 KiB writes (O_DSYNC%s), p50", blocks,
                       direct ? "|O_DIRECT" : ""),
       lat[lat.size() / 2]);
  Step("  p99", lat[lat.size() * 99 / 100]);

  // 3. Publish a small manifest atomically: write temp, fsync, rename, fsync(dir) in one chain.
  const std::string manifest =
      absl::StrFormat("data.log %d blocks written durably by %s\n", blocks,
                      std::string((*io)->name()));
  sw = Stopwatch();
  absl::Status s = io::PublishFile(
      **io, dir, "MANIFEST",
      absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(manifest.data()),
                                manifest.size()));
  if (!s.ok()) return Fail("iodemo", std::string(s.message()));
  Step("publish MANIFEST (temp, fsync, rename, fsync dir: one chain)", sw.ElapsedUs());

  // 4. Read the manifest back through the ring.
  sw = Stopwatch();
  char back[256] = {};
  c = (*io)->Run(io::Chain()
                     .Close(slot->id())
                     .OpenAt(slot->id(), absl::StrCat(dir, "/MANIFEST"), O_RDONLY)
                     .ReadUpTo(slot->id(), back, sizeof(back) - 1, 0));
  if (!c.ok()) return Fail("iodemo", std::string(c.status.message()));
  Step("read MANIFEST back", sw.ElapsedUs());
  std::printf("\nMANIFEST says: %s", back);
  if (absl::GetFlag(FLAGS_keep) || !absl::GetFlag(FLAGS_dir).empty()) {
    std::printf("files are in %s\n", dir.c_str());
  } else {
    slot->Reset();
    dir_slot->Reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::printf("removed %s (--keep keeps it)\n", dir.c_str());
  }
  return 0;
}

}  // namespace

extern const Command kIoDemoCommand = {
    "iodemo", "show the I/O layer making data durable and publishing a file (temporary dir)",
    "ringkv iodemo [--dir=DIR] [--blocks=N] [--keep] [--io=auto|uring|posix] [--sqpoll]",
    RunDemo};

}  // namespace ringkv::tools
