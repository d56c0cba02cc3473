#include "pagestore/memory_limit.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ringkv::pagestore {
namespace {

constexpr uint64_t kNoLimit = ~uint64_t{0};

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

uint64_t PhysicalBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return kNoLimit;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

// The process's cgroup path in the hierarchy of /proc/self/cgroup whose controller list holds
// `controller` ("memory" for v1; "" matches the v2 line "0::/path"). False if there is none.
bool OwnCgroupPath(const std::string& proc_self_cgroup, absl::string_view controller,
                   std::string* path) {
  std::string text;
  if (!ReadWholeFile(proc_self_cgroup, &text)) return false;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (parts.size() != 3) continue;
    for (absl::string_view c : absl::StrSplit(parts[1], ',')) {
      if (c == controller) {
        *path = std::string(parts[2]);
        return true;
      }
    }
  }
  return false;
}

// "/a/b" -> "/a" -> "" : the cgroup and each ancestor, as paths below the hierarchy's root.
std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// A limit file's number; "max" (v2) and anything unparsable mean no limit.
uint64_t ParseLimit(absl::string_view text) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &v) || v == 0) return kNoLimit;
  return v;
}

// cgroup v1: memory.stat's hierarchical_memory_limit is the smallest limit from this cgroup to
// the root. Inside a cgroup namespace /proc/self/cgroup may name a path the mount does not
// have; the mount's root is then the process's own cgroup.
uint64_t CgroupV1Limit(const MemoryLimitSources& s, const std::string& own) {
  const std::string base = s.cgroup_root + "/memory";
  for (const std::string& dir : {base + (own == "/" ? "" : own), base}) {
    std::string text;
    if (ReadWholeFile(dir + "/memory.stat", &text)) {
      for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
        if (absl::ConsumePrefix(&line, "hierarchical_memory_limit ")) return ParseLimit(line);
      }
    }
    if (ReadWholeFile(dir + "/memory.limit_in_bytes", &text)) return ParseLimit(text);
  }
  return kNoLimit;
}

// cgroup v2: each level's memory.max applies, so the smallest from the process's cgroup up.
uint64_t CgroupV2Limit(const MemoryLimitSources& s, std::string own) {
  if (own == "/") own.clear();
  uint64_t limit = kNoLimit;
  for (;;) {
    std::string text;
    if (ReadWholeFile(s.cgroup_root + own + "/memory.max", &text)) {
      limit = std::min(limit, ParseLimit(text));
    }
    if (own.empty()) break;
    own = Parent(own);
  }
  return limit;
}

}  // namespace

uint64_t ProcessMemoryLimitBytes(const MemoryLimitSources& sources) {
  uint64_t limit = sources.physical_bytes != 0 ? sources.physical_bytes : PhysicalBytes();
  std::string own;
  if (OwnCgroupPath(sources.proc_self_cgroup, "memory", &own)) {
    limit = std::min(limit, CgroupV1Limit(sources, own));
  }
  if (OwnCgroupPath(sources.proc_self_cgroup, "", &own)) {
    limit = std::min(limit, CgroupV2Limit(sources, own));
  }
  return limit == kNoLimit ? (uint64_t{1} << 62) : limit;
}

}  // namespace ringkv::pagestore
