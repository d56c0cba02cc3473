// A point lookup in what a checkpoint published: the sorted runs newest first (each asked only
// if its filter may hold the key and the key is not below its merge bound), then the main tree.
// The snapshot's pin keeps every page it reads in place.
#ifndef RINGKV_ENGINE_PUBLISHED_LOOKUP_H_
#define RINGKV_ENGINE_PUBLISHED_LOOKUP_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/btree.h"
#include "engine/tree_store.h"

namespace ringkv {

inline absl::StatusOr<TreeLookup> LookupPublished(TreeSnapshot& tree, std::string_view key,
                                                  std::string* value) {
  const std::vector<SortedRunRef>& runs = tree.runs();
  if (!runs.empty()) {
    const uint64_t hash = RunFilter::Hash(key);
    for (const SortedRunRef& r : runs) {
      if (!r.filter->MayContain(hash) || key < r.run.merged_below) continue;
      absl::StatusOr<TreeLookup> in_run = BTreeLookup(tree.pages(), r.run.root, key, value);
      if (!in_run.ok() || *in_run != TreeLookup::kAbsent) return in_run;
    }
  }
  return BTreeLookup(tree.pages(), tree.root(), key, value);
}

}  // namespace ringkv

#endif  // RINGKV_ENGINE_PUBLISHED_LOOKUP_H_
