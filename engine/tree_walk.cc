#include "engine/tree_walk.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/btree.h"
#include "engine/btree_node.h"

namespace ringkv {
namespace {

// Deeper than any tree of 2^64 keys with several children per node: a longer path is a cycle.
constexpr int kMaxDepth = 64;

class Walker {
 public:
  Walker(TreePageReader& pages, TreeEntryFn on_entry, TreeLossFn on_loss, TreePageFn on_page,
         TreeWalkKind kind, std::string lower_bound)
      : pages_(pages), on_entry_(on_entry), on_loss_(on_loss), on_page_(on_page), kind_(kind),
        lower_bound_(std::move(lower_bound)) {}

  TreeWalkStats Run(uint64_t root) {
    if (root == kNoPage) return stats_;
    if (!lower_bound_.empty()) {
      // Which children are leaves must be known without reading them (some are free): the
      // height, from the rightmost path (its leaf is never freed).
      absl::StatusOr<size_t> height = BTreeHeight(pages_, root);
      if (!height.ok()) {
        Lose(root, std::nullopt, std::nullopt, height.status());
        return stats_;
      }
      height_ = static_cast<int>(*height);
    }
    Visit(root, std::nullopt, std::nullopt, 0);
    return stats_;
  }

 private:
  void Lose(uint64_t page, const std::optional<std::string>& lo,
            const std::optional<std::string>& hi, absl::Status cause) {
    on_loss_(TreeLoss{page, lo, hi, std::move(cause)});
  }

  bool Reach(uint64_t id) {
    on_page_(id);
    return reached_.insert(id).second;
  }

  // Marks every page of an overflow chain reached; a chain that does not read is reported by
  // the entry that needs it.
  void ReachChain(uint64_t first) {
    std::vector<uint64_t> chain;
    if (!CollectOverflowPages(pages_, first, &chain).ok()) chain.push_back(first);
    for (uint64_t id : chain) Reach(id);
  }

  void Visit(uint64_t id, const std::optional<std::string>& lo,
             const std::optional<std::string>& hi, int depth) {
    if (!Reach(id)) {
      Lose(id, lo, hi, absl::DataLossError(absl::StrCat("page ", id, " is reached twice")));
      return;
    }
    if (depth > kMaxDepth) {
      Lose(id, lo, hi, absl::DataLossError("the tree is deeper than any valid tree (a cycle)"));
      return;
    }
    absl::StatusOr<PageRef> ref = pages_.Read(id);
    if (!ref.ok()) return Lose(id, lo, hi, ref.status());
    absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
    if (!node.ok()) return Lose(id, lo, hi, node.status());
    ++stats_.pages;
    if (node->kind() == TreePageKind::kLeaf) return VisitLeaf(*node, id, lo, hi);
    // Child i holds [sep[i-1], sep[i]); an unreadable separator widens the lost range to the
    // next one that reads.
    std::vector<std::optional<std::string>> seps(node->count() + 1);
    seps[0] = lo;
    seps[node->count()] = hi;
    std::vector<bool> sep_ok(node->count() + 1, true);
    for (uint32_t i = 0; i + 1 < node->count(); ++i) {
      absl::StatusOr<RawEntry> e = node->Entry(i);
      std::string scratch;
      absl::StatusOr<std::string_view> k =
          e.ok() ? EntryKey(pages_, *e, &scratch) : absl::StatusOr<std::string_view>(e.status());
      if (e.ok() && e->key_overflow()) ReachChain(e->key_page());
      if (k.ok()) {
        seps[i + 1] = std::string(*k);
      } else {
        sep_ok[i + 1] = false;
        Lose(id, lo, hi, k.status());
      }
    }
    for (uint32_t i = 0; i < node->count(); ++i) {
      if (!sep_ok[i] || !sep_ok[i + 1]) continue;  // bounds unknown: reported above
      // A leaf whose keys all lie below the bound was freed by the merge.
      if (!lower_bound_.empty() && depth + 1 == height_ && seps[i + 1] &&
          *seps[i + 1] <= lower_bound_) {
        continue;
      }
      Visit(node->child(i), seps[i], seps[i + 1], depth + 1);
    }
  }

  void VisitLeaf(const NodeView& node, uint64_t id, const std::optional<std::string>& lo,
                 const std::optional<std::string>& hi) {
    std::string key_scratch, value_scratch;
    for (uint32_t i = 0; i < node.count(); ++i) {
      absl::StatusOr<RawEntry> e = node.Entry(i);
      if (!e.ok()) {
        Lose(id, last_key_, hi, e.status());
        continue;
      }
      if (e->key_overflow()) ReachChain(e->key_page());
      if (e->value_overflow()) ReachChain(e->value_page());
      absl::StatusOr<std::string_view> k = EntryKey(pages_, *e, &key_scratch);
      if (!k.ok()) {
        Lose(id, last_key_, hi, k.status());
        continue;
      }
      const bool in_range = (!lo || *k >= *lo) && (!hi || *k < *hi) &&
                            (!last_key_ || *k > *last_key_);
      if (!in_range) {
        Lose(id, std::string(*k), std::nullopt,
             absl::DataLossError(absl::StrCat("leaf page ", id, " entry ", i,
                                              ": key out of order or outside its node's range")));
        continue;
      }
      if (e->tombstone()) {
        last_key_ = std::string(*k);
        if (kind_ == TreeWalkKind::kMainTree) {
          // Read as a value it would be an empty one: a key deleted in a run would reappear.
          Lose(id, std::string(*k), std::string(*k) + '\0',
               absl::DataLossError(absl::StrCat("leaf page ", id, " entry ", i, " is a "
                                                "tombstone, which the main tree never holds")));
          continue;
        }
        if (*k < lower_bound_) continue;
        on_entry_(*k, {}, true);
        ++stats_.keys;
        ++stats_.tombstones;
        continue;
      }
      absl::StatusOr<std::string_view> v = EntryValue(pages_, *e, &value_scratch);
      if (!v.ok()) {
        Lose(id, std::string(*k), std::string(*k) + '\0', v.status());
        last_key_ = std::string(*k);
        continue;
      }
      last_key_ = std::string(*k);
      if (*k < lower_bound_) continue;  // merged into the tree already
      on_entry_(*k, *v, false);
      ++stats_.keys;
    }
  }

  TreePageReader& pages_;
  TreeEntryFn on_entry_;
  TreeLossFn on_loss_;
  TreePageFn on_page_;
  const TreeWalkKind kind_;
  const std::string lower_bound_;
  int height_ = -1;  // known only with a lower bound
  absl::flat_hash_set<uint64_t> reached_;
  std::optional<std::string> last_key_;  // the last key delivered, for the order check
  TreeWalkStats stats_;
};

}  // namespace

TreeWalkStats WalkTree(TreePageReader& pages, uint64_t root, TreeEntryFn on_entry,
                       TreeLossFn on_loss, TreePageFn on_page, TreeWalkKind kind,
                       const std::string& lower_bound) {
  Walker w(pages, on_entry, on_loss, on_page, kind, lower_bound);
  return w.Run(root);
}

}  // namespace ringkv
