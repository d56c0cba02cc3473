#include "engine/sorted_run.h"

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/coding.h"
#include "engine/btree_node.h"
#include "engine/sorted_run_format.h"

namespace ringkv {
namespace {

constexpr size_t kMaxDepth = 32;

// What the decoder refuses, the encoder asserts.
bool RunIsWellFormed(const SortedRun& r) {
  return r.filter != kNoPage && r.filter_bytes >= kRunFilterHeaderBytes && r.pages >= 1 &&
         (r.root == kNoPage) == (r.entries == 0);
}

// Levels above the leaves, along the leftmost path.
absl::StatusOr<size_t> RunHeight(TreePageReader& reader, uint64_t page) {
  for (size_t height = 0; height <= kMaxDepth; ++height) {
    absl::StatusOr<PageRef> ref = reader.Read(page);
    if (!ref.ok()) return ref.status();
    absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
    if (!node.ok()) return node.status();
    if (node->kind() == TreePageKind::kLeaf) return height;
    if (node->count() == 0) {
      return absl::DataLossError(absl::StrCat("sorted run page ", page, " has no child"));
    }
    page = node->child(0);
  }
  return absl::DataLossError("sorted run deeper than 32 levels (a cycle?)");
}

// The pages of the subtree at `page`, `height` levels above the leaves. Leaves are read only
// with `read_leaves` (for their overflow chains); otherwise their ids in the parent suffice.
absl::Status CollectSubtree(TreePageReader& reader, uint64_t page, size_t height,
                            bool read_leaves, std::vector<uint64_t>* pages) {
  absl::StatusOr<PageRef> ref = reader.Read(page);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<NodeView> node = NodeView::Parse(*ref);
  if (!node.ok()) return node.status();
  const bool leaf = node->kind() == TreePageKind::kLeaf;
  if (leaf != (height == 0)) {
    return absl::DataLossError(absl::StrCat("sorted run page ", page, " is at the wrong level"));
  }
  pages->push_back(page);
  const uint32_t entries = leaf ? node->count() : node->count() - 1;
  for (uint32_t i = 0; i < entries; ++i) {
    absl::StatusOr<RawEntry> e = node->Entry(i);
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
  if (leaf) return absl::OkStatus();
  for (uint32_t i = 0; i < node->count(); ++i) {
    const uint64_t child = node->child(i);
    if (child == kNoPage) {
      return absl::DataLossError(absl::StrCat("sorted run page ", page, " child ", i,
                                              " is no page"));
    }
    if (height == 1 && !read_leaves) {
      pages->push_back(child);
      continue;
    }
    absl::Status s = CollectSubtree(reader, child, height - 1, read_leaves, pages);
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
  }
  RINGKV_DCHECK(out.size() == kRunCatalogHeaderBytes + runs.size() * kRunRecordBytes);
  return out;
}

absl::StatusOr<std::vector<SortedRun>> DecodeRunCatalog(std::string_view b, uint64_t page_count,
                                                        const std::string& where) {
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
  if (count > kMaxSortedRuns || b.size() != kRunCatalogHeaderBytes + count * kRunRecordBytes) {
    return absl::DataLossError(absl::StrCat("sorted-run catalog in ", where, " lists ", count,
                                            " runs in ", b.size(), " bytes"));
  }
  for (uint32_t i = 0; i < count; ++i) {
    const size_t off = kRunCatalogHeaderBytes + i * kRunRecordBytes;
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
    const bool pages_ok = (r.root == kNoPage || r.root < page_count) && r.filter < page_count &&
                          r.pages <= page_count;
    if ((flags & ~kRunHasOverflow) != 0 || !RunIsWellFormed(r) || !pages_ok ||
        (i > 0 && runs.back().id <= r.id)) {
      return absl::DataLossError(absl::StrCat("sorted-run catalog in ", where, ": run ", i,
                                              " (record at offset ", off, ") is damaged"));
    }
    runs.push_back(r);
  }
  return runs;
}

absl::Status CollectRunPages(TreePageReader& reader, const SortedRun& run,
                             std::vector<uint64_t>* pages) {
  const size_t before = pages->size();
  if (run.root != kNoPage) {
    absl::StatusOr<size_t> height = RunHeight(reader, run.root);
    if (!height.ok()) return height.status();
    absl::Status s = CollectSubtree(reader, run.root, *height, run.has_overflow, pages);
    if (!s.ok()) return s;
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
