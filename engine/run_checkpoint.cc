#include "engine/run_checkpoint.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "engine/btree.h"
#include "engine/btree_node.h"
#include "engine/published_lookup.h"
#include "engine/sorted_run_format.h"

namespace ringkv {
namespace {

// What a leaf spends on an entry besides its key and value: the flags byte, the two length
// varints (one byte each for the sizes that stay inline) and its slot.
constexpr uint64_t kStoredEntryOverheadBytes = 3 + kSlotBytes;

// A batch of changes copied out of the runs' pages (the version they were read from is
// unpinned before the next batch, so the batch cannot point into its pages).
class ChangeBatch {
 public:
  void Add(std::string_view key, bool deleted, std::string_view value) {
    items_.push_back(Item{bytes_.size(), key.size(), value.size(), deleted});
    bytes_.append(key);
    bytes_.append(value);
  }
  size_t size() const { return items_.size(); }
  std::string_view last_key() const {
    RINGKV_CHECK(!items_.empty());
    return std::string_view(bytes_).substr(items_.back().offset, items_.back().key_len);
  }
  // Views into this batch, valid while it is unchanged.
  std::vector<TreeChange> Changes() const {
    std::vector<TreeChange> out;
    out.reserve(items_.size());
    const std::string_view b(bytes_);
    for (const Item& it : items_) {
      TreeChange c;
      c.key = b.substr(it.offset, it.key_len);
      c.deleted = it.deleted;
      c.value = b.substr(it.offset + it.key_len, it.value_len);
      out.push_back(c);
    }
    for (size_t i = 1; i < out.size(); ++i) RINGKV_DCHECK(out[i - 1].key < out[i].key);
    return out;
  }

 private:
  struct Item {
    size_t offset, key_len, value_len;
    bool deleted;
  };
  std::string bytes_;
  std::vector<Item> items_;
};

// Reads the newest version of each key >= `from` across `runs` (newest first) into `batch`,
// up to `limit` keys; true if the runs hold no more keys after the batch.
absl::StatusOr<bool> ReadBatch(TreePageReader& pages, const std::vector<SortedRunRef>& runs,
                               const std::string* from, size_t limit, ChangeBatch* batch) {
  std::vector<std::unique_ptr<BTreeIterator>> its;
  for (const SortedRunRef& r : runs) {
    auto it = std::make_unique<BTreeIterator>(&pages, r.run.root, r.run.merged_below);
    if (from != nullptr) {
      it->Seek(*from);
    } else {
      it->SeekToFirst();
    }
    if (!it->status().ok()) return it->status();
    its.push_back(std::move(it));
  }
  std::string key;
  while (batch->size() < limit) {
    BTreeIterator* best = nullptr;
    for (auto& it : its) {
      if (it->Valid() && (best == nullptr || it->key() < best->key())) best = it.get();
    }
    if (best == nullptr) break;
    key.assign(best->key().data(), best->key().size());
    if (best->deleted()) {
      batch->Add(key, true, {});
    } else {
      absl::StatusOr<std::string_view> v = best->value();
      if (!v.ok()) return v.status();
      batch->Add(key, false, *v);
    }
    // Older versions of the same key in later runs are shadowed.
    for (auto& it : its) {
      if (it->Valid() && it->key() == key) it->Next();
      if (!it->status().ok()) return it->status();
    }
  }
  for (auto& it : its) {
    if (it->Valid()) return false;
  }
  return true;
}

}  // namespace

uint64_t MainTreePages(TreeStore& store, const TreeSnapshot& current) {
  const TreeStoreStats st = store.stats();
  const uint64_t used = st.page_count - std::min(st.page_count, st.free_pages);
  return used - std::min(used, RunPages(current.runs()));
}

absl::StatusOr<uint64_t> PublishSortedRun(TreeStore& store, absl::Span<const TreeChange> changes,
                                          uint64_t checkpoint_lsn) {
  std::shared_ptr<TreeSnapshot> base = store.Current();
  RINGKV_CHECK(checkpoint_lsn >= base->checkpoint_lsn());
  absl::StatusOr<TreePageWriter*> writer = store.BeginCheckpoint();
  if (!writer.ok()) return writer.status();
  absl::StatusOr<TreeMergeStats> built = BuildRunTree(base->pages(), changes, **writer);
  if (!built.ok()) {
    store.AbortCheckpoint();
    return built.status();
  }
  const size_t payload = (*writer)->payload_size();
  auto filter = std::make_shared<RunFilter>(changes.size());
  bool has_overflow = false;
  uint64_t sampled = 0, sampled_replacing = 0, sampled_replaced_bytes = 0;
  std::string older_value;
  for (const TreeChange& c : changes) {
    const uint64_t hash = RunFilter::Hash(c.key);
    filter->Add(hash);
    has_overflow |= c.key.size() > MaxInlineKey(payload) ||
                    (!c.deleted && c.value.size() > MaxInlineValue(payload));
    // Bits the filters' block choice barely depends on: sampled keys probe them like any key.
    if ((hash >> 32 & kRunReplacedSampleMask) != 0) continue;
    ++sampled;
    absl::StatusOr<TreeLookup> older = LookupPublished(*base, c.key, &older_value);
    if (!older.ok()) {
      store.AbortCheckpoint();
      return older.status();
    }
    if (*older != TreeLookup::kAbsent) {
      ++sampled_replacing;
      sampled_replaced_bytes += kStoredEntryOverheadBytes + c.key.size() + older_value.size();
    }
  }
  const std::string filter_bytes = filter->Encode();
  absl::StatusOr<uint64_t> filter_page = WriteOverflow(**writer, filter_bytes);
  if (!filter_page.ok()) {
    store.AbortCheckpoint();
    return filter_page.status();
  }
  SortedRunRef ref;
  ref.run.root = built->root;
  ref.run.filter = *filter_page;
  ref.run.filter_bytes = static_cast<uint32_t>(filter_bytes.size());
  ref.run.has_overflow = has_overflow;
  ref.run.entries = changes.size();
  ref.run.replaced = sampled == 0 ? 0 : changes.size() * sampled_replacing / sampled;
  ref.run.replaced_bytes =
      ref.run.replaced == 0 ? 0 : changes.size() * sampled_replaced_bytes / sampled;
  ref.run.pages = built->pages_written + OverflowChainPages(payload, filter_bytes.size());
  ref.run.id = base->runs().empty() ? 1 : base->runs().front().run.id + 1;
  ref.filter = std::move(filter);
  TreeRoots roots{base->root(), {}};
  roots.runs.reserve(base->runs().size() + 1);
  roots.runs.push_back(std::move(ref));
  roots.runs.insert(roots.runs.end(), base->runs().begin(), base->runs().end());
  const uint64_t written = roots.runs.front().run.pages;
  base.reset();  // the new version, not this one, stays pinned
  absl::Status s = store.CommitCheckpoint(roots, checkpoint_lsn);
  if (!s.ok()) return s;
  return written;
}

absl::StatusOr<TreeMergeStats> MergeRunsIntoTree(
    TreeStore& store, uint64_t step_pages, absl::FunctionRef<absl::Status()> between,
    absl::FunctionRef<void(std::shared_ptr<TreeSnapshot>)> published) {
  RINGKV_CHECK(step_pages > 0);
  absl::flat_hash_set<uint64_t> merging;  // ids of the runs this merge takes
  size_t batch_limit;
  {
    std::shared_ptr<TreeSnapshot> base = store.Current();
    uint64_t entries = 0;
    for (const SortedRunRef& r : base->runs()) {
      merging.insert(r.run.id);
      entries += r.run.entries;
    }
    const uint64_t batches = std::max<uint64_t>(1, MainTreePages(store, *base) / step_pages);
    batch_limit = entries / batches + 1;
  }
  TreeMergeStats total;
  // The runs being merged, oldest last: always the tail of the published list, since new runs
  // only ever go in front.
  const auto taken = [&](const TreeSnapshot& v) {
    std::vector<SortedRunRef> runs;
    for (const SortedRunRef& r : v.runs()) {
      if (merging.contains(r.run.id)) runs.push_back(r);
    }
    RINGKV_CHECK(runs.size() == merging.size());
    RINGKV_CHECK(v.runs().size() >= runs.size() &&
                 v.runs()[v.runs().size() - runs.size()].run.id == runs.front().run.id);
    return runs;
  };
  // Each run's leaves in key order, and how many of them are freed: a leaf goes once every key
  // it can hold is below the merge's progress (its upper bound, the next leaf's lower bound, is
  // at or below it), so the runs give their room back as the tree takes their keys.
  struct Progress {
    std::vector<RunLeaf> leaves;
    size_t freed = 0;
  };
  absl::flat_hash_map<uint64_t, Progress> progress;
  {
    std::shared_ptr<TreeSnapshot> base = store.Current();
    for (const SortedRunRef& r : taken(*base)) {
      absl::StatusOr<std::vector<RunLeaf>> leaves = ListRunLeaves(base->pages(), r.run);
      if (!leaves.ok()) return leaves.status();
      Progress& p = progress[r.run.id];
      p.leaves = std::move(*leaves);
      // A merge that stopped (a crash, a close) freed the leaves below its bound already.
      p.freed = FreedLeafCount(p.leaves, r.run.merged_below);
    }
  }
  // Frees the leaves of `r` that hold only keys below `bound`, and records the bound.
  const auto release = [&](TreePageReader& pages, TreePageWriter& writer, SortedRunRef* r,
                           const std::string& bound) -> absl::Status {
    Progress& p = progress[r->run.id];
    std::vector<uint64_t> freed;
    for (const size_t upto = FreedLeafCount(p.leaves, bound); p.freed < upto; ++p.freed) {
      absl::Status s = CollectLeafPages(pages, p.leaves[p.freed].page, r->run.has_overflow,
                                        &freed);
      if (!s.ok()) return s;
    }
    RINGKV_CHECK(freed.size() < r->run.pages);  // the filter and last leaf stay till the end
    for (uint64_t id : freed) writer.Free(id);
    r->run.pages -= freed.size();
    // A run left part-merged by a stopped merge keeps its bound until this merge passes it
    // (its leaves below the bound are gone: the bound never moves back).
    if (bound > r->run.merged_below) r->run.merged_below = bound;
    total.pages_freed += freed.size();
    return absl::OkStatus();
  };
  std::string resume;
  bool started = false;
  for (bool done = merging.empty(); !done;) {
    {
      std::shared_ptr<TreeSnapshot> base = store.Current();
      ChangeBatch batch;
      absl::StatusOr<bool> end =
          ReadBatch(base->pages(), taken(*base), started ? &resume : nullptr, batch_limit, &batch);
      if (!end.ok()) return end.status();
      done = *end;
      if (batch.size() > 0) {
        resume = std::string(batch.last_key());
        resume.push_back('\0');  // the smallest key after it
        started = true;
        const std::vector<TreeChange> changes = batch.Changes();
        absl::StatusOr<TreePageWriter*> writer = store.BeginCheckpoint();
        if (!writer.ok()) return writer.status();
        absl::StatusOr<TreeMergeStats> merged =
            MergeIntoTree(base->pages(), base->root(), changes, **writer);
        if (!merged.ok()) {
          store.AbortCheckpoint();
          return merged.status();
        }
        TreeRoots roots{merged->root, base->runs()};
        if (!done) {
          for (SortedRunRef& r : roots.runs) {
            if (!merging.contains(r.run.id)) continue;
            absl::Status s = release(base->pages(), **writer, &r, resume);
            if (!s.ok()) {
              store.AbortCheckpoint();
              return s;
            }
          }
        }
        const uint64_t lsn = base->checkpoint_lsn();
        base.reset();
        absl::Status s = store.CommitCheckpoint(roots, lsn);
        if (!s.ok()) return s;
        total.Add(*merged);
        published(store.Current());
      }
    }
    absl::Status s = between();
    if (!s.ok()) return s;
  }
  // Every key of the merged runs is in the tree now: drop them and free their pages.
  std::shared_ptr<TreeSnapshot> base = store.Current();
  std::vector<uint64_t> pages;
  TreeRoots roots{base->root(), {}};
  for (const SortedRunRef& r : base->runs()) {
    if (!merging.contains(r.run.id)) {
      roots.runs.push_back(r);
      continue;
    }
    absl::Status s = CollectRunPages(base->pages(), r.run, &pages);
    if (!s.ok()) return s;
  }
  RINGKV_CHECK(roots.runs.size() + merging.size() == base->runs().size());
  absl::StatusOr<TreePageWriter*> writer = store.BeginCheckpoint();
  if (!writer.ok()) return writer.status();
  for (uint64_t p : pages) (*writer)->Free(p);
  const uint64_t lsn = base->checkpoint_lsn();
  base.reset();
  absl::Status s = store.CommitCheckpoint(roots, lsn);
  if (!s.ok()) return s;
  total.pages_freed += pages.size();
  std::shared_ptr<TreeSnapshot> next = store.Current();
  total.root = next->root();
  published(std::move(next));
  return total;
}

}  // namespace ringkv
