// The two checkpoint kinds that sorted runs add (engine/sorted_run.h): writing a memtable's
// changes as a new run in front of the published ones, and merging the published runs into the
// main tree in key-ordered batches, each batch published, so the merge needs free room for one
// batch and other checkpoints can run between batches. The caller is the one checkpointing
// thread and holds no pin on older versions while these run (a pin keeps freed pages in use).
#ifndef RINGKV_ENGINE_RUN_CHECKPOINT_H_
#define RINGKV_ENGINE_RUN_CHECKPOINT_H_

#include <cstdint>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/btree_merge.h"
#include "engine/tree_store.h"

namespace ringkv {

// Writes `changes` (sorted, one per key, deletions included) as a new run and publishes it,
// newest, over the current tree and runs, with `checkpoint_lsn`. Returns the pages written.
absl::StatusOr<uint64_t> PublishSortedRun(TreeStore& store, absl::Span<const TreeChange> changes,
                                          uint64_t checkpoint_lsn);

// Pages of the current version in the main tree (all in use but the runs').
uint64_t MainTreePages(TreeStore& store, const TreeSnapshot& current);

// Merges every run published now into the main tree, the newest version of each key winning
// (a tombstone deletes it), in batches that each rewrite about `step_pages` pages of the tree,
// then publishes the tree without those runs and frees their pages. Each publication keeps the
// checkpoint LSN and every run (those published between batches too), so a crash in between
// leaves the runs to answer for every key they hold; the next merge redoes the batches, which
// rewrites the same values. `between` runs after each batch (an error stops the merge);
// `published` after each publication with the new version.
absl::StatusOr<TreeMergeStats> MergeRunsIntoTree(
    TreeStore& store, uint64_t step_pages, absl::FunctionRef<absl::Status()> between,
    absl::FunctionRef<void(std::shared_ptr<TreeSnapshot>)> published);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_RUN_CHECKPOINT_H_
