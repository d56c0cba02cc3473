// A memory cgroup made for one benchmark phase: a child of this process's own memory cgroup
// with a byte limit that counts the page cache (cgroup v1 memory.limit_in_bytes, or v2
// memory.max). The caller moves a process in with Join and must let every process in it exit
// before the destructor removes it.
#ifndef RINGKV_BENCH_SCALE_MEMORY_CGROUP_H_
#define RINGKV_BENCH_SCALE_MEMORY_CGROUP_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ringkv::bench {

class MemoryCgroup {
 public:
  // Creates `name` under this process's memory cgroup with `limit_bytes`. FailedPrecondition,
  // saying what was tried, when neither cgroup version allows it here (no controller mounted,
  // no permission, v2 without the memory controller delegated).
  static absl::StatusOr<std::unique_ptr<MemoryCgroup>> Create(const std::string& name,
                                                              uint64_t limit_bytes);
  ~MemoryCgroup();  // best effort rmdir
  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;

  // Moves process `pid` into the cgroup (its later allocations and page-cache reads count).
  absl::Status Join(pid_t pid) const;
  const std::string& path() const { return path_; }
  // "cgroup v1 memory.limit_in_bytes" or "cgroup v2 memory.max", for reports.
  const std::string& how() const { return how_; }

 private:
  MemoryCgroup(std::string path, std::string how) : path_(std::move(path)), how_(std::move(how)) {}
  std::string path_;
  std::string how_;
};

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_SCALE_MEMORY_CGROUP_H_
