#include "wal/log_scan.h"

#include <fcntl.h>

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/coding.h"
#include "wal/segment_files.h"
#include "wal/wal_format.h"

namespace ringkv::wal {
namespace {

// A segment file as read: its bytes (zero where the file is short) and what is wrong with it.
struct SegmentImage {
  std::string path;
  std::string data;
  bool usable = false;  // the header is right: its fragments can be read
};

// Reads up to `bytes` of `path` (and one byte more, to see a longer file); *size is what the
// file held, up to bytes + 1.
absl::Status ReadWhole(io::IoBackend& io, const std::string& path, uint64_t bytes,
                       std::string* out, uint64_t* size) {
  absl::StatusOr<io::FileSlot> f = io.ReserveFile();
  if (!f.ok()) return f.status();
  io::Completion c = io.Run(io::Chain().OpenAt(f->id(), path, O_RDONLY));
  if (!c.ok()) return c.status;
  out->assign(bytes + 1, '\0');
  *size = 0;
  constexpr uint64_t kChunk = 4u << 20;
  for (uint64_t off = 0; off < bytes + 1; off += kChunk) {
    c = io.Run(io::Chain().ReadUpTo(f->id(), out->data() + off, std::min(kChunk, bytes + 1 - off), off));
    if (!c.ok()) return c.status;
    *size += c.results[0];
    if (static_cast<uint64_t>(c.results[0]) < std::min(kChunk, bytes + 1 - off)) break;
  }
  out->resize(bytes);
  return absl::OkStatus();
}

class Scanner {
 public:
  Scanner(io::IoBackend& io, SegmentFiles& files, std::vector<uint64_t> present)
      : io_(io), files_(files), data_bytes_(DataBytes(files.segment_bytes())),
        present_(std::move(present)) {}

  absl::StatusOr<LogScanResult> Run(uint64_t from, ScannedRecordFn on_record) {
    LogScanResult r;
    uint64_t p = from;
    bool in_record = false;
    uint64_t record_start = 0;
    std::string record;
    bool damaged = false;  // a damaged stretch began at damaged_at and has not ended yet
    uint64_t damaged_at = 0;
    std::string damage_cause;
    const uint64_t last = present_.empty() ? 0 : present_.back();
    for (uint64_t n = from / data_bytes_; !present_.empty() && n <= last; ++n) {
      const uint64_t seg_start = n * data_bytes_;
      const uint64_t seg_end = seg_start + data_bytes_;
      if (p < seg_start) p = seg_start;
      const SegmentImage* seg = Load(n, &r);
      if (seg == nullptr || !seg->usable) {
        // The segment's LSNs are lost; what was being assembled is too.
        if (!damaged) {
          damaged = true;
          damaged_at = in_record ? record_start : p;
          damage_cause = "segment unreadable";
        }
        in_record = false;
        p = seg_end;
        continue;
      }
      ++r.segments;
      while (seg_end - p >= kMinFragmentSpace) {
        const char* at = seg->data.data() + kSegmentHeaderBytes + (p - seg_start);
        const FragmentHeader h = DecodeFragmentHeader(at);
        if (!Valid(h, at, p, seg_end, n)) {
          // Zeros the writer left on purpose: the next block starts with a skip naming p.
          if (!damaged && p % kBlockBytes != 0) {
            const uint64_t q = (p / kBlockBytes + 1) * kBlockBytes;
            if (q + kFragmentHeaderBytes + kSkipPayloadBytes <= seg_end) {
              const char* next = seg->data.data() + kSegmentHeaderBytes + (q - seg_start);
              const FragmentHeader k = DecodeFragmentHeader(next);
              if (k.type == FragmentType::kSkip && k.length == kSkipPayloadBytes &&
                  Valid(k, next, q, seg_end, n) &&
                  DecodeFixed64(next + kFragmentHeaderBytes) == p) {
                p = q;
                continue;
              }
            }
          }
          if (!damaged) {
            damaged = true;
            // Zeros here are where the log ends, unless valid records follow (checked when
            // one is found); anything else names its cause.
            damaged_at = in_record ? record_start : p;
            damage_cause = Describe(h, at, p, seg_end);
          }
          in_record = false;
          p += kFragmentAlign;
          continue;
        }
        if (h.type == FragmentType::kSkip) {
          // Zeros up to a skip naming where they begin are the writer's; a seal (or any skip)
          // after a damaged stretch that starts elsewhere proves the stretch was log.
          const uint64_t prev_end =
              h.length == kSkipPayloadBytes ? DecodeFixed64(at + kFragmentHeaderBytes) : 0;
          if (damaged && prev_end != damaged_at) Report(damaged_at, p, damage_cause, &r);
          damaged = false;
          p = AlignFragment(p + kFragmentHeaderBytes + h.length);
          continue;
        }
        const bool starts = h.type == FragmentType::kFull || h.type == FragmentType::kFirst;
        if (starts == in_record) {
          // A record's continuation without its start, or a new start inside a record.
          if (!damaged) {
            damaged = true;
            damaged_at = in_record ? record_start : p;
            damage_cause = absl::StrCat("fragment of type ", static_cast<int>(h.type),
                                        " out of sequence");
          }
          in_record = false;
          if (!starts) {
            p = AlignFragment(p + kFragmentHeaderBytes + h.length);
            continue;
          }
        }
        if (starts) {
          if (damaged) {
            Report(damaged_at, p, damage_cause, &r);
            damaged = false;
          }
          record_start = p;
          record.clear();
        }
        record.append(at + kFragmentHeaderBytes, h.length);
        in_record = h.type == FragmentType::kFirst || h.type == FragmentType::kMiddle;
        p = AlignFragment(p + kFragmentHeaderBytes + h.length);
        if (!in_record) {
          on_record(record_start, record);
          ++r.records;
          r.end_lsn = p;
        }
      }
      p = seg_end;
    }
    // A damaged stretch with nothing valid after it is where the log ends (a torn or clean
    // tail), unless a segment file itself was bad.
    return r;
  }

 private:
  bool Valid(const FragmentHeader& h, const char* at, uint64_t p, uint64_t seg_end,
             uint64_t n) const {
    if (h.lsn != p || h.generation != static_cast<uint16_t>(n)) return false;
    if (h.type < FragmentType::kFull || h.type > FragmentType::kSkip) return false;
    if (h.length > seg_end - p - kFragmentHeaderBytes) return false;
    return FragmentChecksum(at, std::string_view(at + kFragmentHeaderBytes, h.length)) ==
           h.checksum;
  }

  std::string Describe(const FragmentHeader& h, const char* at, uint64_t p,
                       uint64_t seg_end) const {
    if (h.lsn == p && h.length <= seg_end - p - kFragmentHeaderBytes) {
      return absl::StrFormat(
          "fragment checksum expected %016x, actual %016x", h.checksum,
          FragmentChecksum(at, std::string_view(at + kFragmentHeaderBytes, h.length)));
    }
    return absl::StrFormat("fragment header invalid (stored LSN %d, length %d, type %d)", h.lsn,
                           h.length, static_cast<int>(h.type));
  }

  void Report(uint64_t bad, uint64_t resume, const std::string& cause, LogScanResult* r) const {
    const uint64_t n = bad / data_bytes_;
    LogDamage d;
    d.file = files_.PathOf(n);
    d.offset = kSegmentHeaderBytes + (bad - n * data_bytes_);
    d.lsn = bad;
    d.resume_lsn = resume;
    d.cause = absl::StrCat(cause, "; the records in LSN [", bad, ", ", resume,
                           ") are lost and valid records follow");
    r->damage.push_back(std::move(d));
  }

  // The segment, read and checked once; null if it is missing (reported).
  const SegmentImage* Load(uint64_t n, LogScanResult* r) {
    auto it = images_.find(n);
    if (it != images_.end()) return &it->second;
    images_.clear();  // one at a time: segments are read in order
    SegmentImage img;
    img.path = files_.PathOf(n);
    LogDamage d;
    d.file = img.path;
    d.lsn = n * data_bytes_;
    if (!std::binary_search(present_.begin(), present_.end(), n)) {
      d.cause = absl::StrCat("missing, but later segments exist: the records in LSN [",
                             n * data_bytes_, ", ", (n + 1) * data_bytes_, ") are lost");
      r->damage.push_back(std::move(d));
      return nullptr;
    }
    uint64_t size = 0;
    absl::Status s = ReadWhole(io_, img.path, files_.segment_bytes(), &img.data, &size);
    if (!s.ok()) {
      d.cause = std::string(s.message());
      r->damage.push_back(std::move(d));
      return &images_.emplace(n, std::move(img)).first->second;
    }
    const std::string_view block = std::string_view(img.data).substr(0, kSegmentHeaderBytes);
    const std::optional<SegmentHeader> h = DecodeSegmentHeader(block);
    img.usable = h && h->number == n && h->segment_bytes == files_.segment_bytes();
    if (!img.usable) {
      d.cause = absl::StrCat("bad segment header (",
                             !h ? DescribeBadSegmentHeader(block)
                                : absl::StrCat("says segment ", h->number, " of ",
                                               h->segment_bytes, " bytes"),
                             ")");
      r->damage.push_back(d);
    }
    if (size != files_.segment_bytes()) {
      d.offset = std::min(size, files_.segment_bytes());
      d.cause = size > files_.segment_bytes()
                    ? absl::StrCat("longer than the log's ", files_.segment_bytes(),
                                   "-byte segments (bytes appended)")
                    : absl::StrCat("truncated: ", size, " of ", files_.segment_bytes(),
                                   " bytes (the rest read as zeros)");
      r->damage.push_back(std::move(d));
    }
    return &images_.emplace(n, std::move(img)).first->second;
  }

  io::IoBackend& io_;
  SegmentFiles& files_;
  const uint64_t data_bytes_;
  const std::vector<uint64_t> present_;
  std::map<uint64_t, SegmentImage> images_;
};

// The segment size most readable headers agree on.
uint64_t MostCommonSegmentBytes(io::IoBackend& io, SegmentFiles& probe,
                                const std::vector<uint64_t>& present, uint64_t fallback) {
  std::map<uint64_t, int> votes;
  for (uint64_t n : present) {
    std::string block;
    uint64_t size = 0;
    if (!ReadWhole(io, probe.PathOf(n), kSegmentHeaderBytes, &block, &size).ok()) continue;
    const std::optional<SegmentHeader> h = DecodeSegmentHeader(block);
    if (h && h->segment_bytes >= 2 * kSegmentHeaderBytes && h->segment_bytes % 4096 == 0) {
      ++votes[h->segment_bytes];
    }
  }
  uint64_t best = fallback;
  int most = 0;
  for (const auto& [bytes, n] : votes) {
    if (n > most) {
      best = bytes;
      most = n;
    }
  }
  return best;
}

}  // namespace

absl::StatusOr<LogScanResult> ScanLog(io::IoBackend& io, const std::string& wal_dir,
                                      uint64_t from, uint64_t fallback_segment_bytes,
                                      ScannedRecordFn on_record) {
  SegmentFiles probe(io, wal_dir, fallback_segment_bytes);
  std::vector<uint64_t> present;
  std::vector<std::string> retired;
  absl::Status s = probe.List(&present, &retired);
  if (!s.ok()) return s;
  const uint64_t bytes = MostCommonSegmentBytes(io, probe, present, fallback_segment_bytes);
  SegmentFiles files(io, wal_dir, bytes);
  // Segments wholly below `from` are retired history: not read.
  const uint64_t first = from / DataBytes(bytes);
  present.erase(present.begin(), std::lower_bound(present.begin(), present.end(), first));
  if (present.empty() || present.front() != first) {
    if (from % DataBytes(bytes) != 0 || !present.empty()) {
      LogScanResult r;
      LogDamage d;
      d.file = files.PathOf(first);
      d.lsn = from;
      d.cause = absl::StrCat("missing: it holds LSN ", from,
                             ", where the last checkpoint says the log goes on");
      r.damage.push_back(std::move(d));
      if (present.empty()) return r;
      Scanner scan(io, files, present);
      absl::StatusOr<LogScanResult> rest = scan.Run(present.front() * DataBytes(bytes), on_record);
      if (!rest.ok()) return rest;
      rest->damage.insert(rest->damage.begin(), r.damage.begin(), r.damage.end());
      return rest;
    }
  }
  Scanner scan(io, files, present);
  return scan.Run(from, on_record);
}

}  // namespace ringkv::wal
