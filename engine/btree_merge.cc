#include "engine/btree_merge.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "engine/btree_node.h"
#include "base/check.h"

namespace ringkv {
namespace {

constexpr size_t kMaxDepth = 32;
// Pending entries worth this many leaves are written out while a leaf range is merged.
constexpr size_t kEagerFlushPages = 8;
// How far ahead of the change being merged its key and value are asked for. The changes point
// into a memtable far larger than the CPU cache, in key order, which is random arena order:
// each one read unannounced was a cache miss or two (docs/performance.md, engine section).
constexpr size_t kPrefetchChanges = 8;

// Always inlined: GCC finds a function of prefetches alone pure, and drops calls to it.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void PrefetchChange(const TreeChange& c) {
  __builtin_prefetch(c.key.data());
  // A short value's lines; a long one is copied as a stream, which the hardware prefetches.
  for (size_t off = 0; off < std::min<size_t>(c.value.size(), 256); off += 64) {
    __builtin_prefetch(c.value.data() + off);
  }
}

// A leaf of the old tree and the lower bound of its key range (the separator before it).
struct LeafSlot {
  uint64_t page = kNoPage;
  std::string lo;
  bool has_lo = false;
};

// A leaf of the new tree and its lower bound, for building the internal levels.
struct OutNode {
  uint64_t page = kNoPage;
  std::string sep;
  bool has_sep = false;
};

// An entry waiting to be packed into a new leaf: its key and its encoding, both in the
// Merger's pending_bytes_ (one buffer for all, not two strings per entry: a checkpoint packs
// hundreds of thousands of entries, and their allocations were a third of its CPU time).
struct Pending {
  size_t key_offset;
  size_t key_len;
  size_t encoded_offset;
  size_t encoded_len;
};

// The shortest s with a < s <= b (a < b): b cut just past their common prefix.
std::string ShortestSeparator(std::string_view a, std::string_view b) {
  size_t p = 0;
  while (p < a.size() && p < b.size() && a[p] == b[p]) ++p;
  return std::string(b.substr(0, p + 1));
}

class Merger {
 public:
  Merger(TreePageReader& reader, TreePageWriter& writer, bool keep_deletes)
      : reader_(reader), writer_(writer), payload_(writer.payload_size()),
        keep_deletes_(keep_deletes) {}

  absl::StatusOr<TreeMergeStats> Run(uint64_t old_root, absl::Span<const TreeChange> changes) {
    std::vector<OutNode> top;
    if (old_root == kNoPage) {
      absl::Status s = MergeLeafRange({LeafSlot{}}, changes, &top);  // one range, every key
      if (!s.ok()) return s;
    } else {
      absl::StatusOr<size_t> height = Height(old_root);
      if (!height.ok()) return height.status();
      absl::Status s = MergeSubtree(old_root, "", false, *height, changes, &top);
      if (!s.ok()) return s;
    }
    absl::StatusOr<uint64_t> root = BuildRoot(std::move(top));
    if (!root.ok()) return root.status();
    stats_.root = *root;
    return stats_;
  }

 private:
  // Levels above the leaves, along the leftmost path (every leaf is at the same depth).
  absl::StatusOr<size_t> Height(uint64_t page) {
    for (size_t height = 0; height <= kMaxDepth; ++height) {
      absl::StatusOr<NodeView> node = ReadNode(page);
      if (!node.ok()) return node.status();
      if (node->kind() == TreePageKind::kLeaf) return height;
      if (node->count() == 0) {
        return absl::DataLossError(absl::StrCat("B+tree internal page ", page, " has no child"));
      }
      page = node->child(0);
    }
    return absl::DataLossError("B+tree deeper than 32 levels (a cycle?)");
  }

  // Parses `page`; its bytes stay valid until the next ReadNode.
  absl::StatusOr<NodeView> ReadNode(uint64_t page) {
    absl::StatusOr<PageRef> ref = reader_.Read(page);
    if (!ref.ok()) return ref.status();
    held_ = std::move(*ref);
    return NodeView::Parse(held_);
  }

  // Merges `changes` (all within the subtree's key range, which starts at `lo`) into the subtree
  // at `page`, `height` levels above the leaves, and appends the nodes that replace it, on the
  // same level, to `out`. Only the paths to the leaves the changes touch are rewritten: a child
  // no change reaches is kept, page and all.
  absl::Status MergeSubtree(uint64_t page, const std::string& lo, bool has_lo, size_t height,
                            absl::Span<const TreeChange> changes, std::vector<OutNode>* out) {
    if (changes.empty()) {
      out->push_back(OutNode{page, lo, has_lo});
      return absl::OkStatus();
    }
    if (height == 0) return MergeLeafRange({LeafSlot{page, lo, has_lo}}, changes, out);
    std::vector<LeafSlot> children;
    absl::Status s = ReadChildren(page, lo, has_lo, &children);
    if (!s.ok()) return s;
    std::vector<OutNode> replaced;  // this node's new children
    if (height == 1) {
      s = MergeLeafRange(children, changes, &replaced);
      if (!s.ok()) return s;
    } else {
      size_t ci = 0;
      for (size_t i = 0; i < children.size(); ++i) {
        size_t cj = ci;
        while (cj < changes.size() &&
               (i + 1 == children.size() || changes[cj].key < children[i + 1].lo)) {
          ++cj;
        }
        s = MergeSubtree(children[i].page, children[i].lo, children[i].has_lo, height - 1,
                         changes.subspan(ci, cj - ci), &replaced);
        if (!s.ok()) return s;
        ci = cj;
      }
      RINGKV_CHECK(ci == changes.size());
    }
    if (replaced.empty()) return absl::OkStatus();  // every key of the subtree was deleted
    // The first new node covers the range from `lo` on, whatever its first key: keys between
    // the two do not exist.
    replaced.front().sep = lo;
    replaced.front().has_sep = has_lo;
    return BuildLevel(replaced, out);
  }

  // The children of internal page `page` with their lower bounds. Frees the page and its
  // separators' overflow chains: the node is rewritten.
  absl::Status ReadChildren(uint64_t page, const std::string& lo, bool has_lo,
                            std::vector<LeafSlot>* children) {
    absl::StatusOr<NodeView> node = ReadNode(page);
    if (!node.ok()) return node.status();
    if (node->kind() != TreePageKind::kInternal) {
      return absl::DataLossError(absl::StrCat("B+tree page ", page, " should be internal"));
    }
    const PageRef ref = held_;  // EntryKey may read overflow pages; keep this node's bytes
    children->reserve(node->count());
    for (uint32_t i = 0; i < node->count(); ++i) {
      LeafSlot child{node->child(i), lo, has_lo};
      if (child.page == kNoPage) {
        return absl::DataLossError(
            absl::StrCat("B+tree internal page ", page, " child ", i, " is no page"));
      }
      if (i > 0) {
        absl::StatusOr<RawEntry> e = node->Entry(i - 1);
        if (!e.ok()) return e.status();
        std::string scratch;
        absl::StatusOr<std::string_view> k = EntryKey(reader_, *e, &scratch);
        if (!k.ok()) return k.status();
        child.lo = std::string(*k);
        child.has_lo = true;
        if (e->key_overflow()) {
          absl::Status s = FreeChain(e->key_page());
          if (!s.ok()) return s;
        }
      }
      children->push_back(std::move(child));
    }
    Free(page);
    return absl::OkStatus();
  }

  // Merges `changes` into the consecutive leaves `leaves` (a kNoPage leaf: an empty range) and
  // appends the leaves that replace them to `out`.
  absl::Status MergeLeafRange(const std::vector<LeafSlot>& leaves,
                              absl::Span<const TreeChange> changes, std::vector<OutNode>* out) {
    RINGKV_CHECK(pending_.empty());
    RINGKV_CHECK(out_.empty());
    size_t ci = 0;
    for (size_t i = 0; i < leaves.size(); ++i) {
      const bool last = i + 1 == leaves.size();
      size_t cj = ci;
      while (cj < changes.size() && (last || changes[cj].key < leaves[i + 1].lo)) ++cj;
      if (cj == ci && pending_.empty() && leaves[i].page != kNoPage) {
        out_.push_back(OutNode{leaves[i].page, leaves[i].lo, leaves[i].has_lo});
        ++stats_.leaves_kept;
        continue;
      }
      if (pending_.empty()) {
        pending_lo_ = leaves[i].lo;
        pending_has_lo_ = leaves[i].has_lo;
      }
      absl::Status s = MergeLeaf(leaves[i].page, changes.subspan(ci), cj - ci);
      if (!s.ok()) return s;
      ci = cj;
      // While the next leaf is rewritten anyway, its entries join the same run of pending
      // entries, so the run is packed into full leaves (a leaf written at each old leaf's end
      // left a part-filled leaf behind every touched one). Before an untouched leaf the run
      // ends; a small rest is merged into that leaf rather than left a small page.
      const bool next_touched =
          !last && ci < changes.size() &&
          (i + 2 == leaves.size() || changes[ci].key < leaves[i + 2].lo);
      if (last || (!next_touched && pending_payload_ >= payload_ / 4)) {
        s = FlushPending();
        if (!s.ok()) return s;
      }
    }
    RINGKV_CHECK(ci == changes.size());
    RINGKV_CHECK(pending_.empty());
    out->insert(out->end(), std::make_move_iterator(out_.begin()),
                std::make_move_iterator(out_.end()));
    out_.clear();
    return absl::OkStatus();
  }

  void Free(uint64_t page) {
    writer_.Free(page);
    ++stats_.pages_freed;
  }

  absl::Status FreeChain(uint64_t first) {
    std::vector<uint64_t> pages;
    absl::Status s = CollectOverflowPages(reader_, first, &pages);
    if (!s.ok()) return s;
    for (uint64_t p : pages) Free(p);
    return absl::OkStatus();
  }

  absl::Status FreeEntryChains(const RawEntry& e) {
    if (e.key_overflow()) {
      absl::Status s = FreeChain(e.key_page());
      if (!s.ok()) return s;
    }
    if (e.value_overflow()) return FreeChain(e.value_page());
    return absl::OkStatus();
  }

  // Queues an entry whose encoding `encode` appends to pending_bytes_.
  template <typename Encode>
  void AddPending(std::string_view key, Encode encode) {
    Pending p;
    p.key_offset = pending_bytes_.size();
    p.key_len = key.size();
    pending_bytes_.append(key);
    p.encoded_offset = pending_bytes_.size();
    encode(&pending_bytes_);
    p.encoded_len = pending_bytes_.size() - p.encoded_offset;
    pending_payload_ += NodeBytes(p);
    pending_.push_back(p);
  }
  // What an entry takes in a node: its encoding and its slot.
  static size_t NodeBytes(const Pending& p) { return p.encoded_len + kSlotBytes; }
  std::string_view PendingKey(const Pending& p) const {
    return std::string_view(pending_bytes_).substr(p.key_offset, p.key_len);
  }
  std::string_view PendingEncoded(const Pending& p) const {
    return std::string_view(pending_bytes_).substr(p.encoded_offset, p.encoded_len);
  }

  absl::Status AddPut(const TreeChange& c) {
    uint8_t flags = 0;
    std::string_view key_part = c.key;
    std::string_view value_part = c.value;
    char key_id[8], value_id[8];  // an overflow chain's first page instead
    if (c.key.size() > MaxInlineKey(payload_)) {
      absl::StatusOr<uint64_t> first = WriteChain(c.key);
      if (!first.ok()) return first.status();
      flags |= kKeyOverflow;
      key_part = PageIdBytes(*first, key_id);
    }
    if (c.value.size() > MaxInlineValue(payload_)) {
      absl::StatusOr<uint64_t> first = WriteChain(c.value);
      if (!first.ok()) return first.status();
      flags |= kValueOverflow;
      value_part = PageIdBytes(*first, value_id);
    }
    AddPending(c.key, [&](std::string* out) {
      EncodeEntry(out, flags, static_cast<uint32_t>(c.key.size()),
                  static_cast<uint32_t>(c.value.size()), key_part, value_part, true);
    });
    return absl::OkStatus();
  }

  absl::Status AddTombstone(const TreeChange& c) {
    uint8_t flags = kTombstone;
    std::string_view key_part = c.key;
    char key_id[8];
    if (c.key.size() > MaxInlineKey(payload_)) {
      absl::StatusOr<uint64_t> first = WriteChain(c.key);
      if (!first.ok()) return first.status();
      flags |= kKeyOverflow;
      key_part = PageIdBytes(*first, key_id);
    }
    AddPending(c.key, [&](std::string* out) {
      EncodeEntry(out, flags, static_cast<uint32_t>(c.key.size()), 0, key_part, "", true);
    });
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> WriteChain(std::string_view bytes) {
    stats_.pages_written += OverflowChainPages(payload_, bytes.size());
    return WriteOverflow(writer_, bytes);
  }

  static std::string_view PageIdBytes(uint64_t id, char (&bytes)[8]) {
    std::memcpy(bytes, &id, 8);
    return std::string_view(bytes, 8);
  }

  // Merges the old leaf's entries (if any) with the first `count` of `rest` into pending_, and
  // frees the leaf. The changes after those are prefetched too: the next leaf takes them.
  absl::Status MergeLeaf(uint64_t page, absl::Span<const TreeChange> rest, size_t count) {
    const absl::Span<const TreeChange> changes = rest.first(count);
    PageRef ref;
    NodeView node;
    uint32_t n = 0;
    if (page != kNoPage) {
      absl::StatusOr<PageRef> r = reader_.Read(page);
      if (!r.ok()) return r.status();
      ref = std::move(*r);
      absl::StatusOr<NodeView> v = NodeView::Parse(ref);
      if (!v.ok()) return v.status();
      if (v->kind() != TreePageKind::kLeaf) {
        return absl::DataLossError(absl::StrCat("B+tree page ", page, " should be a leaf"));
      }
      node = *v;
      n = node.count();
      ++stats_.leaves_rewritten;
    }
    uint32_t i = 0;
    size_t c = 0;
    std::string scratch;
    while (i < n || c < changes.size()) {
      // A leaf range that takes many changes (all of them, into an empty tree) would hold
      // every one pending: write the leaves that are settled as it goes.
      if (pending_payload_ >= kEagerFlushPages * payload_) {
        absl::Status s = FlushPending(/*keep_tail=*/true);
        if (!s.ok()) return s;
      }
      if (c + kPrefetchChanges < rest.size()) PrefetchChange(rest[c + kPrefetchChanges]);
      RawEntry e;
      std::string_view old_key;
      if (i < n) {
        absl::StatusOr<RawEntry> re = node.Entry(i);
        if (!re.ok()) return re.status();
        e = *re;
        absl::StatusOr<std::string_view> k = EntryKey(reader_, e, &scratch);
        if (!k.ok()) return k.status();
        old_key = *k;
      }
      const int order = i >= n ? 1 : c >= changes.size() ? -1 : old_key.compare(changes[c].key);
      if (order < 0) {
        // Unchanged: copied verbatim.
        AddPending(old_key, [&](std::string* out) { out->append(e.bytes); });
        ++i;
        continue;
      }
      if (order == 0) {
        absl::Status s = FreeEntryChains(e);  // overwritten or deleted
        if (!s.ok()) return s;
        ++i;
      }
      if (!changes[c].deleted) {
        absl::Status s = AddPut(changes[c]);
        if (!s.ok()) return s;
      } else if (keep_deletes_) {
        absl::Status s = AddTombstone(changes[c]);
        if (!s.ok()) return s;
      }
      ++c;
    }
    if (page != kNoPage) Free(page);
    return absl::OkStatus();
  }

  // Packs pending_ into leaves, each as full as it goes, except that the last two share what
  // is left evenly (so no leaf ends up nearly empty). With keep_tail, stops at a leaf boundary
  // once less than two leaves' worth is left, and keeps that rest pending (it may still merge
  // with what follows).
  absl::Status FlushPending(bool keep_tail = false) {
    NodeBuilder leaf(TreePageKind::kLeaf, payload_);
    std::string sep = pending_lo_;
    bool has_sep = pending_has_lo_;
    std::string_view prev_last;
    size_t leaf_begin = 0;               // pending_ index of the leaf's first entry
    size_t left = pending_payload_;      // node bytes of the entries from leaf_begin on
    size_t leaf_bytes = 0;               // ... of those in `leaf`
    size_t target = LeafTarget(left, keep_tail);
    for (size_t i = 0; i < pending_.size(); ++i) {
      const std::string_view key = PendingKey(pending_[i]);
      const std::string_view encoded = PendingEncoded(pending_[i]);
      if (!leaf.empty() &&
          (!leaf.Fits(encoded.size()) || leaf_bytes + NodeBytes(pending_[i]) > target)) {
        absl::Status s = WriteNode(leaf, TreePageKind::kLeaf, sep, has_sep, &out_);
        if (!s.ok()) return s;
        leaf.Reset();
        sep = ShortestSeparator(prev_last, key);
        has_sep = true;
        leaf_begin = i;
        left -= leaf_bytes;
        leaf_bytes = 0;
        if (keep_tail && left < 2 * payload_) {
          KeepPendingFrom(leaf_begin, sep, has_sep);
          return absl::OkStatus();
        }
        target = LeafTarget(left, keep_tail);
      }
      RINGKV_CHECK(leaf.Fits(encoded.size()));  // inline limits guarantee one entry fits
      leaf.AddEntry(encoded, key);
      leaf_bytes += NodeBytes(pending_[i]);
      prev_last = key;
    }
    if (keep_tail) {
      KeepPendingFrom(leaf_begin, sep, has_sep);
      return absl::OkStatus();
    }
    if (!leaf.empty()) {
      absl::Status s = WriteNode(leaf, TreePageKind::kLeaf, sep, has_sep, &out_);
      if (!s.ok()) return s;
    }
    pending_.clear();
    pending_bytes_.clear();
    pending_payload_ = 0;
    return absl::OkStatus();
  }

  // How many node bytes the next leaf takes when `left` are still to be packed: a full leaf,
  // or half of what is left once that is between one and two leaves (the last two balanced).
  size_t LeafTarget(size_t left, bool keep_tail) const {
    if (keep_tail || left <= payload_ || left >= 2 * payload_) return payload_;
    return left / 2;
  }

  // Drops pending_'s entries before `first` (written out); the rest starts a leaf whose lower
  // bound is `sep`.
  void KeepPendingFrom(size_t first, const std::string& sep, bool has_sep) {
    if (first == 0) return;
    const size_t shift = pending_[first].key_offset;
    pending_bytes_.erase(0, shift);
    pending_.erase(pending_.begin(), pending_.begin() + first);
    pending_payload_ = 0;
    for (Pending& p : pending_) {
      p.key_offset -= shift;
      p.encoded_offset -= shift;
      pending_payload_ += NodeBytes(p);
    }
    pending_lo_ = sep;
    pending_has_lo_ = has_sep;
  }

  // Writes a finished node to a new page and records it (with its lower bound) in `level`.
  absl::Status WriteNode(const NodeBuilder& node, TreePageKind kind, const std::string& sep,
                         bool has_sep, std::vector<OutNode>* level) {
    absl::StatusOr<uint64_t> id = writer_.Allocate();
    if (!id.ok()) return id.status();
    const std::string payload = node.Finish();
    absl::Status s = writer_.Write(
        *id, kind,
        absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
    if (!s.ok()) return s;
    ++stats_.pages_written;
    level->push_back(OutNode{*id, sep, has_sep});
    return absl::OkStatus();
  }

  // Packs `children` (in key order, each but the first with its lower bound) into internal
  // nodes, each as full as it goes, and appends them to `out`, one level up.
  absl::Status BuildLevel(const std::vector<OutNode>& children, std::vector<OutNode>* out) {
    RINGKV_CHECK(!children.empty());
    NodeBuilder node(TreePageKind::kInternal, payload_);
    OutNode first;
    for (const OutNode& child : children) {
      if (node.empty()) {
        first = child;
        node.AddChild(child.page);
        continue;
      }
      RINGKV_CHECK(child.has_sep);
      const bool overflow = child.sep.size() > MaxInlineKey(payload_);
      std::string encoded;
      // Size first (an overflow separator is an 8-byte page id), write a chain only once the
      // separator is known to go into this node.
      EncodeEntry(&encoded, overflow ? kKeyOverflow : 0, static_cast<uint32_t>(child.sep.size()),
                  0, overflow ? std::string_view("\0\0\0\0\0\0\0\0", 8) : child.sep, "", false);
      if (!node.Fits(encoded.size())) {
        absl::Status s = WriteNode(node, TreePageKind::kInternal, first.sep, first.has_sep, out);
        if (!s.ok()) return s;
        node.Reset();
        first = child;
        node.AddChild(child.page);
        continue;
      }
      if (overflow) {
        absl::StatusOr<uint64_t> chain = WriteChain(child.sep);
        if (!chain.ok()) return chain.status();
        encoded.clear();
        char id[8];
        EncodeEntry(&encoded, kKeyOverflow, static_cast<uint32_t>(child.sep.size()), 0,
                    PageIdBytes(*chain, id), "", false);
      }
      node.AddEntry(encoded, child.sep);
      node.AddChild(child.page);
    }
    return WriteNode(node, TreePageKind::kInternal, first.sep, first.has_sep, out);
  }

  // Adds levels above `level` until one node is left: the root (kNoPage for an empty tree).
  absl::StatusOr<uint64_t> BuildRoot(std::vector<OutNode> level) {
    if (level.empty()) return kNoPage;
    while (level.size() > 1) {
      std::vector<OutNode> next;
      absl::Status s = BuildLevel(level, &next);
      if (!s.ok()) return s;
      RINGKV_CHECK(next.size() < level.size());
      level = std::move(next);
    }
    return level[0].page;
  }

  TreePageReader& reader_;
  TreePageWriter& writer_;
  const size_t payload_;
  const bool keep_deletes_;  // building a sorted run: deletions become tombstone entries
  TreeMergeStats stats_;
  std::vector<OutNode> out_;  // leaves written by the leaf range being merged
  PageRef held_;              // the node ReadNode parsed last
  std::vector<Pending> pending_;
  std::string pending_bytes_;   // the pending entries' keys and encodings
  size_t pending_payload_ = 0;  // bytes they take in a node
  std::string pending_lo_;
  bool pending_has_lo_ = false;
};

}  // namespace

absl::StatusOr<TreeMergeStats> MergeIntoTree(TreePageReader& reader, uint64_t old_root,
                                             absl::Span<const TreeChange> changes,
                                             TreePageWriter& writer) {
  Merger m(reader, writer, /*keep_deletes=*/false);
  return m.Run(old_root, changes);
}

absl::StatusOr<TreeMergeStats> BuildRunTree(TreePageReader& reader,
                                            absl::Span<const TreeChange> changes,
                                            TreePageWriter& writer) {
  Merger m(reader, writer, /*keep_deletes=*/true);
  return m.Run(kNoPage, changes);
}

}  // namespace ringkv
