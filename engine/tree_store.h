// What the engine needs from the page store, as an interface: pinned snapshots of the published
// B+tree and sorted runs, and checkpoints that write new ones copy-on-write and publish them
// atomically.
// engine/page_tree_store.cc implements it on pagestore/; tests/engine/mem_parts.h in memory.
#ifndef RINGKV_ENGINE_TREE_STORE_H_
#define RINGKV_ENGINE_TREE_STORE_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include <vector>

#include "engine/sorted_run.h"
#include "engine/tree_pages.h"

namespace ringkv {

// The tree as one checkpoint published it. Holding it pins its pages: none is reused while it
// lives (on the page store, it holds a pagestore::PageStore::PinnedPages).
class TreeSnapshot {
 public:
  virtual ~TreeSnapshot() = default;
  // The main tree's root.
  virtual uint64_t root() const = 0;
  // The sorted runs above the main tree, newest first: a key's newest version is in the first
  // of them that holds it, else in the tree.
  virtual const std::vector<SortedRunRef>& runs() const = 0;
  // Every log record below this LSN is in the runs and the tree.
  virtual uint64_t checkpoint_lsn() const = 0;
  virtual uint64_t generation() const = 0;
  virtual TreePageReader& pages() = 0;
};

// What a checkpoint publishes: the main tree and the runs above it (newest first).
struct TreeRoots {
  uint64_t tree = kNoPage;
  std::vector<SortedRunRef> runs;
};

struct TreeStoreStats {
  uint64_t page_count = 0;   // pages in the file
  uint64_t free_pages = 0;
  uint64_t pages_written = 0;
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
};

class TreeStore {
 public:
  virtual ~TreeStore() = default;
  virtual std::shared_ptr<TreeSnapshot> Current() = 0;

  // One checkpoint in progress at a time. Write pages through writer(), then Commit: all pages
  // durable, then the manifest published (roots, checkpoint LSN, free list), then Current()
  // returns the new snapshot. Pages freed become reusable once no older snapshot is pinned.
  virtual absl::StatusOr<TreePageWriter*> BeginCheckpoint() = 0;
  virtual absl::Status CommitCheckpoint(const TreeRoots& roots, uint64_t checkpoint_lsn) = 0;
  // Drops a checkpoint that failed: nothing of it is published.
  virtual void AbortCheckpoint() = 0;
  virtual TreeStoreStats stats() const = 0;
  // Bytes per page of this store (an existing one keeps the size it was created with).
  virtual uint32_t page_size() const = 0;
  // Verifies every page checksum of the current snapshot; DataLoss naming page and offset.
  virtual absl::Status Verify() = 0;
  // Gives the storage of the free pages back (they are reused later all the same); only
  // between checkpoints, by the thread that makes them.
  virtual absl::Status ReleaseFreeSpace() = 0;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_TREE_STORE_H_
