#include "engine/btree_merge.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/btree_node.h"
#include "uring/check.h"

namespace ringkv {
namespace {

constexpr size_t kMaxDepth = 32;

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

// An entry waiting to be packed into a new leaf.
struct Pending {
  std::string key;
  std::string encoded;
};

// The shortest s with a < s <= b (a < b): b cut just past their common prefix.
std::string ShortestSeparator(std::string_view a, std::string_view b) {
  size_t p = 0;
  while (p < a.size() && p < b.size() && a[p] == b[p]) ++p;
  return std::string(b.substr(0, p + 1));
}

class Merger {
 public:
  Merger(TreePageReader& reader, TreePageWriter& writer)
      : reader_(reader), writer_(writer), payload_(writer.payload_size()) {}

  absl::StatusOr<TreeMergeStats> Run(uint64_t old_root, absl::Span<const TreeChange> changes) {
    std::vector<LeafSlot> leaves;
    if (old_root != kNoPage) {
      absl::Status s = CollectLeaves(old_root, "", false, 0, &leaves);
      if (!s.ok()) return s;
    }
    if (leaves.empty()) leaves.push_back(LeafSlot{});  // one range covering every key
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
      absl::Status s = MergeLeaf(leaves[i].page, changes.subspan(ci, cj - ci));
      if (!s.ok()) return s;
      ci = cj;
      // An underfull result is merged with the next leaf rather than left a small page.
      if (last || pending_bytes_ >= payload_ / 4) {
        s = FlushPending();
        if (!s.ok()) return s;
      }
    }
    RINGKV_CHECK(ci == changes.size());
    absl::StatusOr<uint64_t> root = BuildInternalLevels();
    if (!root.ok()) return root.status();
    stats_.root = *root;
    return stats_;
  }

 private:
  absl::Status CollectLeaves(uint64_t page, const std::string& lo, bool has_lo, size_t depth,
                             std::vector<LeafSlot>* leaves) {
    if (depth > kMaxDepth) return absl::DataLossError("B+tree deeper than 32 levels (a cycle?)");
    absl::StatusOr<PageRef> ref = reader_.Read(page);
    if (!ref.ok()) return ref.status();
    absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
    if (!node.ok()) return node.status();
    if (node->kind() == TreePageKind::kLeaf) {
      leaves->push_back(LeafSlot{page, lo, has_lo});
      return absl::OkStatus();
    }
    // Internal pages are all rebuilt, so every one of them (and its separators' chains) goes.
    Free(page);
    for (uint32_t i = 0; i < node->count(); ++i) {
      std::string child_lo = lo;
      bool child_has_lo = has_lo;
      if (i > 0) {
        absl::StatusOr<RawEntry> e = node->Entry(i - 1);
        if (!e.ok()) return e.status();
        std::string scratch;
        absl::StatusOr<std::string_view> k = EntryKey(reader_, *e, &scratch);
        if (!k.ok()) return k.status();
        child_lo = std::string(*k);
        child_has_lo = true;
        if (e->key_overflow()) {
          absl::Status s = FreeChain(e->key_page());
          if (!s.ok()) return s;
        }
      }
      absl::Status s = CollectLeaves(node->child(i), child_lo, child_has_lo, depth + 1, leaves);
      if (!s.ok()) return s;
    }
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

  void AddPending(std::string key, std::string encoded) {
    pending_bytes_ += encoded.size() + 2;
    pending_.push_back(Pending{std::move(key), std::move(encoded)});
  }

  absl::Status AddPut(const TreeChange& c) {
    uint8_t flags = 0;
    std::string key_part(c.key);
    std::string value_part(c.value);
    if (c.key.size() > MaxInlineKey(payload_)) {
      absl::StatusOr<uint64_t> first = WriteChain(c.key);
      if (!first.ok()) return first.status();
      flags |= kKeyOverflow;
      key_part = PageIdBytes(*first);
    }
    if (c.value.size() > MaxInlineValue(payload_)) {
      absl::StatusOr<uint64_t> first = WriteChain(c.value);
      if (!first.ok()) return first.status();
      flags |= kValueOverflow;
      value_part = PageIdBytes(*first);
    }
    std::string encoded;
    EncodeEntry(&encoded, flags, static_cast<uint32_t>(c.key.size()),
                static_cast<uint32_t>(c.value.size()), key_part, value_part, true);
    AddPending(std::string(c.key), std::move(encoded));
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> WriteChain(std::string_view bytes) {
    const size_t per_page = payload_ - kOverflowHeaderBytes;
    stats_.pages_written += std::max<size_t>(1, (bytes.size() + per_page - 1) / per_page);
    return WriteOverflow(writer_, bytes);
  }

  static std::string PageIdBytes(uint64_t id) {
    std::string s(8, '\0');
    std::memcpy(s.data(), &id, 8);
    return s;
  }

  // Merges the old leaf's entries (if any) with `changes` into pending_, and frees the leaf.
  absl::Status MergeLeaf(uint64_t page, absl::Span<const TreeChange> changes) {
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
        AddPending(std::string(old_key), std::string(e.bytes));  // unchanged: copied verbatim
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
      }
      ++c;
    }
    if (page != kNoPage) Free(page);
    return absl::OkStatus();
  }

  absl::Status FlushPending() {
    NodeBuilder leaf(TreePageKind::kLeaf, payload_);
    std::string sep = pending_lo_;
    bool has_sep = pending_has_lo_;
    std::string_view prev_last;
    for (size_t i = 0; i < pending_.size(); ++i) {
      const Pending& p = pending_[i];
      if (!leaf.empty() && !leaf.Fits(p.encoded.size())) {
        absl::Status s = WriteNode(leaf, TreePageKind::kLeaf, sep, has_sep, &out_);
        if (!s.ok()) return s;
        leaf.Reset();
        sep = ShortestSeparator(prev_last, p.key);
        has_sep = true;
      }
      RINGKV_CHECK(leaf.Fits(p.encoded.size()));  // inline limits guarantee one entry fits
      leaf.AddEntry(p.encoded);
      prev_last = p.key;
    }
    if (!leaf.empty()) {
      absl::Status s = WriteNode(leaf, TreePageKind::kLeaf, sep, has_sep, &out_);
      if (!s.ok()) return s;
    }
    pending_.clear();
    pending_bytes_ = 0;
    return absl::OkStatus();
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

  absl::StatusOr<uint64_t> BuildInternalLevels() {
    std::vector<OutNode> level = std::move(out_);
    if (level.empty()) return kNoPage;
    while (level.size() > 1) {
      std::vector<OutNode> next;
      NodeBuilder node(TreePageKind::kInternal, payload_);
      OutNode first;
      for (size_t i = 0; i < level.size(); ++i) {
        const OutNode& child = level[i];
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
                    0, overflow ? std::string(8, '\0') : child.sep, "", false);
        if (!node.Fits(encoded.size())) {
          absl::Status s = WriteNode(node, TreePageKind::kInternal, first.sep, first.has_sep, &next);
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
          EncodeEntry(&encoded, kKeyOverflow, static_cast<uint32_t>(child.sep.size()), 0,
                      PageIdBytes(*chain), "", false);
        }
        node.AddEntry(encoded);
        node.AddChild(child.page);
      }
      absl::Status s = WriteNode(node, TreePageKind::kInternal, first.sep, first.has_sep, &next);
      if (!s.ok()) return s;
      level = std::move(next);
    }
    return level[0].page;
  }

  TreePageReader& reader_;
  TreePageWriter& writer_;
  const size_t payload_;
  TreeMergeStats stats_;
  std::vector<OutNode> out_;
  std::vector<Pending> pending_;
  size_t pending_bytes_ = 0;
  std::string pending_lo_;
  bool pending_has_lo_ = false;
};

}  // namespace

absl::StatusOr<TreeMergeStats> MergeIntoTree(TreePageReader& reader, uint64_t old_root,
                                             absl::Span<const TreeChange> changes,
                                             TreePageWriter& writer) {
  Merger m(reader, writer);
  return m.Run(old_root, changes);
}

}  // namespace ringkv
