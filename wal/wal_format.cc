#include "wal/wal_format.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack: no allocation per fragment
#include <xxhash.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/coding.h"

namespace ringkv::wal {
namespace {

void Put16(char* p, uint16_t v) { std::memcpy(p, &v, 2); }
uint16_t Get16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

}  // namespace

void EncodeFragmentHeader(const FragmentHeader& h, char* out) {
  EncodeFixed64(out, h.checksum);
  EncodeFixed64(out + 8, h.lsn);
  EncodeFixed32(out + 16, h.length);
  out[20] = static_cast<char>(h.type);
  out[21] = static_cast<char>(h.flags);
  Put16(out + 22, h.generation);
}

FragmentHeader DecodeFragmentHeader(const char* in) {
  FragmentHeader h;
  h.checksum = DecodeFixed64(in);
  h.lsn = DecodeFixed64(in + 8);
  h.length = DecodeFixed32(in + 16);
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
  EncodeFixed32(block.data() + 8, kFormatVersion);
  EncodeFixed64(block.data() + 16, h.number);
  EncodeFixed64(block.data() + 24, h.segment_bytes);
  EncodeFixed64(block.data() + 32, XXH3_64bits(block.data(), 32));
  return block;
}

std::optional<SegmentHeader> DecodeSegmentHeader(std::string_view block) {
  if (block.size() < 40 || std::memcmp(block.data(), kSegmentMagic, 8) != 0) return std::nullopt;
  const uint32_t version = DecodeFixed32(block.data() + 8);
  if (version < kOldestReadableVersion || version > kFormatVersion) return std::nullopt;
  if (DecodeFixed64(block.data() + 32) != XXH3_64bits(block.data(), 32)) return std::nullopt;
  SegmentHeader h;
  h.number = DecodeFixed64(block.data() + 16);
  h.segment_bytes = DecodeFixed64(block.data() + 24);
  return h;
}

std::string DescribeBadSegmentHeader(std::string_view block) {
  if (block.size() < 40 || std::memcmp(block.data(), kSegmentMagic, 8) != 0) {
    return "not a ringkv WAL segment (magic)";
  }
  const uint32_t version = DecodeFixed32(block.data() + 8);
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    return absl::StrCat("format version ", version, " (this build reads ", kOldestReadableVersion,
                        " to ", kFormatVersion, ")");
  }
  return "header checksum mismatch";
}

}  // namespace ringkv::wal
