// Options for opening a ringkv database and for each read and write. Defaults are what an
// embedded user should get without thinking: durable writes, io_uring with a posix fallback.
#ifndef RINGKV_OPTIONS_H_
#define RINGKV_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ringkv {

namespace io {
class IoBackend;
}

class Snapshot;

enum class ReadPath {
  // Pages read through a read-only shared mapping of the page file (default). While the file
  // fits in half of Options::memory_limit_bytes a fault reads ahead around the page (the
  // kernel's default); beyond that each fault reads only its page, since readahead would evict
  // pages before they are used (docs/performance.md, "Random gets under a memory limit").
  kMmap,
  kPread,  // pages read through the ring into a bounded page cache
};

enum class IoBackendKind {
  kAuto,   // io_uring, falling back to plain syscalls (with a note on stderr) if refused
  kUring,  // io_uring or fail
  kPosix,  // plain syscalls
};

struct Options {
  // Open creates the directory and an empty database if `path` holds none.
  bool create_if_missing = true;
  // Open fails with AlreadyExists if `path` already holds a database.
  bool error_if_exists = false;
  // Page size of a new database (512 B .. 64 KiB, a power of two); an existing one keeps its own.
  uint32_t page_size = 4096;
  // When the memtable holds this much, it becomes immutable and a checkpoint starts.
  size_t memtable_bytes = 64ull << 20;
  // Fixed size of each WAL segment file.
  uint64_t wal_segment_bytes = 64ull << 20;
  // Group-commit writes the WAL may have in flight at once (1 to 64): with more, the next group
  // starts while earlier ones land, which pays where the device, not the CPU, is the limit
  // (docs/performance.md, "WAL", says which was best where).
  int wal_max_writes_in_flight = 1;
  // A checkpoint publishes the tree in steps that each rewrite about this many bytes of pages,
  // so the page file needs free room for one step rather than for a second copy of the tree
  // (each step's freed pages are reused by the next). Smaller steps publish the manifest more
  // often.
  size_t checkpoint_step_bytes = 16ull << 20;
  // Once the tree is more than 1/run_merge_ratio times a memtable, a checkpoint writes the
  // memtable as a sorted run (sequential pages with a Bloom filter) instead of merging it into
  // the tree, and the runs are merged into the tree together once their pages reach this
  // fraction of the tree's. With random keys a merge rewrites most of the tree whatever its
  // size, so each user byte costs the tree about (1 + ratio) / ratio bytes of writes; in
  // exchange, gets look at up to max_sorted_runs filters, and overwritten keys take space in
  // the runs until the merge (up to this fraction of the tree). 0 writes no runs: every
  // checkpoint merges into the tree. From 0 to 4.
  double run_merge_ratio = 0.75;
  // The runs are merged into the tree also once the older versions their keys replace (in the
  // tree or older runs) reach this fraction of the tree's pages, estimated from a sample of
  // each run's keys. Overwritten keys take space twice until the merge, so this bounds the
  // space overwrites cost (the file holds about 1 + this times the tree); each merge of
  // overwrites rewrites the tree for this fraction of it in new versions, so a lower value
  // costs about 1/value bytes of tree writes per byte overwritten. Inserts of new keys replace
  // nothing and merge by run_merge_ratio alone. Deletions count the bytes of what they delete,
  // so deleting keys gives their space back. 0: by run_merge_ratio alone. From 0 to 4.
  double run_overwrite_ratio = 0.35;
  // Runs are merged into the tree also when there are more than this many (1 to 256).
  uint32_t max_sorted_runs = 16;
  // Checkpoint at least this often while there are writes (0: only by size and on demand).
  uint32_t checkpoint_interval_ms = 0;
  // How pages are read (see ReadPath); mmap falls back to pread where it cannot map the file.
  ReadPath read_path = ReadPath::kMmap;
  // Bytes of page cache for the pread read path.
  size_t page_cache_bytes = 64ull << 20;
  // Memory this process may fill, the OS page cache included, for choosing how the mapped read
  // path reads (see ReadPath::kMmap). 0: found at open, the smaller of physical memory and the
  // memory cgroup's limit (v1 memory.limit_in_bytes of the cgroup and its ancestors, v2
  // memory.max). Set it when the database shares the memory with something the OS does not
  // count against this process.
  uint64_t memory_limit_bytes = 0;
  // Which I/O backend to make (ignored when `io` is set).
  IoBackendKind io_backend = IoBackendKind::kAuto;
  // io_uring only: a kernel thread polls the submission queue, so a submit costs no system
  // call but that thread spins on a CPU. Off by default: on a machine with few CPUs it slows
  // completions down unless pinned away from the CPU taking the disk's interrupts
  // (docs/performance.md, "uring/: raw durable writes").
  bool sqpoll = false;
  // With sqpoll: the CPU to pin the polling thread to (-1: wherever the scheduler puts it).
  int sqpoll_cpu = -1;
  // Use this I/O backend instead of making one (the crash harness passes a recording backend,
  // tests a fault-injecting one). Shared: it must outlive the DB.
  std::shared_ptr<io::IoBackend> io;
};

struct WriteOptions {
  // true: return only once the write is durable (survives power loss). false: return once it is
  // in the log buffer; it becomes durable with the next sync write, Flush or checkpoint.
  bool sync = true;
};

struct ReadOptions {
  // Read as of this snapshot (from DB::GetSnapshot); nullptr reads the latest state.
  const Snapshot* snapshot = nullptr;
  // Iterator bounds: keys >= lower_bound and < upper_bound.
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
};

}  // namespace ringkv

#endif  // RINGKV_OPTIONS_H_
