// Two planted bugs of WAL replay, planted below it: reads of a segment come back changed so that
// the correct reader does what a broken one would have done with the real bytes. Recognised by
// content (a valid segment header at offset 0), for reads that cover a segment from its start;
// the harness's 64 KiB segments are read whole.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/coding.h"
#include "crash/planted_bug_backend.h"
#include "crash/planted_bugs.h"
#include "wal/wal_format.h"

namespace ringkv::crash {
namespace {

// A segment's bytes as read, from file offset 0.
class SegmentImage {
 public:
  static std::optional<SegmentImage> Of(char* data, uint64_t bytes) {
    if (bytes < wal::kSegmentHeaderBytes) return std::nullopt;
    const std::optional<wal::SegmentHeader> h =
        wal::DecodeSegmentHeader(std::string_view(data, wal::kSegmentHeaderBytes));
    if (!h) return std::nullopt;
    const uint64_t data_bytes = wal::DataBytes(h->segment_bytes);
    const uint64_t first = h->number * data_bytes;
    const uint64_t read = std::min(data_bytes, bytes - wal::kSegmentHeaderBytes);
    return SegmentImage(data, first, first + data_bytes, first + read);
  }

  uint64_t first_lsn() const { return first_; }
  uint64_t segment_end_lsn() const { return segment_end_; }
  // The image holds a whole fragment header at `lsn`.
  bool HasHeaderAt(uint64_t lsn) const { return lsn + wal::kFragmentHeaderBytes <= read_end_; }
  char* At(uint64_t lsn) const { return data_ + wal::kSegmentHeaderBytes + (lsn - first_); }

  // The header at `lsn` names its own position and a fragment type, and its payload lies in
  // the image: everything replay checks besides the checksum.
  bool Plausible(uint64_t lsn, const wal::FragmentHeader& h) const {
    return h.lsn == lsn && h.type >= wal::FragmentType::kFull &&
           h.type <= wal::FragmentType::kSkip &&
           h.length <= read_end_ - lsn - wal::kFragmentHeaderBytes;
  }
  bool ChecksumMatches(uint64_t lsn, const wal::FragmentHeader& h) const {
    return wal::FragmentChecksum(At(lsn), Payload(lsn, h)) == h.checksum;
  }
  // Gives the fragment at `lsn` the checksum of what it holds now.
  void Reseal(uint64_t lsn, wal::FragmentHeader h) {
    h.checksum = wal::FragmentChecksum(At(lsn), Payload(lsn, h));
    wal::EncodeFragmentHeader(h, At(lsn));
  }

 private:
  SegmentImage(char* data, uint64_t first, uint64_t segment_end, uint64_t read_end)
      : data_(data), first_(first), segment_end_(segment_end), read_end_(read_end) {}
  std::string_view Payload(uint64_t lsn, const wal::FragmentHeader& h) const {
    return std::string_view(At(lsn) + wal::kFragmentHeaderBytes, h.length);
  }

  char* data_;
  uint64_t first_;
  uint64_t segment_end_;
  uint64_t read_end_;
};

// A reader that ignored checksums would take every plausible fragment: reseal them all.
void ForgeTornRecordsValid(SegmentImage& image) {
  for (uint64_t lsn = image.first_lsn(); image.HasHeaderAt(lsn); lsn += wal::kFragmentAlign) {
    const wal::FragmentHeader h = wal::DecodeFragmentHeader(image.At(lsn));
    if (image.Plausible(lsn, h)) image.Reseal(lsn, h);
  }
}

// A reader that followed any skip would go on past a hole: walk the fragments as replay does,
// and where one fails and the next block starts with a valid skip fragment, make the skip name
// that failure as where its zeros begin (a correct reader follows it only then).
void ForgeSkipsPastHoles(SegmentImage& image) {
  uint64_t lsn = image.first_lsn();
  while (image.segment_end_lsn() - lsn >= wal::kMinFragmentSpace && image.HasHeaderAt(lsn)) {
    const wal::FragmentHeader h = wal::DecodeFragmentHeader(image.At(lsn));
    if (image.Plausible(lsn, h) && image.ChecksumMatches(lsn, h)) {
      lsn = wal::AlignFragment(lsn + wal::kFragmentHeaderBytes + h.length);
      continue;
    }
    if (lsn % wal::kBlockBytes == 0) return;
    const uint64_t next_block = (lsn / wal::kBlockBytes + 1) * wal::kBlockBytes;
    if (!image.HasHeaderAt(next_block)) return;  // a skip in the next segment is not forged
    const wal::FragmentHeader skip = wal::DecodeFragmentHeader(image.At(next_block));
    if (skip.type != wal::FragmentType::kSkip || skip.length != wal::kSkipPayloadBytes ||
        !image.Plausible(next_block, skip) || !image.ChecksumMatches(next_block, skip)) {
      return;
    }
    EncodeFixed64(image.At(next_block) + wal::kFragmentHeaderBytes, lsn);
    image.Reseal(next_block, skip);
    lsn = next_block;
  }
}

using ForgeFn = void (*)(SegmentImage&);

class ForgedLogReadsBackend final : public PlantedBugBackend {
 public:
  ForgedLogReadsBackend(io::IoBackend& inner, ForgeFn forge)
      : PlantedBugBackend(inner), forge_(forge) {}

 protected:
  // The reads of each file, if they cover it from offset 0 without a gap, are one image.
  void Edit(io::PendingChain& completed) override {
    struct Piece {
      uint64_t offset;
      char* buf;
      uint64_t bytes;
    };
    std::map<int32_t, std::vector<Piece>> reads;
    const std::vector<io::Op>& ops = completed.chain.ops();
    for (size_t i = 0; i < ops.size(); ++i) {
      const int32_t res = completed.completion.results[i];
      if (ops[i].type != io::OpType::kRead || res <= 0) continue;
      reads[ops[i].file.index].push_back(
          {ops[i].offset, static_cast<char*>(ops[i].buf), static_cast<uint64_t>(res)});
    }
    for (auto& [file, pieces] : reads) {
      std::sort(pieces.begin(), pieces.end(),
                [](const Piece& a, const Piece& b) { return a.offset < b.offset; });
      if (pieces[0].offset != 0) continue;
      size_t run = 0;  // pieces[0, run) follow each other from offset 0
      uint64_t contiguous = 0;
      while (run < pieces.size() && pieces[run].offset == contiguous) {
        contiguous += pieces[run++].bytes;
      }
      if (run == 1) {
        Forge(pieces[0].buf, pieces[0].bytes);
        continue;
      }
      std::string whole(contiguous, '\0');
      for (size_t i = 0; i < run; ++i) {
        std::memcpy(whole.data() + pieces[i].offset, pieces[i].buf, pieces[i].bytes);
      }
      Forge(whole.data(), whole.size());
      for (size_t i = 0; i < run; ++i) {
        std::memcpy(pieces[i].buf, whole.data() + pieces[i].offset, pieces[i].bytes);
      }
    }
  }

 private:
  void Forge(char* data, uint64_t bytes) {
    if (std::optional<SegmentImage> image = SegmentImage::Of(data, bytes)) forge_(*image);
  }

  const ForgeFn forge_;
};

}  // namespace

std::unique_ptr<io::IoBackend> MakeTornRecordsValidBackend(io::IoBackend& inner) {
  return std::make_unique<ForgedLogReadsBackend>(inner, ForgeTornRecordsValid);
}

std::unique_ptr<io::IoBackend> MakeSkipsPastHolesBackend(io::IoBackend& inner) {
  return std::make_unique<ForgedLogReadsBackend>(inner, ForgeSkipsPastHoles);
}

}  // namespace ringkv::crash
