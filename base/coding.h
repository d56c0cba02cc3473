// Little-endian fixed-width and varint encoding shared by every on-disk format (docs/format.md).
#ifndef RINGKV_BASE_CODING_H_
#define RINGKV_BASE_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ringkv {

inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  std::memcpy(buf, &v, 4);  // x86-64 and aarch64 Linux are little-endian
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  dst->append(buf, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void EncodeFixed32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void EncodeFixed64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }

// Unsigned LEB128.
inline char* EncodeVarint32(char* p, uint32_t v) {
  auto* u = reinterpret_cast<unsigned char*>(p);
  while (v >= 0x80) {
    *u++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *u++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(u);
}
inline void PutVarint32(std::string* dst, uint32_t v) {
  char buf[5];
  dst->append(buf, EncodeVarint32(buf, v) - buf);
}
inline int VarintLength(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
// Returns the byte after the varint, or nullptr if it is malformed or runs past `limit`.
inline const char* DecodeVarint32(const char* p, const char* limit, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28 && p < limit; shift += 7) {
    const uint32_t byte = static_cast<unsigned char>(*p++);
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}
// Reads a varint length and that many bytes; false if malformed.
inline bool GetLengthPrefixed(std::string_view* in, std::string_view* out) {
  uint32_t len = 0;
  const char* p = DecodeVarint32(in->data(), in->data() + in->size(), &len);
  if (p == nullptr) return false;
  const size_t consumed = static_cast<size_t>(p - in->data());
  if (in->size() - consumed < len) return false;
  *out = std::string_view(p, len);
  in->remove_prefix(consumed + len);
  return true;
}

}  // namespace ringkv

#endif  // RINGKV_BASE_CODING_H_
