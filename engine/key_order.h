// CompareKeys is the engine's key order (bytewise unsigned, a shorter key first on a common
// prefix: std::string_view::compare's), inlined: a Get compares ~12 keys and a memtable insert
// ~20, and a call into libc's memcmp for each showed in random-read profiles
// (docs/performance.md, "Random gets against LMDB").
#ifndef RINGKV_ENGINE_KEY_ORDER_H_
#define RINGKV_ENGINE_KEY_ORDER_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ringkv {

// Eight bytes as a big-endian number: numeric order is then byte order.
inline uint64_t LoadBigEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

// <0, 0 or >0 as `a` orders before, with or after `b`.
inline int CompareKeys(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {  // eight bytes at a time
    const uint64_t x = LoadBigEndian64(a.data() + i);
    const uint64_t y = LoadBigEndian64(b.data() + i);
    if (x != y) return x < y ? -1 : 1;
  }
  for (; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace ringkv

#endif  // RINGKV_ENGINE_KEY_ORDER_H_
