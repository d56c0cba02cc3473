#include "engine/sorted_run.h"

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/coding.h"
#include "engine/btree.h"
#include "engine/btree_node.h"
#include "engine/sorted_run_format.h"

namespace ringkv {
namespace {


// What the decoder refuses, the encoder asserts.
bool RunIsWellFormed(const SortedRun& r) {
  return r.filter != kNoPage && r.filter_bytes >= kRunFilterHeaderBytes && r.pages >= 1 &&
         (r.root == kNoPage) == (r.entries == 0) && r.replaced <= r.entries &&
         (r.replaced == 0) == (r.replaced_bytes == 0);
}

// The overflow chains of a node's entries (a leaf's keys and values, an internal node's
// separators).
absl::Status CollectEntryChains(TreePageReader& reader, const NodeView& node,
                                std::vector<uint64_t>* pages) {
  const bool leaf = node.kind() == TreePageKind::kLeaf;
  const uint32_t entries = leaf ? node.count() : node.count() - 1;
  for (uint32_t i = 0; i < entries; ++i) {
    absl::StatusOr<RawEntry> e = node.Entry(i);
    if (!e.ok()) return e.status();
    if (e->key_overflow()) {
      absl::Status s = CollectOverflowPages(reader, e->key_page(), pages);
      if (!s.ok()) return s;
    }
    if (e->value_overflow()) {
      absl::Status s = CollectOverflowPages(reader, e->value_page(), pages);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// The internal pages of the subtree at `page` (and their separators' overflow chains).
absl::Status CollectInternalPages(TreePageReader& reader, uint64_t page, size_t height,
                                  std::vector<uint64_t>* pages) {
  if (height == 0) return absl::OkStatus();
  absl::StatusOr<PageRef> ref = reader.Read(page);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
  if (!node.ok()) return node.status();
  if (node->kind() != TreePageKind::kInternal) {
    return absl::DataLossError(absl::StrCat("sorted run page ", page, " should be internal"));
  }
  pages->push_back(page);
  absl::Status chains = CollectEntryChains(reader, *node, pages);
  if (!chains.ok()) return chains;
  for (uint32_t i = 0; i < node->count(); ++i) {
    absl::Status s = CollectInternalPages(reader, node->child(i), height - 1, pages);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeRunCatalog(const std::vector<SortedRun>& runs) {
  RINGKV_CHECK(runs.size() <= kMaxSortedRuns);
  std::string out;
  PutFixed32(&out, kRunCatalogVersion);
  PutFixed32(&out, static_cast<uint32_t>(runs.size()));
  for (size_t i = 0; i < runs.size(); ++i) {
    const SortedRun& r = runs[i];
    RINGKV_CHECK(RunIsWellFormed(r));
    RINGKV_CHECK(i == 0 || runs[i - 1].id > r.id);  // newest first
    PutFixed64(&out, r.root);
    PutFixed64(&out, r.filter);
    PutFixed32(&out, r.filter_bytes);
    PutFixed32(&out, r.has_overflow ? kRunHasOverflow : 0);
    PutFixed64(&out, r.entries);
    PutFixed64(&out, r.pages);
    PutFixed64(&out, r.id);
    PutFixed64(&out, r.replaced);
    PutFixed64(&out, r.replaced_bytes);
    RINGKV_CHECK(r.merged_below.size() <= kMaxRunBoundBytes);
    PutFixed32(&out, static_cast<uint32_t>(r.merged_below.size()));
    out.append(r.merged_below);
  }
  return out;
}

uint64_t RunPages(const std::vector<SortedRunRef>& runs) {
  uint64_t pages = 0;
  for (const SortedRunRef& r : runs) pages += r.run.pages;
  return pages;
}

uint64_t ReplacedPages(const std::vector<SortedRunRef>& runs, uint64_t page_size) {
  RINGKV_CHECK(page_size > 0);
  uint64_t bytes = 0;
  for (const SortedRunRef& r : runs) bytes += r.run.replaced_bytes;
  return bytes / page_size;
}

uint64_t RunRecordOffset(const std::vector<SortedRun>& runs, size_t i) {
  uint64_t off = kRunCatalogHeaderBytes;
  for (size_t j = 0; j < i; ++j) {
    off += kRunRecordBytes + kRunBoundLengthBytes + runs[j].merged_below.size();
  }
  return off;
}

absl::StatusOr<std::vector<SortedRun>> DecodeRunCatalog(std::string_view b, uint64_t page_count,
                                                        const std::string& where,
                                                        uint64_t* damaged_at) {
  if (damaged_at != nullptr) *damaged_at = 0;
  std::vector<SortedRun> runs;
  if (b.empty()) return runs;  // a store no checkpoint has written runs to
  if (b.size() < kRunCatalogHeaderBytes) {
    return absl::DataLossError(absl::StrCat("sorted-run catalog in ", where, " is truncated: ",
                                            b.size(), " bytes"));
  }
  const uint32_t version = DecodeFixed32(b.data());
  const uint32_t count = DecodeFixed32(b.data() + 4);
  if (version != kRunCatalogVersion) {
    return absl::DataLossError(absl::StrCat("sorted-run catalog in ", where, " has version ",
                                            version, "; this ringkv reads ",
                                            kRunCatalogVersion));
  }
  if (count > kMaxSortedRuns) {
    return absl::DataLossError(absl::StrCat("sorted-run catalog in ", where, " lists ", count,
                                            " runs (at most ", kMaxSortedRuns, ")"));
  }
  size_t off = kRunCatalogHeaderBytes;
  for (uint32_t i = 0; i < count; ++i) {
    const auto damaged = [&](const char* what) {
      if (damaged_at != nullptr) *damaged_at = off;
      return absl::DataLossError(absl::StrCat("sorted-run catalog in ", where, ": run ", i,
                                              " (record at offset ", off, ") ", what));
    };
    if (b.size() - off < kRunRecordBytes + kRunBoundLengthBytes) return damaged("is truncated");
    const char* p = b.data() + off;
    SortedRun r;
    r.root = DecodeFixed64(p);
    r.filter = DecodeFixed64(p + 8);
    r.filter_bytes = DecodeFixed32(p + 16);
    const uint32_t flags = DecodeFixed32(p + 20);
    r.has_overflow = flags & kRunHasOverflow;
    r.entries = DecodeFixed64(p + 24);
    r.pages = DecodeFixed64(p + 32);
    r.id = DecodeFixed64(p + 40);
    r.replaced = DecodeFixed64(p + 48);
    r.replaced_bytes = DecodeFixed64(p + 56);
    const uint32_t bound = DecodeFixed32(p + kRunRecordBytes);
    if (bound > kMaxRunBoundBytes ||
        b.size() - off - kRunRecordBytes - kRunBoundLengthBytes < bound) {
      return damaged("has a bad bound length");
    }
    r.merged_below.assign(p + kRunRecordBytes + kRunBoundLengthBytes, bound);
    const bool pages_ok = (r.root == kNoPage || r.root < page_count) && r.filter < page_count &&
                          r.pages <= page_count;
    if ((flags & ~kRunHasOverflow) != 0 || !RunIsWellFormed(r) || !pages_ok) {
      return damaged("is damaged");
    }
    if (i > 0 && runs.back().id <= r.id) return damaged("is out of order (ids must decrease)");
    runs.push_back(std::move(r));
    off += kRunRecordBytes + kRunBoundLengthBytes + bound;
  }
  if (off != b.size()) {
    if (damaged_at != nullptr) *damaged_at = off;
    return absl::DataLossError(absl::StrCat("sorted-run catalog in ", where, " has ",
                                            b.size() - off, " bytes after its last run"));
  }
  return runs;
}

absl::StatusOr<std::vector<RunLeaf>> ListRunLeaves(TreePageReader& reader,
                                                    const SortedRun& run) {
  std::vector<RunLeaf> leaves;
  if (run.root == kNoPage) return leaves;
  absl::StatusOr<size_t> height = BTreeHeight(reader, run.root);
  if (!height.ok()) return height.status();
  if (*height == 0) {
    leaves.push_back(RunLeaf{run.root, ""});
    return leaves;
  }
  // Depth-first over the internal levels, each child with its lower bound.
  struct Frame {
    uint64_t page;
    size_t height;
    std::string lo;
  };
  std::vector<Frame> todo{{run.root, *height, ""}};
  std::string scratch;
  while (!todo.empty()) {
    Frame f = std::move(todo.back());
    todo.pop_back();
    absl::StatusOr<PageRef> ref = reader.Read(f.page);
    if (!ref.ok()) return ref.status();
    absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
    if (!node.ok()) return node.status();
    if (node->kind() != TreePageKind::kInternal || node->count() == 0) {
      return absl::DataLossError(absl::StrCat("sorted run ", run.id, " page ", f.page,
                                              " should be an internal node"));
    }
    std::vector<Frame> children;
    for (uint32_t i = 0; i < node->count(); ++i) {
      Frame c{node->child(i), f.height - 1, f.lo};
      if (c.page == kNoPage) {
        return absl::DataLossError(absl::StrCat("sorted run page ", f.page, " child ", i,
                                                " is no page"));
      }
      if (i > 0) {
        absl::StatusOr<RawEntry> e = node->Entry(i - 1);
        if (!e.ok()) return e.status();
        absl::StatusOr<std::string_view> k = EntryKey(reader, *e, &scratch);
        if (!k.ok()) return k.status();
        c.lo = std::string(*k);
      }
      children.push_back(std::move(c));
    }
    if (f.height == 1) {
      for (Frame& c : children) leaves.push_back(RunLeaf{c.page, std::move(c.lo)});
    } else {
      for (auto it = children.rbegin(); it != children.rend(); ++it) todo.push_back(std::move(*it));
    }
  }
  return leaves;
}

size_t FreedLeafCount(const std::vector<RunLeaf>& leaves, std::string_view bound) {
  size_t n = 0;
  while (n + 1 < leaves.size() && leaves[n + 1].lo <= bound) ++n;
  return n;
}

absl::Status CollectLeafPages(TreePageReader& reader, uint64_t page, bool has_overflow,
                              std::vector<uint64_t>* pages) {
  pages->push_back(page);
  if (!has_overflow) return absl::OkStatus();
  absl::StatusOr<PageRef> ref = reader.Read(page);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
  if (!node.ok()) return node.status();
  if (node->kind() != TreePageKind::kLeaf) {
    return absl::DataLossError(absl::StrCat("sorted run page ", page, " should be a leaf"));
  }
  return CollectEntryChains(reader, *node, pages);
}

absl::Status CollectRunPages(TreePageReader& reader, const SortedRun& run,
                             std::vector<uint64_t>* pages) {
  const size_t before = pages->size();
  if (run.root != kNoPage) {
    absl::StatusOr<size_t> height = BTreeHeight(reader, run.root);
    if (!height.ok()) return height.status();
    // The internal nodes, and the leaves not freed yet: all of them, or in a part-merged run
    // those whose upper bound (the next leaf's lower bound) is above merged_below.
    absl::Status s = CollectInternalPages(reader, run.root, *height, pages);
    if (!s.ok()) return s;
    absl::StatusOr<std::vector<RunLeaf>> leaves = ListRunLeaves(reader, run);
    if (!leaves.ok()) return leaves.status();
    for (size_t i = FreedLeafCount(*leaves, run.merged_below); i < leaves->size(); ++i) {
      s = CollectLeafPages(reader, (*leaves)[i].page, run.has_overflow, pages);
      if (!s.ok()) return s;
    }
  }
  absl::Status s = CollectOverflowPages(reader, run.filter, pages);
  if (!s.ok()) return s;
  if (pages->size() - before != run.pages) {
    return absl::DataLossError(absl::StrCat("sorted run ", run.id, " should have ", run.pages,
                                            " pages; its tree and filter have ",
                                            pages->size() - before));
  }
  return absl::OkStatus();
}

}  // namespace ringkv
