// The keys and values of the scale workload. Key i is 16 hex digits of a bijective 64-bit mix
// of i (so keys 0..N-1 are distinct and arrive in random order) plus 0-3 more bytes (16-19
// bytes in all); a reader regenerates key i to look it up. Values are fresh pseudo-random
// bytes per put, so no engine can compress them.
#ifndef RINGKV_BENCH_SCALE_SCALE_KEYS_H_
#define RINGKV_BENCH_SCALE_SCALE_KEYS_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

namespace ringkv::bench {

inline constexpr size_t kScaleValueBytes = 100;

// SplitMix64's finalizer: a bijection on 64-bit numbers.
inline uint64_t MixBits(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Writes key `i` into `out` (reusing its buffer).
inline void ScaleKey(uint64_t i, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const uint64_t h = MixBits(i);
  out->resize(16 + i % 4);
  for (int d = 0; d < 16; ++d) (*out)[d] = kHex[(h >> (60 - 4 * d)) & 0xF];
  // The extra 0-3 bytes repeat the lowest digits: they vary the length, not the order.
  for (size_t d = 16; d < out->size(); ++d) (*out)[d] = kHex[(h >> (4 * (d - 16))) & 0xF];
}

// The mean size of a scale key over 0..3 extra bytes.
inline constexpr double kScaleMeanKeyBytes = 17.5;

// xorshift64*: a fast generator for values and for picking random keys. One per thread.
class ScaleRandom {
 public:
  explicit ScaleRandom(uint64_t seed) : state_(MixBits(seed) | 1) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  // A uniform-enough pick in [0, n) for benchmark key choice (n far below 2^64).
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Fills `out` with kScaleValueBytes fresh random bytes.
  void Value(std::string* out) {
    out->resize(kScaleValueBytes);
    for (size_t off = 0; off < kScaleValueBytes; off += 8) {
      const uint64_t w = Next();
      std::memcpy(out->data() + off, &w, std::min<size_t>(8, kScaleValueBytes - off));
    }
  }

 private:
  uint64_t state_;
};

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_SCALE_SCALE_KEYS_H_
