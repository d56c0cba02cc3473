// Builds the next version of the copy-on-write B+tree: merges a sorted batch of changes into the
// tree of the previous version, rewriting only the leaves the changes touch (and underfull
// neighbours) and the internal nodes on the paths to them; every other page is kept.
#ifndef RINGKV_ENGINE_BTREE_MERGE_H_
#define RINGKV_ENGINE_BTREE_MERGE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/tree_pages.h"

namespace ringkv {

struct TreeChange {
  std::string_view key;
  bool deleted = false;
  std::string_view value;  // for puts
};

struct TreeMergeStats {
  uint64_t root = kNoPage;  // the new version's root (kNoPage: empty tree)
  uint64_t pages_written = 0;
  uint64_t pages_freed = 0;
  uint64_t leaves_kept = 0;
  uint64_t leaves_rewritten = 0;
  // Sums the counts of another merge into these (root is left as it is).
  void Add(const TreeMergeStats& o) {
    pages_written += o.pages_written;
    pages_freed += o.pages_freed;
    leaves_kept += o.leaves_kept;
    leaves_rewritten += o.leaves_rewritten;
  }
};

// `changes` must be sorted by key with each key at most once. Old pages that leave the tree are
// handed to writer.Free; the caller publishes the new root only after every written page is
// durable.
absl::StatusOr<TreeMergeStats> MergeIntoTree(TreePageReader& reader, uint64_t old_root,
                                             absl::Span<const TreeChange> changes,
                                             TreePageWriter& writer);

// Writes `changes` (sorted, each key at most once) as a new tree of packed leaves, deletions
// kept as tombstone entries: a sorted run, read before the older runs and the main tree.
absl::StatusOr<TreeMergeStats> BuildRunTree(TreePageReader& reader,
                                            absl::Span<const TreeChange> changes,
                                            TreePageWriter& writer);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_BTREE_MERGE_H_
