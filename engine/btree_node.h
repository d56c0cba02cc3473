// Encoding and decoding of B+tree node payloads (docs/format.md, "B+tree nodes"): leaves of
// key/value entries, internal nodes of children and separators, overflow chains for big keys
// and values. Decoding checks every offset, so a corrupt page is an error, never a crash.
#ifndef RINGKV_ENGINE_BTREE_NODE_H_
#define RINGKV_ENGINE_BTREE_NODE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include <vector>

#include "ringkv/size_limits.h"
#include "engine/tree_pages.h"
#include "base/coding.h"

namespace ringkv {

// kind u8, prefix length u8, count u16, layout u8, 3 reserved bytes (docs/format.md).
inline constexpr size_t kNodeHeaderBytes = 8;
// Layout 0 (written before key hints): a slot is a u16 entry offset. Layout 1: u16 offset and
// a u32 key hint. Nodes of both layouts are read; only layout 1 is written.
inline constexpr uint8_t kLayoutOffsets = 0;
inline constexpr uint8_t kLayoutHints = 1;
inline constexpr size_t kSlotBytes = 6;  // of the layout written
inline constexpr size_t kMaxNodePrefix = 255;
inline constexpr size_t kOverflowHeaderBytes = 16;  // kind u8, 3 reserved, bytes u32, next u64
inline constexpr uint8_t kKeyOverflow = 1;
inline constexpr uint8_t kValueOverflow = 2;
// A deletion kept in a sorted run's leaf (no value): it hides older versions of the key in the
// runs after it and the tree. The main tree never holds one.
inline constexpr uint8_t kTombstone = 4;
inline constexpr uint8_t kKnownEntryFlags = kKeyOverflow | kValueOverflow | kTombstone;
// The longest chain a valid entry can need (a maximal value).
inline constexpr size_t kMaxChainBytes = kMaxValueBytes;

// Keys longer than this (and values longer than MaxInlineValue) go to overflow chains, so a
// leaf always holds several entries and an internal node several children.
inline size_t MaxInlineKey(size_t payload_size) { return payload_size / 8; }
inline size_t MaxInlineValue(size_t payload_size) { return payload_size / 4; }

// One decoded entry of a node. `key`/`value` are inline bytes, or (with the overflow flag) the
// 8-byte page id of the chain that holds them.
struct RawEntry {
  uint8_t flags = 0;
  uint32_t key_len = 0;
  uint32_t value_len = 0;
  std::string_view key;
  std::string_view value;
  std::string_view bytes;  // the whole encoded entry, for copying unchanged into a new leaf
  bool key_overflow() const { return flags & kKeyOverflow; }
  bool value_overflow() const { return flags & kValueOverflow; }
  bool tombstone() const { return flags & kTombstone; }
  uint64_t key_page() const;
  uint64_t value_page() const;
};

// A key's hint in a node whose keys share `prefix_len` bytes: its next four bytes (zero past
// its end) as a big-endian number, so hints order the way the keys do.
inline uint32_t KeyHint(std::string_view key, size_t prefix_len) {
  uint32_t h = 0;
  for (size_t j = prefix_len; j < prefix_len + 4; ++j) {
    h = (h << 8) | (j < key.size() ? static_cast<uint8_t>(key[j]) : 0u);
  }
  return h;
}

// A read-only view of one node's payload.
class NodeView {
 public:
  // A leaf or internal node; DataLoss naming the page if its kind, header or offset table is bad.
  static absl::StatusOr<NodeView> Parse(const PageRef& page);

  TreePageKind kind() const { return kind_; }
  // Leaf: entries. Internal: children (separators = children - 1).
  uint32_t count() const { return count_; }
  uint64_t child(uint32_t i) const;
  // Leaf entry i, or internal separator i (between child i and i+1).
  absl::StatusOr<RawEntry> Entry(uint32_t i) const;
  // The hot path of a search: the key of entry i when it is stored inline and decodes cleanly,
  // without building a RawEntry or a status. False for an overflow key or anything Entry()
  // would reject; the caller then takes Entry() (which says what is wrong).
  bool InlineKey(uint32_t i, std::string_view* key) const {
    uint16_t off;
    std::memcpy(&off, data_ + offsets_at_ + slot_bytes_ * i, 2);
    if (off < offsets_at_ || off >= size_) return false;
    const char* p = reinterpret_cast<const char*>(data_) + off;
    const char* limit = reinterpret_cast<const char*>(data_) + size_;
    if (*p++ & kKeyOverflow) return false;
    uint32_t key_len;
    p = DecodeVarint32(p, limit, &key_len);
    if (p != nullptr && kind_ == TreePageKind::kLeaf) {
      uint32_t value_len;
      p = DecodeVarint32(p, limit, &value_len);
    }
    if (p == nullptr || static_cast<size_t>(limit - p) < key_len) return false;
    *key = std::string_view(p, key_len);
    return true;
  }
  // Starts loading entry i's bytes into the CPU cache (a binary search asks for both
  // possible next probes while it compares the current one, so the misses overlap).
  void PrefetchEntry(uint32_t i) const {
    uint16_t off;
    std::memcpy(&off, data_ + offsets_at_ + slot_bytes_ * i, 2);
    if (off < size_) __builtin_prefetch(data_ + off);
  }
  // Key hints (layout 1): the bytes every key of the node starts with, and entry i's hint
  // (KeyHint of its key after them). A search narrows to the entries whose hint equals the
  // target's without touching any entry.
  bool has_hints() const { return slot_bytes_ == kSlotBytes; }
  std::string_view prefix() const {
    return std::string_view(reinterpret_cast<const char*>(data_) + kNodeHeaderBytes, prefix_len_);
  }
  uint32_t hint(uint32_t i) const {
    uint32_t h;
    std::memcpy(&h, data_ + offsets_at_ + slot_bytes_ * i + 2, 4);
    return h;
  }
  // Starts loading the slot table into the CPU cache (a hint search touches a few of its lines).
  void PrefetchSlots(uint32_t n) const {
    const uint8_t* end = data_ + offsets_at_ + slot_bytes_ * n;
    for (const uint8_t* p = data_ + offsets_at_; p < end; p += 64) __builtin_prefetch(p);
  }
  uint64_t page_id() const { return page_id_; }

 private:
  uint64_t page_id_ = kNoPage;
  TreePageKind kind_ = TreePageKind::kLeaf;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint32_t count_ = 0;
  size_t offsets_at_ = 0;  // where the slot table starts
  size_t slot_bytes_ = 2;
  size_t prefix_len_ = 0;
};

// Reads a whole overflow chain starting at `first` into `out` (expected `len` bytes).
absl::Status ReadOverflow(TreePageReader& reader, uint64_t first, uint32_t len, std::string* out);
// Page ids of a chain, for freeing it.
absl::Status CollectOverflowPages(TreePageReader& reader, uint64_t first,
                                  std::vector<uint64_t>* pages);
// Pages of the overflow chain WriteOverflow writes for `bytes` (at least one).
inline size_t OverflowChainPages(size_t payload_size, size_t bytes) {
  const size_t per_page = payload_size - kOverflowHeaderBytes;
  return std::max<size_t>(1, (bytes + per_page - 1) / per_page);
}
// Writes `bytes` as a new overflow chain; returns its first page.
absl::StatusOr<uint64_t> WriteOverflow(TreePageWriter& writer, std::string_view bytes);

// The full key of `e` (inline, or read from its overflow chain into `scratch`).
absl::StatusOr<std::string_view> EntryKey(TreePageReader& reader, const RawEntry& e,
                                          std::string* scratch);
absl::StatusOr<std::string_view> EntryValue(TreePageReader& reader, const RawEntry& e,
                                            std::string* scratch);

// Appends the encoding of an entry; key/value already replaced by 8-byte page ids where the
// matching overflow flag is set.
void EncodeEntry(std::string* out, uint8_t flags, uint32_t key_len, uint32_t value_len,
                 std::string_view key_part, std::string_view value_part, bool with_value);

// Builds one node payload from encoded entries (leaf) or separators + children (internal).
class NodeBuilder {
 public:
  NodeBuilder(TreePageKind kind, size_t payload_size);
  // Would an entry of `encoded_bytes` still fit (with, for internal nodes, one more child)?
  bool Fits(size_t encoded_bytes) const;
  bool empty() const { return entries_ == 0 && children_.empty(); }
  // `key` is the entry's whole key (its hint is taken from it, even when `encoded` holds an
  // overflow chain's page id instead); entries come in key order.
  void AddEntry(std::string_view encoded, std::string_view key);
  void AddChild(uint64_t page) { children_.push_back(page); }
  uint32_t entries() const { return entries_; }
  size_t used_bytes() const;
  // The payload, zero-padded to payload_size.
  std::string Finish() const;
  void Reset();

 private:
  std::string_view KeyHead(size_t i) const;

  TreePageKind kind_;
  size_t payload_size_;
  std::string entry_bytes_;
  std::vector<uint16_t> offsets_;  // relative to the start of entry_bytes_ until Finish
  std::vector<uint64_t> children_;
  uint32_t entries_ = 0;
  // The first kMaxNodePrefix + 4 bytes of each key (enough for any hint), and their ends.
  std::string key_heads_;
  std::vector<uint32_t> key_head_ends_;
  size_t prefix_len_ = 0;  // shared by every key so far (it only shrinks as keys are added)
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_BTREE_NODE_H_
