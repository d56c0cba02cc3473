#include "engine/checkpoint_steps.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace ringkv {

size_t CheckpointStepCount(size_t changes, uint64_t tree_pages, uint64_t step_pages) {
  RINGKV_CHECK(step_pages > 0);
  const uint64_t steps = std::max<uint64_t>(1, tree_pages / step_pages);
  return static_cast<size_t>(std::min<uint64_t>(steps, std::max<size_t>(changes, 1)));
}

absl::StatusOr<TreeMergeStats> CheckpointInSteps(
    TreeStore& store, absl::Span<const TreeChange> changes, uint64_t checkpoint_lsn,
    uint64_t step_pages, absl::FunctionRef<void(std::shared_ptr<TreeSnapshot>)> published) {
  const TreeStoreStats before = store.stats();
  RINGKV_CHECK(before.free_pages <= before.page_count);
  const size_t steps =
      CheckpointStepCount(changes.size(), before.page_count - before.free_pages, step_pages);
  RINGKV_CHECK(steps >= 1);
  TreeMergeStats total;
  size_t begin = 0;
  for (size_t step = 0; step < steps; ++step) {
    const bool last = step + 1 == steps;
    const size_t end = last ? changes.size() : changes.size() * (step + 1) / steps;
    RINGKV_CHECK(end >= begin);
    absl::StatusOr<TreeMergeStats> merged;
    {
      // The version merged into is pinned only while its pages are read: once the step is
      // published, the pages it freed become reusable by the next step.
      std::shared_ptr<TreeSnapshot> base = store.Current();
      const uint64_t lsn = last ? checkpoint_lsn : base->checkpoint_lsn();
      RINGKV_CHECK(lsn >= base->checkpoint_lsn());
      absl::StatusOr<TreePageWriter*> writer = store.BeginCheckpoint();
      if (!writer.ok()) return writer.status();
      merged = MergeIntoTree(base->pages(), base->root(), changes.subspan(begin, end - begin),
                             **writer);
      if (!merged.ok()) {
        store.AbortCheckpoint();
        return merged.status();
      }
      absl::Status s = store.CommitCheckpoint(TreeRoots{merged->root, base->runs()}, lsn);
      if (!s.ok()) return s;
    }
    std::shared_ptr<TreeSnapshot> next = store.Current();
    RINGKV_CHECK(next->root() == merged->root);
    published(std::move(next));
    total.root = merged->root;
    total.Add(*merged);
    begin = end;
  }
  RINGKV_CHECK(begin == changes.size());
  return total;
}

}  // namespace ringkv
