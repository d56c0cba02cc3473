#include "wal/wal_format.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack: no allocation per fragment
#include <xxhash.h>

#include <cstring>

namespace ringkv::wal {
namespace {

void Put64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
void Put32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }
void Put16(char* p, uint16_t v) { std::memcpy(p, &v, 2); }
uint64_t Get64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t Get32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t Get16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

}  // namespace

void EncodeFragmentHeader(const FragmentHeader& h, char* out) {
  Put64(out, h.checksum);
  Put64(out + 8, h.lsn);
  Put32(out + 16, h.length);
  out[20] = static_cast<char>(h.type);
  out[21] = static_cast<char>(h.flags);
  Put16(out + 22, h.generation);
}

FragmentHeader DecodeFragmentHeader(const char* in) {
  FragmentHeader h;
  h.checksum = Get64(in);
  h.lsn = Get64(in + 8);
  h.length = Get32(in + 16);
  h.type = static_cast<FragmentType>(static_cast<uint8_t>(in[20]));
  h.flags = static_cast<uint8_t>(in[21]);
  h.generation = Get16(in + 22);
  return h;
}

uint64_t FragmentChecksum(const char* header_bytes, std::string_view payload) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, header_bytes + 8, kFragmentHeaderBytes - 8);
  XXH3_64bits_update(&state, payload.data(), payload.size());
  return XXH3_64bits_digest(&state);
}

std::string EncodeSegmentHeader(const SegmentHeader& h) {
  std::string block(kSegmentHeaderBytes, '\0');
  std::memcpy(block.data(), kSegmentMagic, 8);
  Put32(block.data() + 8, kFormatVersion);
  Put64(block.data() + 16, h.number);
  Put64(block.data() + 24, h.segment_bytes);
  Put64(block.data() + 32, XXH3_64bits(block.data(), 32));
  return block;
}

std::optional<SegmentHeader> DecodeSegmentHeader(std::string_view block) {
  if (block.size() < 40 || std::memcmp(block.data(), kSegmentMagic, 8) != 0) return std::nullopt;
  if (Get32(block.data() + 8) != kFormatVersion) return std::nullopt;
  if (Get64(block.data() + 32) != XXH3_64bits(block.data(), 32)) return std::nullopt;
  SegmentHeader h;
  h.number = Get64(block.data() + 16);
  h.segment_bytes = Get64(block.data() + 24);
  return h;
}

}  // namespace ringkv::wal
