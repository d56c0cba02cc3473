// The on-disk layout of WAL segments and record fragments (docs/format.md, "WAL segments"):
// constants, and encoding/decoding of the two headers. Writer and reader both use this file.
#ifndef RINGKV_WAL_WAL_FORMAT_H_
#define RINGKV_WAL_WAL_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringkv::wal {

inline constexpr char kSegmentMagic[8] = {'R', 'K', 'V', 'W', 'A', 'L', '0', '1'};
// Version 2 added the skip fragment (several group-commit writes in flight); a version-1
// segment is still read (it never holds one). New segments are written as version 2.
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kOldestReadableVersion = 1;
// The segment header fills one block; the data area (the LSN space) starts after it.
inline constexpr uint64_t kSegmentHeaderBytes = 4096;
// checksum u64 + lsn u64 + length u32 + type u8 + flags u8 + generation u16.
inline constexpr uint64_t kFragmentHeaderBytes = 24;
// Fragments start at 8-byte aligned LSNs, so a scan for valid fragments can step by 8.
inline constexpr uint64_t kFragmentAlign = 8;
// A segment tail shorter than this is padding: writer and reader both skip to the next segment.
inline constexpr uint64_t kMinFragmentSpace = kFragmentHeaderBytes + kFragmentAlign;
// The tear window: every write in flight lies below the block holding the durable end plus
// this many bytes. A power loss can tear or drop in-flight writes in any sector order, so a bad
// fragment followed by valid ones within this window is a torn tail; beyond it, the valid ones
// prove corruption.
inline constexpr uint64_t kMaxWriteBytes = 1u << 20;

// kSkip starts a block and says the log continues here although the block before ends in zeros
// from `prev_end` on: its 8-byte payload is prev_end. Written when the block holding the append
// position is still being written by an earlier group-commit write (docs/format.md).
enum class FragmentType : uint8_t { kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4, kSkip = 5 };
inline constexpr uint64_t kSkipPayloadBytes = 8;

struct FragmentHeader {
  uint64_t checksum = 0;  // XXH3-64 of bytes 8..24 of the header and the payload
  uint64_t lsn = 0;       // the fragment's own position: a copy elsewhere never validates
  uint32_t length = 0;    // payload bytes that follow the header
  FragmentType type = FragmentType::kFull;
  uint8_t flags = 0;
  uint16_t generation = 0;  // low 16 bits of the segment number it was written into
};

void EncodeFragmentHeader(const FragmentHeader& h, char* out);
FragmentHeader DecodeFragmentHeader(const char* in);
uint64_t FragmentChecksum(const char* header_bytes, std::string_view payload);

struct SegmentHeader {
  uint64_t number = 0;         // segment n holds LSNs [n * data_bytes, (n + 1) * data_bytes)
  uint64_t segment_bytes = 0;  // file size, header included
};

// A whole header block (kSegmentHeaderBytes): magic, version, number, size, checksum.
std::string EncodeSegmentHeader(const SegmentHeader& h);
// nullopt if the block is not a valid header (zeroes, wrong magic or version, bad checksum).
std::optional<SegmentHeader> DecodeSegmentHeader(std::string_view block);
// Why DecodeSegmentHeader refused `block`, for an error message: "not a ringkv WAL segment
// (magic)", "format version 3 (this build reads 1 to 2)" or "header checksum mismatch".
std::string DescribeBadSegmentHeader(std::string_view block);

// Usable LSN bytes per segment.
inline uint64_t DataBytes(uint64_t segment_bytes) { return segment_bytes - kSegmentHeaderBytes; }
inline uint64_t AlignFragment(uint64_t lsn) {
  return (lsn + kFragmentAlign - 1) & ~(kFragmentAlign - 1);
}

}  // namespace ringkv::wal

#endif  // RINGKV_WAL_WAL_FORMAT_H_
