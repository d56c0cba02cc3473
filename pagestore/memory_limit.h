// How much memory this process may fill, page cache included: the smaller of the machine's
// physical memory and the limit of the memory cgroup the process is in (cgroup v1
// memory.stat's hierarchical_memory_limit, which already folds in the ancestors' limits, or the
// smallest cgroup v2 memory.max from the process's cgroup up to the root). The page store reads
// it once at open to decide whether readahead on its mapping can pay (see ReadaheadPays).
//
// These are configuration reads of /proc and /sys, not the store's file I/O, so they do not go
// through the ring.
#ifndef RINGKV_PAGESTORE_MEMORY_LIMIT_H_
#define RINGKV_PAGESTORE_MEMORY_LIMIT_H_

#include <cstdint>
#include <string>

namespace ringkv::pagestore {

// Where the limit is read from; tests point these at a fake tree.
struct MemoryLimitSources {
  std::string proc_self_cgroup = "/proc/self/cgroup";
  std::string cgroup_root = "/sys/fs/cgroup";  // v1 controllers below it, or the v2 hierarchy
  uint64_t physical_bytes = 0;                 // 0: the machine's, from sysconf
};

// Never 0. A cgroup file that is missing or unreadable counts as "no limit there": the answer
// is then the physical memory.
uint64_t ProcessMemoryLimitBytes(const MemoryLimitSources& sources = {});

// Whether faults on a mapping of a `file_bytes` page file should read ahead (the kernel's
// default, 128 KiB to several MiB around each fault) given `memory_limit_bytes`. Only while the
// file fits in half the limit: then the pages read ahead stay cached until they are used, and
// the other half is left to the memtables, the WAL and whatever else shares the limit. A larger
// file makes every random read fetch megabytes it evicts before they are used (the process
// reclaims its own readahead).
inline bool ReadaheadPays(uint64_t file_bytes, uint64_t memory_limit_bytes) {
  return file_bytes <= memory_limit_bytes / 2;
}

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_MEMORY_LIMIT_H_
