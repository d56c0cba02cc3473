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

bool HasSegmentMagic(std::string_view block) {
  return block.size() >= kSegmentHeaderUsedBytes &&
         std::memcmp(block.data() + kSegmentMagicOffset, kSegmentMagic, sizeof(kSegmentMagic)) ==
             0;
}

}  // namespace

void EncodeFragmentHeader(const FragmentHeader& h, char* out) {
  EncodeFixed64(out + kFragmentChecksumOffset, h.checksum);
  EncodeFixed64(out + kFragmentLsnOffset, h.lsn);
  EncodeFixed32(out + kFragmentLengthOffset, h.length);
  out[kFragmentTypeOffset] = static_cast<char>(h.type);
  out[kFragmentFlagsOffset] = static_cast<char>(h.flags);
  Put16(out + kFragmentGenerationOffset, h.generation);
}

FragmentHeader DecodeFragmentHeader(const char* in) {
  FragmentHeader h;
  h.checksum = DecodeFixed64(in + kFragmentChecksumOffset);
  h.lsn = DecodeFixed64(in + kFragmentLsnOffset);
  h.length = DecodeFixed32(in + kFragmentLengthOffset);
  h.type = static_cast<FragmentType>(static_cast<uint8_t>(in[kFragmentTypeOffset]));
  h.flags = static_cast<uint8_t>(in[kFragmentFlagsOffset]);
  h.generation = Get16(in + kFragmentGenerationOffset);
  return h;
}

uint64_t FragmentChecksum(const char* header_bytes, std::string_view payload) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, header_bytes + kFragmentChecksummedFrom,
                     kFragmentHeaderBytes - kFragmentChecksummedFrom);
  XXH3_64bits_update(&state, payload.data(), payload.size());
  return XXH3_64bits_digest(&state);
}

std::string EncodeSegmentHeader(const SegmentHeader& h) {
  std::string block(kSegmentHeaderBytes, '\0');
  std::memcpy(block.data() + kSegmentMagicOffset, kSegmentMagic, sizeof(kSegmentMagic));
  EncodeFixed32(block.data() + kSegmentVersionOffset, kFormatVersion);
  EncodeFixed64(block.data() + kSegmentNumberOffset, h.number);
  EncodeFixed64(block.data() + kSegmentBytesOffset, h.segment_bytes);
  EncodeFixed64(block.data() + kSegmentChecksumOffset,
                XXH3_64bits(block.data(), kSegmentChecksumOffset));
  return block;
}

std::optional<SegmentHeader> DecodeSegmentHeader(std::string_view block) {
  if (!HasSegmentMagic(block)) return std::nullopt;
  const uint32_t version = DecodeFixed32(block.data() + kSegmentVersionOffset);
  if (version < kOldestReadableVersion || version > kFormatVersion) return std::nullopt;
  if (DecodeFixed64(block.data() + kSegmentChecksumOffset) !=
      XXH3_64bits(block.data(), kSegmentChecksumOffset)) {
    return std::nullopt;
  }
  SegmentHeader h;
  h.number = DecodeFixed64(block.data() + kSegmentNumberOffset);
  h.segment_bytes = DecodeFixed64(block.data() + kSegmentBytesOffset);
  return h;
}

std::string DescribeBadSegmentHeader(std::string_view block) {
  if (!HasSegmentMagic(block)) return "not a ringkv WAL segment (magic)";
  const uint32_t version = DecodeFixed32(block.data() + kSegmentVersionOffset);
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    return absl::StrCat("format version ", version, " (this build reads ", kOldestReadableVersion,
                        " to ", kFormatVersion, ")");
  }
  return "header checksum mismatch";
}

}  // namespace ringkv::wal
