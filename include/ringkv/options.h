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
  kMmap,   // pages read through a read-only shared mapping of the page file (default)
  kPread,  // pages read through the ring into a bounded page cache
};

enum class IoBackendKind {
  kAuto,   // io_uring, falling back to plain syscalls (with a note on stderr) if refused
  kUring,  // io_uring or fail
  kPosix,  // plain syscalls
};

struct Options {
  bool create_if_missing = true;
  bool error_if_exists = false;
  // Page size of a new database (512 B .. 64 KiB, a power of two); an existing one keeps its own.
  uint32_t page_size = 4096;
  // When the memtable holds this much, it becomes immutable and a checkpoint starts.
  size_t memtable_bytes = 64ull << 20;
  // Fixed size of each WAL segment file.
  uint64_t wal_segment_bytes = 64ull << 20;
  // Group-commit writes the WAL may have in flight at once (1 to 64): with more, the next group
  // starts while earlier ones land, which pays where the device, not the CPU, is the limit.
  // Measured on a 2-vCPU VM, 1 commits the most (docs/performance.md, "WAL").
  int wal_max_writes_in_flight = 1;
  // A checkpoint publishes the tree in steps that each rewrite about this many bytes of pages,
  // so the page file needs free room for one step rather than for a second copy of the tree
  // (each step's freed pages are reused by the next). Smaller steps publish the manifest more
  // often.
  size_t checkpoint_step_bytes = 16ull << 20;
  // Checkpoint at least this often while there are writes (0: only by size and on demand).
  uint32_t checkpoint_interval_ms = 0;
  ReadPath read_path = ReadPath::kMmap;
  // Bytes of page cache for the pread read path.
  size_t page_cache_bytes = 64ull << 20;
  IoBackendKind io_backend = IoBackendKind::kAuto;
  bool sqpoll = false;
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
