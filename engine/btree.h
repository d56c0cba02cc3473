// Read side of the copy-on-write B+tree of one published version: point lookups and an ordered
// iterator. The version's pages never change, so readers need no locks, only the pin that keeps
// the version's pages from being reused (held by whoever supplies the TreePageReader).
#ifndef RINGKV_ENGINE_BTREE_H_
#define RINGKV_ENGINE_BTREE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/btree_node.h"
#include "engine/tree_pages.h"

namespace ringkv {

enum class TreeLookup { kAbsent, kFound, kDeleted };

// Looks `key` up in the tree rooted at `root` (kNoPage: empty tree): kFound with the value, or
// kDeleted where a sorted run holds a tombstone for it.
absl::StatusOr<TreeLookup> BTreeLookup(TreePageReader& pages, uint64_t root,
                                       std::string_view key, std::string* value);
// Levels above the leaves of the tree at `root`, read along its rightmost path: a part-merged
// sorted run has freed leaves on its left, never its last one. DataLoss for a node with no
// child or a path deeper than any valid tree.
absl::StatusOr<size_t> BTreeHeight(TreePageReader& pages, uint64_t root);

// True and the value if `key` is in the tree (a tombstone reads as absent).
absl::StatusOr<bool> BTreeGet(TreePageReader& pages, uint64_t root, std::string_view key,
                              std::string* value);

class BTreeIterator {
 public:
  BTreeIterator(TreePageReader* pages, uint64_t root) : pages_(pages), root_(root) {}
  // Keys below `bound` are not there, and neither may the pages that hold only such keys be
  // read: a sorted run being merged frees its leaves below the merge's progress. Forward moves
  // never go below a Seek target; moving backward stops at the separator before the bound.
  BTreeIterator(TreePageReader* pages, uint64_t root, std::string lower_bound)
      : pages_(pages), root_(root), lower_bound_(std::move(lower_bound)) {}

  // Not valid when positioned past either end or after an error (see status()).
  bool Valid() const { return valid_; }
  const absl::Status& status() const { return status_; }
  void SeekToFirst();
  void SeekToLast();
  void Seek(std::string_view target);  // first key >= target
  void SeekForPrev(std::string_view target);  // last key <= target
  void Next();
  void Prev();
  std::string_view key() const { return key_; }
  // A sorted run's tombstone (no value): the key was deleted.
  bool deleted() const { return entry_.tombstone(); }
  // Reads an overflow value on first use.
  absl::StatusOr<std::string_view> value();

 private:
  struct Level {
    PageRef page;
    NodeView node;
    uint32_t index = 0;
  };
  enum class Edge { kFirst, kLast };

  // Pushes the path from `page` down to a leaf, at its first or last entry.
  bool DescendEdge(uint64_t page, Edge edge);
  // Loads the current leaf entry's key; skips empty leaves in `forward` direction.
  void Settle(bool forward);
  bool Fail(absl::Status s);
  absl::StatusOr<NodeView> Load(uint64_t page, PageRef* ref);
  // Having moved forward into a new leaf: asks the reader to prefetch the next few leaves of
  // the same parent (a scan then waits for one batch instead of one read per leaf).
  void PrefetchFollowingLeaves();

  TreePageReader* pages_;
  uint64_t root_;
  std::string lower_bound_;  // empty: none
  std::vector<Level> stack_;
  bool valid_ = false;
  absl::Status status_;
  RawEntry entry_;
  std::string_view key_;
  std::string key_scratch_;
  std::string value_scratch_;
  // Leaves of `prefetch_parent_` before child index `prefetch_end_` were already prefetched.
  uint64_t prefetch_parent_ = kNoPage;
  uint32_t prefetch_end_ = 0;
};

// Leaves prefetched at a time by a forward scan.
inline constexpr uint32_t kPrefetchLeaves = 8;

}  // namespace ringkv

#endif  // RINGKV_ENGINE_BTREE_H_
