#include "bench/scale/memory_cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ringkv::bench {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  if (!out) return absl::FailedPreconditionError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
  out << text;
  out.flush();
  if (!out) return absl::FailedPreconditionError(absl::StrCat("write '", text, "' to ", path, ": ", std::strerror(errno)));
  return absl::OkStatus();
}

// This process's path in the hierarchy of /proc/self/cgroup whose controllers field is
// `controllers` ("memory" for v1, "" for the v2 unified line "0::/path").
std::string OwnCgroupPath(const std::string& controllers) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (parts.size() != 3) continue;
    for (absl::string_view c : absl::StrSplit(parts[1], ',')) {
      if (c == controllers) return parts[2];
    }
  }
  return "";
}

// The mount point of the first cgroup2 filesystem in /proc/mounts, "" if none.
std::string Cgroup2Mount() {
  std::ifstream in("/proc/mounts");
  std::string dev, mount, type;
  std::string rest;
  while (in >> dev >> mount >> type && std::getline(in, rest)) {
    if (type == "cgroup2") return mount;
  }
  return "";
}

absl::StatusOr<std::string> MakeDir(const std::string& parent, const std::string& name) {
  struct stat st {};
  if (::stat(parent.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(parent, ": ", std::strerror(errno)));
  }
  const std::string path = absl::StrCat(parent, "/", name);
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(absl::StrCat("mkdir ", path, ": ", std::strerror(errno)));
  }
  return path;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MemoryCgroup>> MemoryCgroup::Create(const std::string& name,
                                                                   uint64_t limit_bytes) {
  std::string tried;
  if (std::string own = OwnCgroupPath("memory"); !own.empty()) {
    const std::string parent = absl::StrCat("/sys/fs/cgroup/memory", own == "/" ? "" : own);
    absl::StatusOr<std::string> path = MakeDir(parent, name);
    absl::Status s = path.status();
    if (s.ok()) s = WriteFile(*path + "/memory.limit_in_bytes", absl::StrCat(limit_bytes));
    if (s.ok()) {
      return std::unique_ptr<MemoryCgroup>(new MemoryCgroup(*path, "cgroup v1 memory.limit_in_bytes"));
    }
    if (path.ok()) ::rmdir(path->c_str());
    absl::StrAppend(&tried, "cgroup v1: ", s.message());
  } else {
    tried = "cgroup v1: no memory controller in /proc/self/cgroup";
  }
  const std::string mount = Cgroup2Mount();
  if (mount.empty()) {
    absl::StrAppend(&tried, "; cgroup v2: not mounted");
  } else {
    const std::string own = OwnCgroupPath("");
    const std::string parent = absl::StrCat(mount, own == "/" ? "" : own);
    absl::StatusOr<std::string> path = MakeDir(parent, name);
    absl::Status s = path.status();
    if (s.ok()) s = WriteFile(*path + "/memory.max", absl::StrCat(limit_bytes));
    if (s.ok()) return std::unique_ptr<MemoryCgroup>(new MemoryCgroup(*path, "cgroup v2 memory.max"));
    if (path.ok()) ::rmdir(path->c_str());
    absl::StrAppend(&tried, "; cgroup v2: ", s.message(),
                    absl::StrContains(s.message(), "memory.max")
                        ? " (the memory controller is not enabled in the parent's cgroup.subtree_control)"
                        : "");
  }
  return absl::FailedPreconditionError(absl::StrCat("no memory cgroup could be made (", tried, ")"));
}

MemoryCgroup::~MemoryCgroup() { ::rmdir(path_.c_str()); }

absl::Status MemoryCgroup::Join(pid_t pid) const {
  return WriteFile(path_ + "/cgroup.procs", absl::StrCat(pid));
}

}  // namespace ringkv::bench
