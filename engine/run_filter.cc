#include "engine/run_filter.h"

#include <xxhash.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/coding.h"
#include "engine/sorted_run_format.h"

namespace ringkv {
namespace {

constexpr uint64_t kWordsPerBlock = kRunFilterBlockBytes / 8;

uint64_t BlocksFor(uint64_t keys) {
  return std::max<uint64_t>(1, (keys * kRunFilterBitsPerKey + 511) / 512);
}

// The bits a key sets in its block: 9 bits of a second mix of the hash per probe.
uint64_t ProbeBits(uint64_t hash) { return hash * 0x9E3779B97F4A7C15ull; }

}  // namespace

void RunFilter::FreeAligned::operator()(uint64_t* p) const { std::free(p); }

RunFilter::RunFilter(uint64_t blocks, bool) : blocks_(blocks) {
  RINGKV_CHECK(blocks_ >= 1);
  void* p = std::aligned_alloc(kRunFilterBlockBytes, blocks_ * kRunFilterBlockBytes);
  RINGKV_CHECK(p != nullptr);
  std::memset(p, 0, blocks_ * kRunFilterBlockBytes);
  words_.reset(static_cast<uint64_t*>(p));
}

RunFilter::RunFilter(uint64_t keys) : RunFilter(BlocksFor(keys), true) {}

uint64_t RunFilter::Hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

uint64_t* RunFilter::Block(uint64_t hash) const {
  // The high half picks the block (a multiply-shift, no division), the rest the bits.
  const uint64_t b = ((hash >> 32) * blocks_) >> 32;
  return words_.get() + b * kWordsPerBlock;
}

void RunFilter::Add(uint64_t hash) {
  uint64_t* block = Block(hash);
  uint64_t bits = ProbeBits(hash);
  for (uint32_t i = 0; i < kRunFilterProbes; ++i, bits >>= 9) {
    block[(bits & 511) >> 6] |= 1ull << (bits & 63);
  }
}

bool RunFilter::MayContain(uint64_t hash) const {
  const uint64_t* block = Block(hash);
  uint64_t bits = ProbeBits(hash);
  for (uint32_t i = 0; i < kRunFilterProbes; ++i, bits >>= 9) {
    if ((block[(bits & 511) >> 6] & (1ull << (bits & 63))) == 0) return false;
  }
  return true;
}

std::string RunFilter::Encode() const {
  std::string out;
  PutFixed32(&out, kRunFilterVersion);
  PutFixed32(&out, kRunFilterProbes);
  PutFixed64(&out, blocks_);
  RINGKV_DCHECK(out.size() == kRunFilterHeaderBytes);
  out.append(reinterpret_cast<const char*>(words_.get()), blocks_ * kRunFilterBlockBytes);
  return out;
}

absl::StatusOr<std::unique_ptr<RunFilter>> RunFilter::Decode(std::string_view b,
                                                            const std::string& where) {
  if (b.size() < kRunFilterHeaderBytes) {
    return absl::DataLossError(absl::StrCat("sorted-run filter at ", where, " is truncated: ",
                                            b.size(), " bytes"));
  }
  const uint32_t version = DecodeFixed32(b.data());
  const uint32_t probes = DecodeFixed32(b.data() + 4);
  const uint64_t blocks = DecodeFixed64(b.data() + 8);
  if (version != kRunFilterVersion || probes != kRunFilterProbes) {
    return absl::DataLossError(absl::StrCat("sorted-run filter at ", where, " has version ",
                                            version, " and ", probes, " probes; expected ",
                                            kRunFilterVersion, " and ", kRunFilterProbes));
  }
  if (blocks == 0 || blocks > (b.size() - kRunFilterHeaderBytes) / kRunFilterBlockBytes ||
      b.size() != kRunFilterHeaderBytes + blocks * kRunFilterBlockBytes) {
    return absl::DataLossError(absl::StrCat("sorted-run filter at ", where, " claims ", blocks,
                                            " blocks in ", b.size(), " bytes"));
  }
  auto f = std::unique_ptr<RunFilter>(new RunFilter(blocks, true));
  std::memcpy(f->words_.get(), b.data() + kRunFilterHeaderBytes, blocks * kRunFilterBlockBytes);
  return f;
}

}  // namespace ringkv
