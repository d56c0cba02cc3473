#include "bench/engine/process_io.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ringkv::bench {
namespace {

std::string Errno(int err) { return std::strerror(err); }

// Calls `visit` with an open read-only descriptor of every regular file under `dir`. A file
// removed between the listing and the open is skipped: an engine open beside the caller
// deletes its own files (LevelDB's compaction after a reopen removes the .ldb files it
// merged), and a removed file has nothing left to read or measure.
absl::Status ForEachFile(const std::string& dir,
                         const std::function<absl::Status(int fd, const std::string& path)>& visit) {
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(dir, ec), end;
  if (ec) return absl::NotFoundError(absl::StrCat("listing ", dir, ": ", ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return absl::InternalError(absl::StrCat("listing ", dir, ": ", ec.message()));
    if (!it->is_regular_file(ec)) continue;
    const std::string path = it->path().string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) continue;
    if (fd < 0) return absl::InternalError(absl::StrCat("open ", path, ": ", Errno(errno)));
    absl::Status s = visit(fd, path);
    ::close(fd);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// The number of the first line of /proc file `path` that `format` (one %llu) matches; 0 if the
// file or the line is missing.
uint64_t ProcField(const char* path, const char* format) {
  std::FILE* f = std::fopen(path, "r");
  if (f == nullptr) return 0;
  char line[128];
  unsigned long long v = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, format, &v) == 1) break;
  }
  std::fclose(f);
  return v;
}

}  // namespace

uint64_t ProcessWriteBytes() { return ProcField("/proc/self/io", "write_bytes: %llu"); }

uint64_t PeakRssBytes() {
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

uint64_t AnonRssBytes() { return ProcField("/proc/self/status", "RssAnon: %llu kB") * 1024; }

absl::StatusOr<uint64_t> AllocatedBytesUnder(const std::string& dir) {
  uint64_t total = 0;
  absl::Status s = ForEachFile(dir, [&](int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return absl::InternalError(absl::StrCat("fstat ", path, ": ", Errno(errno)));
    total += static_cast<uint64_t>(st.st_blocks) * 512;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return total;
}

absl::Status ReadIntoPageCache(const std::string& dir) {
  std::vector<char> buf(1 << 20);
  return ForEachFile(dir, [&](int fd, const std::string& path) {
    for (off_t off = 0;;) {
      const ssize_t n = ::pread(fd, buf.data(), buf.size(), off);
      if (n < 0) return absl::InternalError(absl::StrCat("read ", path, " offset ", off, ": ", Errno(errno)));
      if (n == 0) return absl::OkStatus();
      off += n;
    }
  });
}

absl::Status SyncFilesUnder(const std::string& dir) {
  return ForEachFile(dir, [](int fd, const std::string& path) {
    if (::fdatasync(fd) != 0) return absl::InternalError(absl::StrCat("fdatasync ", path, ": ", Errno(errno)));
    return absl::OkStatus();
  });
}

absl::Status EvictFromPageCache(const std::string& dir) {
  return ForEachFile(dir, [](int fd, const std::string& path) {
    // Dirty pages cannot be dropped: write them back first.
    if (::fdatasync(fd) != 0) return absl::InternalError(absl::StrCat("fdatasync ", path, ": ", Errno(errno)));
    if (int err = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); err != 0) {
      return absl::InternalError(absl::StrCat("posix_fadvise DONTNEED ", path, ": ", Errno(err)));
    }
    return absl::OkStatus();
  });
}

}  // namespace ringkv::bench
