#include "wal/log_reader.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/check.h"
#include "base/coding.h"
#include "uring/dio_alignment.h"
#include "wal/wal_format.h"

namespace ringkv::wal {
namespace {

// Segments are read in chunks of this many bytes as replay reaches them (buffered: replay wants
// the page cache), so a replay reads the log it replays and little more, not whole segments.
constexpr uint64_t kReadChunk = 1u << 20;
// Chunks read together when replay moves into a new one (sequential read-ahead).
constexpr uint64_t kReadAheadChunks = 4;
// Had the log gone on past the tear window, a fragment would start within this many bytes of
// any point of it: the longest fragment, the zeros a skip leaves at the end of a block, and a
// segment's unusable tail. So a torn-tail check looks this far, not to the end of the log.
constexpr uint64_t kTailScanBytes =
    kFragmentHeaderBytes + kMaxFragmentPayload + kBlockBytes + kMinFragmentSpace;

// One segment file, read chunk by chunk into a buffer of its whole size (pages never touched
// are never backed by memory).
struct Segment {
  uint64_t number = 0;
  std::string path;
  uint64_t size = 0;
  std::unique_ptr<char[]> data;
  std::vector<bool> loaded;  // per kReadChunk
  io::FileSlot file;
};

class Replayer {
 public:
  Replayer(io::IoBackend& io, const SegmentFiles& files)
      : io_(io), files_(files), data_bytes_(DataBytes(files.segment_bytes())) {}

  absl::StatusOr<ReplayResult> Run(uint64_t from, RecordFn fn) {
    if (from % kFragmentAlign != 0) {
      return absl::DataLossError(absl::StrCat(
          "WAL replay in ", files_.dir(), " must start at a record boundary, but LSN ", from,
          " is not ", kFragmentAlign, "-byte aligned (a damaged checkpoint LSN?)"));
    }
    from_ = from;
    std::vector<uint64_t> list;
    std::vector<std::string> retired;
    absl::Status s = files_.List(&list, &retired);
    if (!s.ok()) return s;
    present_ = std::set<uint64_t>(list.begin(), list.end());
    ReplayResult result;
    uint64_t p = from;
    bool in_record = false;
    uint64_t record_start = 0;
    std::string record;
    bool at_start = true;  // no fragment looked at yet
    for (uint64_t n = p / data_bytes_; present_.count(n); ++n) {
      Segment* seg = nullptr;
      s = Load(n, &seg);
      if (!s.ok()) return s;
      const uint64_t seg_start = n * data_bytes_;
      const uint64_t seg_end = seg_start + data_bytes_;
      if (p < seg_start) p = seg_start;
      while (seg_end - p >= kMinFragmentSpace) {
        RINGKV_DCHECK(p % kFragmentAlign == 0);
        RINGKV_DCHECK(p >= seg_start);
        RINGKV_DCHECK(!in_record || record_start < p);
        const uint64_t offset = kSegmentHeaderBytes + (p - seg_start);
        absl::StatusOr<const char*> header = Bytes(*seg, offset, kFragmentHeaderBytes);
        if (!header.ok()) return header.status();
        const char* at = *header;
        const FragmentHeader h = DecodeFragmentHeader(at);
        const bool type_ok =
            h.type == FragmentType::kSkip ||
            (h.type >= FragmentType::kFull && h.type <= FragmentType::kLast &&
             ((h.type == FragmentType::kFull || h.type == FragmentType::kFirst) == !in_record));
        // The LSN alone pins a fragment to its place (a recycled segment's stale fragments
        // carry LSNs of its earlier life); the generation is the same fact, checked too.
        const bool shape_ok = h.lsn == p && type_ok && h.generation == Generation(n) &&
                              h.length <= kMaxFragmentPayload &&
                              h.length <= seg_end - p - kFragmentHeaderBytes;
        if (shape_ok) {
          absl::StatusOr<const char*> whole =
              Bytes(*seg, offset, kFragmentHeaderBytes + h.length);
          if (!whole.ok()) return whole.status();
        }
        if (at_start) {
          s = CheckStartsRecord(p, seg_end, *seg, h);
          if (!s.ok()) return s;
          at_start = false;
        }
        const uint64_t actual =
            shape_ok ? FragmentChecksum(at, std::string_view(at + kFragmentHeaderBytes, h.length))
                     : 0;
        if (!shape_ok || actual != h.checksum) {
          if (const std::optional<uint64_t> q = SkipFrom(p)) {
            p = *q;  // zeros up to the block's end, and the log goes on at the next one
            continue;
          }
          s = CheckTornTail(p, *seg, h, actual, shape_ok);
          if (!s.ok()) return s;
          return Finish(in_record ? record_start : p, &result);
        }
        const std::string_view payload(at + kFragmentHeaderBytes, h.length);
        if (h.type == FragmentType::kSkip) {
          p = AlignFragment(p + kFragmentHeaderBytes + h.length);
          continue;
        }
        if (h.type == FragmentType::kFull || h.type == FragmentType::kFirst) {
          record_start = p;
          record.clear();
        }
        record.append(payload);
        in_record = h.type == FragmentType::kFirst || h.type == FragmentType::kMiddle;
        p = AlignFragment(p + kFragmentHeaderBytes + h.length);
        if (!in_record) {
          if (record_start >= from) {
            s = fn(record_start, record);
            if (!s.ok()) return s;
            ++result.records;
            result.bytes += record.size();
          }
        }
      }
      p = seg_end;  // the unusable remainder of a segment is padding
    }
    s = CheckNoMissingSegment(from, p);
    if (!s.ok()) return s;
    return Finish(in_record ? record_start : p, &result);
  }

 private:
  absl::Status Load(uint64_t n, Segment** out) {
    auto it = cache_.find(n);
    if (it == cache_.end()) {
      Segment seg;
      seg.number = n;
      seg.path = files_.PathOf(n);
      seg.size = files_.segment_bytes();
      RINGKV_DCHECK(seg.size % kBlockBytes == 0);
      seg.data.reset(new char[seg.size]);
      seg.loaded.assign((seg.size + kReadChunk - 1) / kReadChunk, false);
      absl::StatusOr<io::FileSlot> f = io_.ReserveFile();
      if (!f.ok()) return f.status();
      seg.file = std::move(*f);
      io::Completion c = io_.Run(io::Chain().OpenAt(seg.file.id(), seg.path, O_RDONLY));
      if (!c.ok()) return c.status;
      absl::StatusOr<const char*> head = Bytes(seg, 0, kSegmentHeaderBytes);
      if (!head.ok()) return head.status();
      const std::string_view block(*head, kSegmentHeaderBytes);
      const std::optional<SegmentHeader> h = DecodeSegmentHeader(block);
      if (!h || h->number != n || h->segment_bytes != files_.segment_bytes()) {
        return absl::DataLossError(absl::StrCat(
            "WAL segment ", seg.path, " has a bad header at offset 0 (",
            !h ? DescribeBadSegmentHeader(block)
               : absl::StrCat("says segment ", h->number, " of ", h->segment_bytes, " bytes"),
            ")"));
      }
      // A file of another size (truncated, or bytes appended) is damage, not a log that ends
      // early: its last byte must be there, and nothing after it.
      char probe[2];
      io::Chain size_check;
      size_check.set_linked(false);
      size_check.ReadUpTo(seg.file.id(), &probe[0], 1, seg.size - 1);
      size_check.ReadUpTo(seg.file.id(), &probe[1], 1, seg.size);
      c = io_.Run(std::move(size_check));
      if (!c.ok()) return c.status;
      if (c.results[0] != 1 || c.results[1] != 0) {
        return absl::DataLossError(absl::StrCat(
            "WAL segment ", seg.path, " is ", c.results[0] != 1 ? "shorter" : "longer", " than the ",
            seg.size, " bytes its log's segments have (",
            c.results[0] != 1 ? "truncated" : "bytes appended at offset ",
            c.results[0] != 1 ? "" : absl::StrCat(seg.size), ")"));
      }
      // Keep at most the current and the next segment in memory.
      while (cache_.size() >= 2) cache_.erase(cache_.begin());
      it = cache_.emplace(n, std::move(seg)).first;
    }
    *out = &it->second;
    return absl::OkStatus();
  }

  // The bytes [offset, offset + length) of `seg`'s file, reading the chunks that hold them (and
  // a few after, ahead of a sequential replay) if they are not in yet.
  absl::StatusOr<const char*> Bytes(Segment& seg, uint64_t offset, uint64_t length) {
    RINGKV_CHECK(offset + length <= seg.size);
    const uint64_t first = offset / kReadChunk;
    const uint64_t last = length == 0 ? first : (offset + length - 1) / kReadChunk;
    io::Chain batch;
    batch.set_linked(false);
    std::vector<std::pair<uint64_t, uint64_t>> reads;  // (offset, length) per op
    const uint64_t ahead = std::min<uint64_t>(seg.loaded.size() - 1, last + kReadAheadChunks - 1);
    for (uint64_t i = first; i <= ahead; ++i) {
      if (seg.loaded[i]) continue;
      if (i > last && reads.empty()) break;  // read ahead only along with a chunk that is needed
      const uint64_t off = i * kReadChunk;
      const uint64_t len = std::min(kReadChunk, seg.size - off);
      batch.ReadUpTo(seg.file.id(), seg.data.get() + off, len, off);
      reads.emplace_back(off, len);
      seg.loaded[i] = true;
    }
    if (reads.empty()) return seg.data.get() + offset;
    io::Completion c = io_.Run(std::move(batch));
    if (!c.ok()) return c.status;
    RINGKV_CHECK(c.results.size() == reads.size());
    for (size_t op = 0; op < reads.size(); ++op) {
      const auto [off, len] = reads[op];
      RINGKV_CHECK(c.results[op] >= 0);
      const uint64_t got = static_cast<uint64_t>(c.results[op]);
      RINGKV_CHECK(got <= len);
      // A file shorter than a segment reads as zeros past its end, as never-written log would.
      std::memset(seg.data.get() + off + got, 0, len - got);
      bytes_read_ += got;
    }
    return seg.data.get() + offset;
  }

  // Replay starts at `p`: a whole, valid fragment there that continues or ends a record means
  // `p` is not a record boundary, and replaying from it would drop the log as a torn tail.
  absl::Status CheckStartsRecord(uint64_t p, uint64_t seg_end, Segment& seg,
                                 const FragmentHeader& h) {
    if (h.type != FragmentType::kMiddle && h.type != FragmentType::kLast) return absl::OkStatus();
    if (h.lsn != p || h.length > kMaxFragmentPayload ||
        h.length > seg_end - p - kFragmentHeaderBytes) {
      return absl::OkStatus();
    }
    // The replay loop loads only the header of a fragment it refuses: load the rest to check it.
    const uint64_t offset = kSegmentHeaderBytes + (p - seg.number * data_bytes_);
    absl::StatusOr<const char*> at = Bytes(seg, offset, kFragmentHeaderBytes + h.length);
    if (!at.ok()) return at.status();
    if (FragmentChecksum(*at, std::string_view(*at + kFragmentHeaderBytes, h.length)) !=
        h.checksum) {
      return absl::OkStatus();
    }
    return absl::DataLossError(absl::StrFormat(
        "WAL replay must start at a record boundary, but LSN %d (%s at offset %d) holds the %s "
        "fragment of a record that starts before it (a damaged checkpoint LSN?)",
        p, seg.path, offset, h.type == FragmentType::kMiddle ? "middle" : "last"));
  }

  // A fragment failed at `p`. If the next block starts with a valid skip fragment naming `p` as
  // where the zeros before it begin, the log continues there (its LSN); else nullopt.
  std::optional<uint64_t> SkipFrom(uint64_t p) {
    if (p % kBlockBytes == 0) return std::nullopt;
    const uint64_t q = (p / kBlockBytes + 1) * kBlockBytes;
    RINGKV_DCHECK(q > p);
    const uint64_t n = q / data_bytes_;
    Segment* seg = nullptr;
    if (!present_.count(n) || !Load(n, &seg).ok()) return std::nullopt;
    absl::StatusOr<const char*> bytes = Bytes(
        *seg, kSegmentHeaderBytes + (q - n * data_bytes_), kFragmentHeaderBytes + kSkipPayloadBytes);
    if (!bytes.ok()) return std::nullopt;
    const char* at = *bytes;
    const FragmentHeader h = DecodeFragmentHeader(at);
    if (h.type != FragmentType::kSkip || h.lsn != q || h.length != kSkipPayloadBytes) {
      return std::nullopt;
    }
    const std::string_view payload(at + kFragmentHeaderBytes, h.length);
    if (FragmentChecksum(at, payload) != h.checksum) return std::nullopt;
    if (DecodeFixed64(payload.data()) != p) return std::nullopt;
    return q;
  }

  static uint16_t Generation(uint64_t segment) { return static_cast<uint16_t>(segment); }

  // Replay ran out of segments at `p` (a segment boundary, or `from` itself). Segments are
  // created in order, each durably before the next, so a later segment without this one, or a
  // replay start inside a segment that is gone, means a file was lost, not a log that ends.
  absl::Status CheckNoMissingSegment(uint64_t from, uint64_t p) const {
    const uint64_t missing = p / data_bytes_;
    if (present_.count(missing)) return absl::OkStatus();
    if (from % data_bytes_ != 0 && missing == from / data_bytes_) {
      return absl::DataLossError(absl::StrCat(
          "WAL segment ", files_.PathOf(missing), " is missing: it holds LSN ", from,
          ", where the last checkpoint says the log goes on"));
    }
    auto later = present_.upper_bound(missing);
    if (later != present_.end()) {
      return absl::DataLossError(absl::StrCat("WAL segment ", files_.PathOf(missing),
                                              " is missing, but the later segment ",
                                              files_.PathOf(*later), " exists"));
    }
    return absl::OkStatus();
  }

  // A fragment failed at `p`. The log is corrupt if a valid fragment vouches that `p` was
  // durable when it was appended (DurableBefore: any fragment within the tear window, whose
  // claims are exact enough to matter there), or if a valid fragment lies beyond the reach of
  // one torn write; otherwise `p` is a torn (or clean) tail. Beyond the window it looks
  // kTailScanBytes (into the next segment if the window reaches its end), which any log that
  // went on beyond the window has a fragment start in.
  absl::Status CheckTornTail(uint64_t p, const Segment& bad_seg, const FragmentHeader& h,
                             uint64_t actual, bool shape_ok) {
    // Copied: loading later segments may evict the failing one from the cache.
    const std::string bad_path = bad_seg.path;
    const uint64_t bad_offset = kSegmentHeaderBytes + (p - bad_seg.number * data_bytes_);
    const uint64_t beyond = AlignFragment(p + kMaxWriteBytes);
    uint64_t from = AlignFragment(p + kFragmentAlign);
    uint64_t until = beyond + kTailScanBytes;
    for (uint64_t n = from / data_bytes_; present_.count(n); ++n) {
      Segment* s = nullptr;
      if (!Load(n, &s).ok()) break;
      const uint64_t seg_start = n * data_bytes_;
      const uint64_t seg_end = seg_start + data_bytes_;
      const uint64_t q_begin = std::max(from, seg_start);
      const uint64_t q_end = std::min(until, seg_end);
      // The scanned positions and the longest payload a fragment at the last of them may have.
      const uint64_t read_end = std::min(seg_end, q_end + kFragmentHeaderBytes + kMaxFragmentPayload);
      if (q_begin < q_end) {
        absl::StatusOr<const char*> base = Bytes(
            *s, kSegmentHeaderBytes + (q_begin - seg_start), read_end - q_begin);
        if (!base.ok()) break;
      }
      for (uint64_t q = q_begin; q < q_end && q + kFragmentHeaderBytes <= seg_end;
           q += kFragmentAlign) {
        const char* at = s->data.get() + kSegmentHeaderBytes + (q - seg_start);
        const FragmentHeader g = DecodeFragmentHeader(at);
        if (g.lsn != q || g.generation != Generation(n) || g.length > kMaxFragmentPayload ||
            g.length > seg_end - q - kFragmentHeaderBytes) {
          continue;
        }
        const std::string_view payload(at + kFragmentHeaderBytes, g.length);
        // Only a seal's claim is trusted here. The claims ordinary fragments carry were seen to
        // vouch for a hole that a SIGKILLed writer left legally (HarnessTest.
        // SigkillFindsNoViolation, with four writes in flight), so until that is understood
        // they do not turn a tail into corruption.
        const uint64_t durable = DurableBefore(g, payload);
        const bool is_seal = g.type == FragmentType::kSkip && (g.flags & kSealFlag) != 0;
        const bool vouches = is_seal && durable > p;
        if (q < beyond && !vouches) continue;
        if (FragmentChecksum(at, payload) != g.checksum) continue;
        return absl::DataLossError(absl::StrFormat(
            "WAL corruption in %s at offset %d (LSN %d): %s; a valid record follows at LSN %d "
            "in %s, %s, so this is not a torn tail",
            bad_path, bad_offset, p,
            shape_ok ? absl::StrFormat("checksum expected %016x, actual %016x", h.checksum, actual)
                     : absl::StrFormat("fragment header invalid (stored LSN %d, length %d, type %d)",
                                       h.lsn, h.length, static_cast<int>(h.type)),
            q, s->path,
            vouches ? absl::StrCat("written when the log was durable up to LSN ", durable)
                    : "beyond the reach of one torn write"));
      }
      if (until <= seg_end) break;
      // The window ran past this segment's end: the log would go on at the next one's start.
      from = seg_end;
      until = std::max(until, seg_end + kTailScanBytes);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ReplayResult> Finish(uint64_t end, ReplayResult* result) {
    RINGKV_CHECK(end >= from_);  // replay never ends before where it started
    RINGKV_CHECK(end % kFragmentAlign == 0);  // the writer goes on there: a fragment boundary
    result->end_lsn = end;
    result->bytes_read = bytes_read_;
    const uint64_t block_start = end / kBlockBytes * kBlockBytes;
    const uint64_t n = end / data_bytes_;
    // The block's bytes, when the segment holding them is at hand (a block never spans two).
    auto it = cache_.find(n);
    if (end > block_start && it != cache_.end()) {
      const uint64_t off = kSegmentHeaderBytes + (block_start - n * data_bytes_);
      result->tail.assign(it->second.data.get() + off, end - block_start);
    }
    RINGKV_DCHECK(result->tail.size() < kBlockBytes);
    return std::move(*result);
  }

  io::IoBackend& io_;
  const SegmentFiles& files_;
  const uint64_t data_bytes_;
  uint64_t from_ = 0;  // where this replay started
  std::set<uint64_t> present_;
  std::map<uint64_t, Segment> cache_;
  uint64_t bytes_read_ = 0;  // from segment files, so far
};

}  // namespace

absl::StatusOr<ReplayResult> ReplayLog(io::IoBackend& io, const SegmentFiles& files,
                                       uint64_t from, RecordFn fn) {
  Replayer r(io, files);
  return r.Run(from, fn);
}

}  // namespace ringkv::wal
