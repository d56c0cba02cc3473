// The memtable's encoded entry and its internal order, shared by the skiplist, its hash index
// and bulk load. An entry in the arena: varint key length, key, fixed64 tag (seq << 8 | type),
// varint value length, value. The caller guarantees a pointer names a whole encoded entry.
#ifndef RINGKV_ENGINE_MEMTABLE_ENTRY_H_
#define RINGKV_ENGINE_MEMTABLE_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/hash/hash.h"
#include "base/coding.h"
#include "engine/key_order.h"

namespace ringkv {

struct DecodedEntry {
  std::string_view key;
  uint64_t tag;
  std::string_view value;
};

inline DecodedEntry DecodeEntry(const char* p) {
  uint32_t klen = 0;
  p = DecodeVarint32(p, p + 5, &klen);
  DecodedEntry e;
  e.key = std::string_view(p, klen);
  p += klen;
  e.tag = DecodeFixed64(p);
  p += 8;
  uint32_t vlen = 0;
  p = DecodeVarint32(p, p + 5, &vlen);
  e.value = std::string_view(p, vlen);
  return e;
}

// The hash the index and the filter take (each uses other bits of it).
inline size_t HashKey(std::string_view key) { return absl::HashOf(key); }

// Internal order: key ascending, then sequence descending (newest first).
inline int CompareInternal(std::string_view a_key, uint64_t a_seq, std::string_view b_key,
                           uint64_t b_seq) {
  const int c = CompareKeys(a_key, b_key);
  if (c != 0) return c;
  if (a_seq > b_seq) return -1;
  if (a_seq < b_seq) return 1;
  return 0;
}

}  // namespace ringkv

#endif  // RINGKV_ENGINE_MEMTABLE_ENTRY_H_
