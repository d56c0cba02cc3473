#include "engine/btree.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/key_order.h"

namespace ringkv {
namespace {

// Trees deeper than this are corrupt (a cycle): 4 KiB pages reach billions of keys by 6 levels.
constexpr size_t kMaxDepth = 32;

// The first slot in [lo, hi) whose hint satisfies `pred` (false, then true, in slot order), or hi.
template <typename Pred>
uint32_t FirstSlotWhere(const NodeView& node, uint32_t lo, uint32_t hi, Pred pred) {
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (pred(node.hint(mid))) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// Index of the first entry of a leaf whose key is >= target; or, for an internal node, the
// child to follow (number of separators <= target).
absl::StatusOr<uint32_t> Search(TreePageReader& pages, const NodeView& node,
                                std::string_view target, std::string* scratch) {
  const bool leaf = node.kind() == TreePageKind::kLeaf;
  uint32_t lo = 0;
  uint32_t hi = leaf ? node.count() : node.count() - 1;
  if (node.has_hints() && lo < hi) {
    node.PrefetchSlots(hi);
    // Every key starts with the node's prefix: a target that does not is before or after all.
    const std::string_view prefix = node.prefix();
    int c = std::memcmp(target.data(), prefix.data(), std::min(target.size(), prefix.size()));
    if (c == 0 && target.size() < prefix.size()) c = -1;
    if (c != 0) return c < 0 ? lo : hi;
    // Keys with a smaller hint are smaller than the target, those with a larger one larger:
    // only the entries with an equal hint (usually one or none) need their keys compared.
    const uint32_t h = KeyHint(target, prefix.size());
    lo = FirstSlotWhere(node, lo, hi, [h](uint32_t hint) { return hint >= h; });
    hi = FirstSlotWhere(node, lo, hi, [h](uint32_t hint) { return hint > h; });
  }
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (mid + 1 < hi) node.PrefetchEntry(mid + 1 + (hi - mid - 1) / 2);
    if (lo < mid) node.PrefetchEntry(lo + (mid - lo) / 2);
    std::string_view k;
    if (!node.InlineKey(mid, &k)) {
      // An overflow key, or a corrupt entry (Entry says which).
      absl::StatusOr<RawEntry> e = node.Entry(mid);
      if (!e.ok()) return e.status();
      absl::StatusOr<std::string_view> full = EntryKey(pages, *e, scratch);
      if (!full.ok()) return full.status();
      k = *full;
    }
    // Leaf: lower_bound (k < target goes right). Internal: upper_bound (k <= target).
    const int c = CompareKeys(k, target);
    if (leaf ? c < 0 : c <= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Child i of an internal node. The empty tree's "no page" there means a damaged node (read as
// the end of the path, it would hide the keys below).
absl::StatusOr<uint64_t> Child(const NodeView& node, uint32_t i) {
  const uint64_t page = node.child(i);
  if (page == kNoPage) {
    return absl::DataLossError(
        absl::StrCat("B+tree page ", node.page_id(), ": child ", i, " is no page"));
  }
  return page;
}

}  // namespace

absl::StatusOr<TreeLookup> BTreeLookup(TreePageReader& pages, uint64_t root,
                                       std::string_view key, std::string* value) {
  std::string scratch;
  uint64_t page = root;
  for (size_t depth = 0; page != kNoPage; ++depth) {
    if (depth > kMaxDepth) return absl::DataLossError("B+tree deeper than 32 levels (a cycle?)");
    absl::StatusOr<PageRef> ref = pages.Read(page);
    if (!ref.ok()) return ref.status();
    absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
    if (!node.ok()) return node.status();
    absl::StatusOr<uint32_t> i = Search(pages, *node, key, &scratch);
    if (!i.ok()) return i.status();
    if (node->kind() == TreePageKind::kInternal) {
      absl::StatusOr<uint64_t> child = Child(*node, *i);
      if (!child.ok()) return child.status();
      page = *child;
      continue;
    }
    if (*i == node->count()) return TreeLookup::kAbsent;
    absl::StatusOr<RawEntry> e = node->Entry(*i);
    if (!e.ok()) return e.status();
    absl::StatusOr<std::string_view> k = EntryKey(pages, *e, &scratch);
    if (!k.ok()) return k.status();
    if (*k != key) return TreeLookup::kAbsent;
    if (e->tombstone()) return TreeLookup::kDeleted;
    absl::StatusOr<std::string_view> v = EntryValue(pages, *e, &scratch);
    if (!v.ok()) return v.status();
    value->assign(v->data(), v->size());
    return TreeLookup::kFound;
  }
  return TreeLookup::kAbsent;
}

absl::StatusOr<size_t> BTreeHeight(TreePageReader& pages, uint64_t page) {
  for (size_t height = 0; height <= kMaxDepth; ++height) {
    absl::StatusOr<PageRef> ref = pages.Read(page);
    if (!ref.ok()) return ref.status();
    absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
    if (!node.ok()) return node.status();
    if (node->kind() == TreePageKind::kLeaf) return height;
    if (node->count() == 0) {
      return absl::DataLossError(absl::StrCat("B+tree page ", page, " has no child"));
    }
    page = node->child(node->count() - 1);
  }
  return absl::DataLossError("B+tree deeper than 32 levels (a cycle?)");
}

absl::StatusOr<bool> BTreeGet(TreePageReader& pages, uint64_t root, std::string_view key,
                              std::string* value) {
  absl::StatusOr<TreeLookup> r = BTreeLookup(pages, root, key, value);
  if (!r.ok()) return r.status();
  return *r == TreeLookup::kFound;
}

bool BTreeIterator::Fail(absl::Status s) {
  status_ = std::move(s);
  valid_ = false;
  stack_.clear();
  return false;
}

absl::StatusOr<NodeView> BTreeIterator::Load(uint64_t page, PageRef* ref) {
  if (stack_.size() > kMaxDepth) return absl::DataLossError("B+tree deeper than 32 levels");
  absl::StatusOr<PageRef> r = pages_->Read(page);
  if (!r.ok()) return r.status();
  *ref = std::move(*r);
  return NodeView::Parse(*ref);
}

bool BTreeIterator::DescendEdge(uint64_t page, Edge edge) {
  for (;;) {
    Level level;
    absl::StatusOr<NodeView> node = Load(page, &level.page);
    if (!node.ok()) return Fail(node.status());
    level.node = *node;
    const uint32_t n = node->count();
    if (node->kind() == TreePageKind::kLeaf) {
      level.index = edge == Edge::kFirst ? 0 : (n == 0 ? 0 : n - 1);
      stack_.push_back(std::move(level));
      return true;
    }
    level.index = edge == Edge::kFirst ? 0 : n - 1;
    absl::StatusOr<uint64_t> child = Child(*node, level.index);
    if (!child.ok()) return Fail(child.status());
    page = *child;
    stack_.push_back(std::move(level));
  }
}

void BTreeIterator::Settle(bool forward) {
  // Move off exhausted nodes (an empty leaf or an index past the end) in `forward` direction.
  while (!stack_.empty()) {
    Level& leaf = stack_.back();
    if (leaf.node.kind() == TreePageKind::kLeaf && leaf.index < leaf.node.count()) {
      absl::StatusOr<RawEntry> e = leaf.node.Entry(leaf.index);
      if (!e.ok()) {
        Fail(e.status());
        return;
      }
      entry_ = *e;
      absl::StatusOr<std::string_view> k = EntryKey(*pages_, entry_, &key_scratch_);
      if (!k.ok()) {
        Fail(k.status());
        return;
      }
      key_ = *k;
      valid_ = lower_bound_.empty() || key_ >= lower_bound_;
      if (!valid_) stack_.clear();  // only moving backward gets here
      return;
    }
    // Climb to the nearest ancestor with a sibling in that direction, then descend its edge.
    stack_.pop_back();
    while (!stack_.empty()) {
      Level& up = stack_.back();
      if (forward && up.index + 1 < up.node.count()) {
        ++up.index;
        break;
      }
      if (!forward && up.index > 0) {
        --up.index;
        // Every key of child `index` is below the separator after it: at or below the bound,
        // the subtree holds nothing to see and may be freed already.
        if (!lower_bound_.empty()) {
          absl::StatusOr<RawEntry> e = up.node.Entry(up.index);
          if (!e.ok()) {
            Fail(e.status());
            return;
          }
          std::string scratch;
          absl::StatusOr<std::string_view> sep = EntryKey(*pages_, *e, &scratch);
          if (!sep.ok()) {
            Fail(sep.status());
            return;
          }
          if (*sep <= lower_bound_) {
            stack_.clear();
            valid_ = false;
            return;
          }
        }
        break;
      }
      stack_.pop_back();
    }
    if (stack_.empty()) break;
    const Level& up = stack_.back();
    if (!DescendEdge(up.node.child(up.index), forward ? Edge::kFirst : Edge::kLast)) return;
    if (forward) PrefetchFollowingLeaves();
    // A leaf with no entries while going backwards: index 0 is not < count, so loop on.
  }
  valid_ = false;
}

void BTreeIterator::PrefetchFollowingLeaves() {
  if (stack_.size() < 2) return;
  const Level& parent = stack_[stack_.size() - 2];
  const uint64_t parent_page = parent.node.page_id();
  if (parent_page != prefetch_parent_) {
    prefetch_parent_ = parent_page;
    prefetch_end_ = 0;
  }
  const uint32_t from = std::max(parent.index + 1, prefetch_end_);
  if (from >= parent.index + 1 + kPrefetchLeaves / 2 || from >= parent.node.count()) return;
  // Refill the window when half of it is consumed: reads stay ahead of the scan.
  const uint32_t end = std::min(parent.index + 1 + kPrefetchLeaves, parent.node.count());
  uint64_t ids[kPrefetchLeaves];
  uint32_t n = 0;
  for (uint32_t i = from; i < end; ++i) ids[n++] = parent.node.child(i);
  prefetch_end_ = end;
  pages_->Prefetch(absl::Span<const uint64_t>(ids, n));
}

void BTreeIterator::SeekToFirst() {
  if (!lower_bound_.empty()) {
    Seek(lower_bound_);
    return;
  }
  stack_.clear();
  status_ = absl::OkStatus();
  valid_ = false;
  if (root_ == kNoPage) return;
  if (DescendEdge(root_, Edge::kFirst)) Settle(true);
}

void BTreeIterator::SeekToLast() {
  stack_.clear();
  status_ = absl::OkStatus();
  valid_ = false;
  if (root_ == kNoPage) return;
  if (DescendEdge(root_, Edge::kLast)) Settle(false);
}

void BTreeIterator::Seek(std::string_view target) {
  if (!lower_bound_.empty() && target < lower_bound_) target = lower_bound_;
  stack_.clear();
  status_ = absl::OkStatus();
  valid_ = false;
  std::string scratch;
  for (uint64_t page = root_; page != kNoPage;) {
    Level level;
    absl::StatusOr<NodeView> node = Load(page, &level.page);
    if (!node.ok()) {
      Fail(node.status());
      return;
    }
    level.node = *node;
    absl::StatusOr<uint32_t> i = Search(*pages_, *node, target, &scratch);
    if (!i.ok()) {
      Fail(i.status());
      return;
    }
    level.index = *i;
    const bool leaf = node->kind() == TreePageKind::kLeaf;
    stack_.push_back(std::move(level));
    if (leaf) break;
    absl::StatusOr<uint64_t> child = Child(*node, *i);
    if (!child.ok()) {
      Fail(child.status());
      return;
    }
    page = *child;
  }
  Settle(true);
}

void BTreeIterator::SeekForPrev(std::string_view target) {
  if (!lower_bound_.empty() && target < lower_bound_) {
    stack_.clear();
    status_ = absl::OkStatus();
    valid_ = false;
    return;
  }
  Seek(target);
  if (!status_.ok()) return;
  if (!valid_) {
    SeekToLast();
    return;
  }
  if (key_ != target) Prev();
}

void BTreeIterator::Next() {
  if (!valid_) return;
  ++stack_.back().index;
  Settle(true);
}

void BTreeIterator::Prev() {
  if (!valid_) return;
  Level& leaf = stack_.back();
  if (leaf.index > 0) {
    --leaf.index;
    Settle(false);
    return;
  }
  // Index 0: make it "exhausted backwards" by pointing past the end, then climb.
  leaf.index = leaf.node.count();
  Settle(false);
}

absl::StatusOr<std::string_view> BTreeIterator::value() {
  if (!valid_) return absl::FailedPreconditionError("iterator is not positioned on an entry");
  return EntryValue(*pages_, entry_, &value_scratch_);
}

}  // namespace ringkv
