// WalkTree visits every entry of a B+tree that can still be read and verified, in key order,
// and reports each part it cannot read (a page that fails its checks, an entry that does not
// decode, keys out of order) with the key range lost, instead of stopping at the first fault
// as a BTreeIterator does. For the offline checker and salvage. The same walk reads a sorted
// run (engine/sorted_run.h), whose leaves may hold tombstones; in the main tree a tombstone is
// damage (the tree never holds one), reported as a loss.
#ifndef RINGKV_ENGINE_TREE_WALK_H_
#define RINGKV_ENGINE_TREE_WALK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "engine/tree_pages.h"

namespace ringkv {

// A part of the tree that could not be read: the page (kNoPage if unknown), the keys it held
// (`lo` inclusive, `hi` exclusive; unset: unbounded), and why.
struct TreeLoss {
  uint64_t page = kNoPage;
  std::optional<std::string> lo;
  std::optional<std::string> hi;
  absl::Status cause;
};

struct TreeWalkStats {
  uint64_t keys = 0;        // entries delivered, tombstones included
  uint64_t tombstones = 0;  // of them, deletions (runs only)
  uint64_t pages = 0;  // pages reached (tree and overflow) that passed their checks
};

// `deleted`: a run's tombstone for `key` (`value` is empty).
using TreeEntryFn =
    absl::FunctionRef<void(std::string_view key, std::string_view value, bool deleted)>;
using TreeLossFn = absl::FunctionRef<void(const TreeLoss& loss)>;
// Every page id reached, good or bad, once (for finding leaked pages).
using TreePageFn = absl::FunctionRef<void(uint64_t id)>;

enum class TreeWalkKind { kMainTree, kSortedRun };

// `lower_bound` (a part-merged run's merged_below): keys below it are not delivered, and the
// leaves holding only such keys are neither read nor reached (they are free).
TreeWalkStats WalkTree(TreePageReader& pages, uint64_t root, TreeEntryFn on_entry,
                       TreeLossFn on_loss, TreePageFn on_page,
                       TreeWalkKind kind = TreeWalkKind::kMainTree,
                       const std::string& lower_bound = "");

}  // namespace ringkv

#endif  // RINGKV_ENGINE_TREE_WALK_H_
