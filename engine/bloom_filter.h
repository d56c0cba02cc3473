// BloomFilter is the memtable's filter over every key added: two bits of one 64-bit word per
// key, one cache line per lookup, small enough to stay in the CPU cache, so a lookup for a key
// the memtable does not hold rarely pays the hash index's cache miss. One writer (the
// memtable's), lock-free readers; the caller passes the key's hash (MemTable's HashKey).
#ifndef RINGKV_ENGINE_BLOOM_FILTER_H_
#define RINGKV_ENGINE_BLOOM_FILTER_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "engine/zeroed_words.h"

namespace ringkv {

class BloomFilter {
 public:
  // One filter bit per 16 bytes of budget (512 KiB for the default 64 MiB: it stays in a core's
  // L2 cache): ~10 bits per key for entries of 16-byte keys and 100-byte values, a few percent
  // false positives; smaller entries mean more keys and more false positives, never a wrong
  // answer.
  explicit BloomFilter(size_t budget_bytes) : words_(WordsFor(budget_bytes)) {}

  bool MayContain(size_t hash) const {
    const uint64_t bits = Bits(hash);
    return (std::atomic_ref<uint64_t>(Word(hash)).load(std::memory_order_relaxed) & bits) ==
           bits;
  }

  void Add(size_t hash) {
    // Relaxed: the DB publishes the entry's sequence (release) after Add, and a reader reads
    // the sequence (acquire) before it looks.
    std::atomic_ref<uint64_t>(Word(hash)).fetch_or(Bits(hash), std::memory_order_relaxed);
  }

 private:
  static size_t WordsFor(size_t budget_bytes) {
    const size_t want = std::max<size_t>(64, budget_bytes / 16 / 64);
    size_t words = 64;
    while (words < want) words <<= 1;
    return words;
  }
  // Bits of the hash the index does not use for its slot or fingerprint.
  static uint64_t Bits(size_t hash) {
    return (1ull << ((hash >> 32) & 63)) | (1ull << ((hash >> 38) & 63));
  }
  uint64_t& Word(size_t hash) const {
    return words_.data()[(hash >> 16) & (words_.size() - 1)];  // size: a power of two
  }

  ZeroedWords words_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_BLOOM_FILTER_H_
