#include "engine/btree_node.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/check.h"

namespace ringkv {
namespace {

uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

absl::Status Corrupt(uint64_t page, const std::string& what) {
  return absl::DataLossError(absl::StrCat("B+tree page ", page, ": ", what));
}

absl::Status CheckOverflowPage(const PageRef& ref) {
  if (ref.size < kOverflowHeaderBytes || ref.data[0] != static_cast<uint8_t>(TreePageKind::kOverflow)) {
    return Corrupt(ref.id, "expected an overflow page");
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t RawEntry::key_page() const { return DecodeFixed64(key.data()); }
uint64_t RawEntry::value_page() const { return DecodeFixed64(value.data()); }

absl::StatusOr<NodeView> NodeView::Parse(const PageRef& page) {
  NodeView v;
  v.page_id_ = page.id;
  v.data_ = page.data;
  v.size_ = page.size;
  if (page.size < kNodeHeaderBytes) return Corrupt(page.id, "payload smaller than node header");
  if (page.data[0] != static_cast<uint8_t>(TreePageKind::kLeaf) &&
      page.data[0] != static_cast<uint8_t>(TreePageKind::kInternal)) {
    return Corrupt(page.id, absl::StrCat("kind byte ", page.data[0], " is not a tree node"));
  }
  const auto kind = static_cast<TreePageKind>(page.data[0]);
  v.kind_ = kind;
  v.count_ = Load16(page.data + 2);
  const uint8_t layout = page.data[4];
  if (layout == kLayoutHints) {
    v.slot_bytes_ = kSlotBytes;
    v.prefix_len_ = page.data[1];
  } else if (layout != kLayoutOffsets || page.data[1] != 0) {
    return Corrupt(page.id, absl::StrCat("unknown node layout ", layout, " (prefix length ",
                                         page.data[1], ")"));
  }
  size_t n_slots = v.count_;
  size_t at = kNodeHeaderBytes + v.prefix_len_;
  if (kind == TreePageKind::kInternal) {
    if (v.count_ < 1) return Corrupt(page.id, "internal node without children");
    at += 8 * static_cast<size_t>(v.count_);
    n_slots = v.count_ - 1;
  }
  v.offsets_at_ = at;
  if (at + v.slot_bytes_ * n_slots > page.size) {
    return Corrupt(page.id, absl::StrCat(v.count_, " entries do not fit the page"));
  }
  return v;
}

uint64_t NodeView::child(uint32_t i) const {
  RINGKV_DCHECK(kind_ == TreePageKind::kInternal && i < count_);
  return DecodeFixed64(
      reinterpret_cast<const char*>(data_ + kNodeHeaderBytes + prefix_len_ + 8 * i));
}

absl::StatusOr<RawEntry> NodeView::Entry(uint32_t i) const {
  const bool leaf = kind_ == TreePageKind::kLeaf;
  RINGKV_DCHECK(i < (leaf ? count_ : count_ - 1));
  const size_t off = Load16(data_ + offsets_at_ + slot_bytes_ * i);
  const char* p = reinterpret_cast<const char*>(data_) + off;
  const char* limit = reinterpret_cast<const char*>(data_) + size_;
  if (off < offsets_at_ || off >= size_) {
    return Corrupt(page_id_, absl::StrCat("entry ", i, " offset ", off, " out of bounds"));
  }
  RawEntry e;
  const char* start = p;
  e.flags = static_cast<uint8_t>(*p++);
  p = DecodeVarint32(p, limit, &e.key_len);
  if (p != nullptr && leaf) p = DecodeVarint32(p, limit, &e.value_len);
  if (p == nullptr) return Corrupt(page_id_, absl::StrCat("entry ", i, " has a bad length"));
  if ((e.flags & ~kKnownEntryFlags) != 0 ||
      (e.tombstone() && (!leaf || e.value_len != 0 || e.value_overflow()))) {
    return Corrupt(page_id_, absl::StrCat("entry ", i, " has bad flags ", e.flags));
  }
  const size_t key_part = e.key_overflow() ? 8 : e.key_len;
  const size_t value_part = !leaf ? 0 : (e.value_overflow() ? 8 : e.value_len);
  if (static_cast<size_t>(limit - p) < key_part + value_part) {
    return Corrupt(page_id_, absl::StrCat("entry ", i, " runs past the page"));
  }
  e.key = std::string_view(p, key_part);
  e.value = std::string_view(p + key_part, value_part);
  e.bytes = std::string_view(start, static_cast<size_t>(p + key_part + value_part - start));
  return e;
}

absl::Status ReadOverflow(TreePageReader& reader, uint64_t first, uint32_t len, std::string* out) {
  out->clear();
  out->reserve(len);
  uint64_t page = first;
  while (out->size() < len) {
    if (page == kNoPage) {
      return absl::DataLossError(absl::StrCat("overflow chain from page ", first, " ends after ",
                                              out->size(), " of ", len, " bytes"));
    }
    absl::StatusOr<PageRef> ref = reader.Read(page);
    if (!ref.ok()) return ref.status();
    absl::Status kind = CheckOverflowPage(*ref);
    if (!kind.ok()) return kind;
    const char* p = reinterpret_cast<const char*>(ref->data);
    const uint32_t here = DecodeFixed32(p + 4);
    if (here > ref->size - kOverflowHeaderBytes || here > len - out->size()) {
      return absl::DataLossError(
          absl::StrCat("overflow page ", page, " claims ", here, " bytes"));
    }
    out->append(p + kOverflowHeaderBytes, here);
    page = DecodeFixed64(p + 8);
  }
  return absl::OkStatus();
}

absl::Status CollectOverflowPages(TreePageReader& reader, uint64_t first,
                                  std::vector<uint64_t>* pages) {
  // Bounded: a chain longer than the largest value could need is corrupt (a cycle, say).
  const size_t max_pages = (kMaxChainBytes / (reader.payload_size() - kOverflowHeaderBytes)) + 2;
  const size_t start = pages->size();  // the caller may be collecting several chains
  for (uint64_t page = first; page != kNoPage;) {
    if (pages->size() - start > max_pages) {
      return absl::DataLossError(absl::StrCat("overflow chain from page ", first, " loops"));
    }
    absl::StatusOr<PageRef> ref = reader.Read(page);
    if (!ref.ok()) return ref.status();
    absl::Status kind = CheckOverflowPage(*ref);
    if (!kind.ok()) return kind;
    pages->push_back(page);
    page = DecodeFixed64(reinterpret_cast<const char*>(ref->data) + 8);
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> WriteOverflow(TreePageWriter& writer, std::string_view bytes) {
  const size_t per_page = writer.payload_size() - kOverflowHeaderBytes;
  const size_t pages = OverflowChainPages(writer.payload_size(), bytes.size());
  std::vector<uint64_t> ids(pages);
  for (uint64_t& id : ids) {
    absl::StatusOr<uint64_t> a = writer.Allocate();
    if (!a.ok()) return a.status();
    id = *a;
  }
  std::string payload(writer.payload_size(), '\0');
  for (size_t i = 0; i < pages; ++i) {
    const size_t off = i * per_page;
    const size_t n = std::min(per_page, bytes.size() - std::min(off, bytes.size()));
    std::fill(payload.begin(), payload.end(), '\0');
    payload[0] = static_cast<char>(TreePageKind::kOverflow);
    EncodeFixed32(payload.data() + 4, static_cast<uint32_t>(n));
    EncodeFixed64(payload.data() + 8, i + 1 < pages ? ids[i + 1] : kNoPage);
    if (n > 0) std::memcpy(payload.data() + kOverflowHeaderBytes, bytes.data() + off, n);
    absl::Status s = writer.Write(
        ids[i], TreePageKind::kOverflow,
        absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
    if (!s.ok()) return s;
  }
  return ids[0];
}

absl::StatusOr<std::string_view> EntryKey(TreePageReader& reader, const RawEntry& e,
                                          std::string* scratch) {
  if (!e.key_overflow()) return e.key;
  absl::Status s = ReadOverflow(reader, e.key_page(), e.key_len, scratch);
  if (!s.ok()) return s;
  return std::string_view(*scratch);
}

absl::StatusOr<std::string_view> EntryValue(TreePageReader& reader, const RawEntry& e,
                                            std::string* scratch) {
  if (!e.value_overflow()) return e.value;
  absl::Status s = ReadOverflow(reader, e.value_page(), e.value_len, scratch);
  if (!s.ok()) return s;
  return std::string_view(*scratch);
}

void EncodeEntry(std::string* out, uint8_t flags, uint32_t key_len, uint32_t value_len,
                 std::string_view key_part, std::string_view value_part, bool with_value) {
  out->push_back(static_cast<char>(flags));
  PutVarint32(out, key_len);
  if (with_value) PutVarint32(out, value_len);
  out->append(key_part);
  if (with_value) out->append(value_part);
}

NodeBuilder::NodeBuilder(TreePageKind kind, size_t payload_size)
    : kind_(kind), payload_size_(payload_size) {}

size_t NodeBuilder::used_bytes() const {
  size_t children_bytes = 0;
  if (kind_ == TreePageKind::kInternal) children_bytes = 8 * (children_.size() + 1);
  return kNodeHeaderBytes + prefix_len_ + children_bytes + kSlotBytes * offsets_.size() +
         entry_bytes_.size();
}

bool NodeBuilder::Fits(size_t encoded_bytes) const {
  // An internal separator comes with one more child pointer. The shared prefix can only get
  // shorter with another key, so counting the current one is safe.
  const size_t extra = kind_ == TreePageKind::kInternal ? 8 : 0;
  return used_bytes() + kSlotBytes + encoded_bytes + extra <= payload_size_;
}

void NodeBuilder::AddEntry(std::string_view encoded, std::string_view key) {
  const std::string_view head = key.substr(0, kMaxNodePrefix + 4);
  if (entries_ == 0) {
    prefix_len_ = std::min(key.size(), kMaxNodePrefix);
  } else {
    const std::string_view first = KeyHead(0);
    RINGKV_DCHECK(KeyHead(key_head_ends_.size() - 1) <= head);  // heads order as keys do
    size_t common = 0;
    while (common < prefix_len_ && common < head.size() && first[common] == head[common]) {
      ++common;
    }
    prefix_len_ = common;
  }
  key_heads_.append(head);
  key_head_ends_.push_back(static_cast<uint32_t>(key_heads_.size()));
  offsets_.push_back(static_cast<uint16_t>(entry_bytes_.size()));
  entry_bytes_.append(encoded);
  ++entries_;
}

std::string NodeBuilder::Finish() const {
  std::string out;
  out.reserve(payload_size_);
  out.push_back(static_cast<char>(kind_));
  out.push_back(static_cast<char>(prefix_len_));
  const uint16_t count = static_cast<uint16_t>(kind_ == TreePageKind::kInternal ? children_.size()
                                                                                : entries_);
  RINGKV_CHECK(kind_ != TreePageKind::kInternal || children_.size() == entries_ + 1);
  out.append(reinterpret_cast<const char*>(&count), 2);
  out.push_back(static_cast<char>(kLayoutHints));
  out.append(3, '\0');
  out.append(key_heads_, 0, prefix_len_);
  for (uint64_t c : children_) PutFixed64(&out, c);
  const size_t base = out.size() + kSlotBytes * offsets_.size();
  for (size_t i = 0; i < offsets_.size(); ++i) {
    const size_t abs = base + offsets_[i];
    RINGKV_CHECK(abs < 65536);
    const uint16_t v = static_cast<uint16_t>(abs);
    out.append(reinterpret_cast<const char*>(&v), 2);
    PutFixed32(&out, KeyHint(KeyHead(i), prefix_len_));
  }
  out.append(entry_bytes_);
  RINGKV_CHECK(out.size() <= payload_size_);
  out.resize(payload_size_, '\0');
  return out;
}

std::string_view NodeBuilder::KeyHead(size_t i) const {
  const uint32_t begin = i == 0 ? 0 : key_head_ends_[i - 1];
  return std::string_view(key_heads_.data() + begin, key_head_ends_[i] - begin);
}

void NodeBuilder::Reset() {
  entry_bytes_.clear();
  offsets_.clear();
  key_heads_.clear();
  key_head_ends_.clear();
  prefix_len_ = 0;
  children_.clear();
  entries_ = 0;
}

}  // namespace ringkv
