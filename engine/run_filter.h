// RunFilter is a sorted run's Bloom filter over its keys (tombstones included): blocked, so a
// lookup touches one 64-byte line, about ten bits per key, so a get for a key a run does not hold
// reads none of the run's pages at the cost of a percent or so of false positives. Immutable
// once built; any number of threads may probe it. Stored in the page file as an overflow chain
// (docs/format.md, "Sorted runs"; constants in engine/sorted_run_format.h).
#ifndef RINGKV_ENGINE_RUN_FILTER_H_
#define RINGKV_ENGINE_RUN_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ringkv {

class RunFilter {
 public:
  // An empty filter sized for `keys` keys; Add each of them before probing.
  explicit RunFilter(uint64_t keys);
  RunFilter(const RunFilter&) = delete;
  RunFilter& operator=(const RunFilter&) = delete;

  static uint64_t Hash(std::string_view key);
  void Add(uint64_t hash);
  bool MayContain(uint64_t hash) const;

  // The stored form, and its decoder (DataLoss naming `where` if the bytes are not a filter of
  // this version).
  std::string Encode() const;
  static absl::StatusOr<std::unique_ptr<RunFilter>> Decode(std::string_view bytes,
                                                           const std::string& where);
  uint64_t blocks() const { return blocks_; }
  size_t memory_bytes() const { return blocks_ * 64; }

 private:
  struct FreeAligned {
    void operator()(uint64_t* p) const;
  };
  RunFilter(uint64_t blocks, bool);
  uint64_t* Block(uint64_t hash) const;

  uint64_t blocks_;
  std::unique_ptr<uint64_t[], FreeAligned> words_;  // 8 per block, 64-byte aligned
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_RUN_FILTER_H_
