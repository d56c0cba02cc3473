// The on-disk layout of WAL segments and record fragments (docs/format.md, "WAL segments"):
// constants, and encoding/decoding of the two headers. Writer and reader both use this file.
#ifndef RINGKV_WAL_WAL_FORMAT_H_
#define RINGKV_WAL_WAL_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace ringkv::wal {

inline constexpr char kSegmentMagic[8] = {'R', 'K', 'V', 'W', 'A', 'L', '0', '1'};
// Version 2 added the skip fragment (several group-commit writes in flight); a version-1
// segment is still read (it never holds one). New segments are written as version 2.
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kOldestReadableVersion = 1;
// The unit of the log's O_DIRECT writes: a write covers whole blocks, a skip fragment starts
// one, and two writes in flight never share one.
inline constexpr uint64_t kBlockBytes = 4096;
// The segment header fills one block; the data area (the LSN space) starts after it.
inline constexpr uint64_t kSegmentHeaderBytes = kBlockBytes;
// A segment is a whole number of blocks, at least this long.
inline constexpr uint64_t kMinSegmentBytes = 64u << 10;

// Segment header field offsets: magic, version u32, reserved u32, segment number u64, segment
// bytes u64, XXH3-64 of the bytes before it u64; zeros to the end of the block.
inline constexpr size_t kSegmentMagicOffset = 0;
inline constexpr size_t kSegmentVersionOffset = 8;
inline constexpr size_t kSegmentReservedOffset = 12;
inline constexpr size_t kSegmentNumberOffset = 16;
inline constexpr size_t kSegmentBytesOffset = 24;
inline constexpr size_t kSegmentChecksumOffset = 32;
inline constexpr size_t kSegmentHeaderUsedBytes = 40;

// Fragment header field offsets: checksum u64 (of bytes 8..24 and the payload), lsn u64,
// length u32, type u8, flags u8, generation u16.
inline constexpr size_t kFragmentChecksumOffset = 0;
inline constexpr size_t kFragmentLsnOffset = 8;
inline constexpr size_t kFragmentLengthOffset = 16;
inline constexpr size_t kFragmentTypeOffset = 20;
inline constexpr size_t kFragmentFlagsOffset = 21;
inline constexpr size_t kFragmentGenerationOffset = 22;
inline constexpr uint64_t kFragmentHeaderBytes = 24;
// The checksum covers the header from here on, then the payload.
inline constexpr size_t kFragmentChecksummedFrom = kFragmentLsnOffset;
// A record longer than this is cut into first, middle and last fragments; the reader refuses a
// longer fragment as damaged.
inline constexpr uint64_t kMaxFragmentPayload = 256u << 10;
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

static_assert(sizeof(kSegmentMagic) == kSegmentVersionOffset - kSegmentMagicOffset);
static_assert(kSegmentReservedOffset == kSegmentVersionOffset + 4);
static_assert(kSegmentNumberOffset == kSegmentReservedOffset + 4);
static_assert(kSegmentBytesOffset == kSegmentNumberOffset + 8);
static_assert(kSegmentChecksumOffset == kSegmentBytesOffset + 8);
static_assert(kSegmentHeaderUsedBytes == kSegmentChecksumOffset + 8);
static_assert(kSegmentHeaderUsedBytes <= kSegmentHeaderBytes);
static_assert(kMinSegmentBytes % kBlockBytes == 0);
static_assert(kMinSegmentBytes >= kSegmentHeaderBytes + kMinFragmentSpace);
static_assert(kFragmentLsnOffset == kFragmentChecksumOffset + 8);
static_assert(kFragmentLengthOffset == kFragmentLsnOffset + 8);
static_assert(kFragmentTypeOffset == kFragmentLengthOffset + 4);
static_assert(kFragmentFlagsOffset == kFragmentTypeOffset + 1);
static_assert(kFragmentGenerationOffset == kFragmentFlagsOffset + 1);
static_assert(kFragmentHeaderBytes == kFragmentGenerationOffset + 2);
static_assert(kFragmentHeaderBytes % kFragmentAlign == 0);
static_assert(kBlockBytes % kFragmentAlign == 0, "a block starts at a fragment boundary");
static_assert(kMaxWriteBytes % kBlockBytes == 0, "the tear window is whole blocks");
static_assert(kSkipPayloadBytes + kFragmentHeaderBytes < kBlockBytes);

// The flags byte vouches for the log before the fragment: with bit 7 set, every LSN below
// lsn - 8 * 2^(flags & 63) was durable when the fragment was appended. A bad fragment below
// what a valid later one vouches for was durable, so it is damage, never a torn write.
inline constexpr uint8_t kDurableClaimFlag = 0x80;
// On a skip fragment only: the seal of a cleanly closed log. Its payload (the end of the
// records before it) is exact: every LSN below it was durable.
inline constexpr uint8_t kSealFlag = 0x40;

// The flags for a fragment appended at `lsn` while the log was durable up to `durable`.
inline uint8_t DurableClaimFlags(uint64_t lsn, uint64_t durable) {
  const uint64_t distance = lsn > durable ? lsn - durable : 0;
  uint8_t e = 0;
  while (e < 60 && (uint64_t{8} << e) < distance) ++e;  // round up: claim less, never more
  return static_cast<uint8_t>(kDurableClaimFlag | e);
}

struct FragmentHeader {
  uint64_t checksum = 0;  // XXH3-64 of bytes 8..24 of the header and the payload
  uint64_t lsn = 0;       // the fragment's own position: a copy elsewhere never validates
  uint32_t length = 0;    // payload bytes that follow the header
  FragmentType type = FragmentType::kFull;
  uint8_t flags = 0;         // DurableClaimFlags, or 0 (written before claims: none)
  uint16_t generation = 0;  // low 16 bits of the segment number it was written into
};

// Every LSN below the returned one was durable before `h` was appended (0: no claim).
// `payload` is the fragment's (a seal's holds the exact bound).
inline uint64_t DurableBefore(const FragmentHeader& h, std::string_view payload) {
  if (h.type == FragmentType::kSkip && (h.flags & kSealFlag) && payload.size() == 8) {
    uint64_t end;
    std::memcpy(&end, payload.data(), 8);
    return end;
  }
  if (!(h.flags & kDurableClaimFlag)) return 0;
  const uint64_t distance = uint64_t{8} << (h.flags & 63);
  return h.lsn > distance ? h.lsn - distance : 0;
}

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
