// MemTableIndex is the hash index beside the memtable's skiplist: key -> the encoded entry of its
// newest version, so a point lookup costs a hash and one or two cache misses where the skiplist
// costs one per level. Sized once from the memtable's budget; when more distinct keys arrive
// than it holds at 3/4 load it switches itself off and lookups use the skiplist. One writer
// (the memtable's), lock-free readers; entries must outlive the index (the memtable's arena).
#ifndef RINGKV_ENGINE_MEMTABLE_INDEX_H_
#define RINGKV_ENGINE_MEMTABLE_INDEX_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/memtable_entry.h"
#include "engine/zeroed_words.h"

namespace ringkv {

class MemTableIndex {
 public:
  explicit MemTableIndex(size_t budget_bytes) : slots_(SlotsFor(budget_bytes)) {}

  // False once more distinct keys arrived than the index holds (or an address it cannot hold).
  bool enabled() const { return !off_.load(std::memory_order_relaxed); }
  size_t bytes() const { return slots_.size() * sizeof(uint64_t); }

  // Asks for the slot `hash` starts at: it is a cache miss, which can overlap other work.
  void Prefetch(size_t hash) const { __builtin_prefetch(&slots_.data()[hash & mask()], 1); }

  // The encoded entry of the newest version of `key` (any sequence), or null; enabled() only.
  // `hash`: HashKey(key).
  const char* Find(std::string_view key, size_t hash) const {
    const uint64_t fp = Fingerprint(hash);
    for (size_t i = hash & mask();; i = (i + 1) & mask()) {
      const uint64_t slot = Slot(i).load(std::memory_order_acquire);
      if (slot == 0) return nullptr;
      if ((slot & ~kPointerMask) != fp) continue;
      const char* entry = reinterpret_cast<const char*>(slot & kPointerMask);
      if (DecodeEntry(entry).key == key) return entry;
    }
  }

  // Makes `entry` the one its key finds, unless a newer version of the key is there already.
  // `hash`: HashKey of the entry's key.
  void Insert(const char* entry, size_t hash) {
    if (off_.load(std::memory_order_relaxed)) return;
    const uint64_t ptr = reinterpret_cast<uint64_t>(entry);
    if ((ptr & ~kPointerMask) != 0) {
      off_.store(true, std::memory_order_relaxed);  // an address the slots cannot hold
      return;
    }
    const DecodedEntry e = DecodeEntry(entry);
    const uint64_t value = Fingerprint(hash) | ptr;
    for (size_t i = hash & mask();; i = (i + 1) & mask()) {
      const uint64_t slot = Slot(i).load(std::memory_order_relaxed);
      if (slot == 0) {
        if (4 * (used_ + 1) > 3 * slots_.size()) {
          // Full. Readers whose snapshot includes this entry see the switch (it happens before
          // the DB publishes the entry's sequence); older snapshots find the index complete.
          off_.store(true, std::memory_order_relaxed);
          return;
        }
        ++used_;
        Slot(i).store(value, std::memory_order_release);
        return;
      }
      if ((slot & ~kPointerMask) != (value & ~kPointerMask)) continue;
      const DecodedEntry old = DecodeEntry(reinterpret_cast<const char*>(slot & kPointerMask));
      if (old.key == e.key) {
        // The slot keeps the newest version (callers add in sequence order, tests need not).
        if ((e.tag >> 8) > (old.tag >> 8)) Slot(i).store(value, std::memory_order_release);
        return;
      }
    }
  }

 private:
  // A slot holds the address of the encoded entry (key, tag and value together: one cache miss
  // for a hit; user space, so below 2^48) with the top 16 bits of the key's hash above it, so a
  // probe for an absent key rarely touches memory beyond the slot.
  static constexpr int kPointerBits = 48;
  static constexpr uint64_t kPointerMask = (1ull << kPointerBits) - 1;
  // Bytes of memtable per index slot. An entry costs at least ~64 bytes of arena (node with its
  // tower, tag, lengths, a short key), so a full memtable fills at most ~2/3 of the slots when
  // this is 48; typical entries (100-byte values) fill a fifth.
  static constexpr size_t kBytesPerSlot = 48;
  static constexpr size_t kMinSlots = 1024;

  static size_t SlotsFor(size_t budget_bytes) {
    const size_t want = std::max(kMinSlots, budget_bytes / kBytesPerSlot);
    size_t slots = kMinSlots;
    while (slots < want) slots <<= 1;
    return slots;
  }
  static uint64_t Fingerprint(size_t hash) {
    return (static_cast<uint64_t>(hash) >> kPointerBits) << kPointerBits;
  }
  size_t mask() const { return slots_.size() - 1; }  // size: a power of two
  std::atomic_ref<uint64_t> Slot(size_t i) const {
    return std::atomic_ref<uint64_t>(slots_.data()[i]);
  }

  // Open addressing, linear probing; a slot once set only ever moves to a newer version of the
  // same key, so readers need no lock. Load factor kept <= 3/4.
  ZeroedWords slots_;
  size_t used_ = 0;  // writer only
  std::atomic<bool> off_{false};
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_MEMTABLE_INDEX_H_
