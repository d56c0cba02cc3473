// Merges a checkpoint's changes into the tree in key-ordered steps, publishing a tree version
// after each, so a checkpoint that rewrites most of a large tree needs free room for one step's
// pages, not for a second copy of the tree: the pages a step frees are reused by the steps after
// it. The caller holds no pin on older tree versions while this runs (a pin keeps freed pages
// from being reused).
#ifndef RINGKV_ENGINE_CHECKPOINT_STEPS_H_
#define RINGKV_ENGINE_CHECKPOINT_STEPS_H_

#include <cstdint>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/btree_merge.h"
#include "engine/tree_store.h"

namespace ringkv {

// How many steps a checkpoint of `changes` into a tree of `tree_pages` pages takes: about one
// per `step_pages` pages of tree (at least one, at most one per change), so a step whose
// changes spread over the whole key range rewrites about `step_pages` pages.
size_t CheckpointStepCount(size_t changes, uint64_t tree_pages, uint64_t step_pages);

// Merges `changes` (sorted, one per key) into `store`'s current tree. Each step but the last is
// published with the tree's previous checkpoint LSN (a crash after it replays the log from
// there, over a tree that already holds some of the changes: replay rewrites them with the
// same values); the last with `checkpoint_lsn`. `published` runs after each step with the new
// version. On failure the step in progress is aborted; earlier steps stay published.
absl::StatusOr<TreeMergeStats> CheckpointInSteps(
    TreeStore& store, absl::Span<const TreeChange> changes, uint64_t checkpoint_lsn,
    uint64_t step_pages, absl::FunctionRef<void(std::shared_ptr<TreeSnapshot>)> published);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_CHECKPOINT_STEPS_H_
