// MemTable holds recent writes in memory, every version of every key ordered by (key ascending,
// sequence descending), in a skiplist: one writer at a time (the DB's write lock) and any
// number of lock-free readers and iterators, which stay valid while writes go on.
//
// Point lookups go through a hash index beside the skiplist (key -> entry of its newest
// version): a lookup costs a hash and one or two cache misses where the skiplist costs one per
// level (~20 for a full memtable). The index is an open-addressing table sized once from the
// memtable's budget; if more distinct keys arrive than it holds, it switches itself off and
// lookups use the skiplist. In front of both, a Bloom filter that fits in the CPU cache answers
// most lookups for keys the memtable does not hold.
#ifndef RINGKV_ENGINE_MEMTABLE_H_
#define RINGKV_ENGINE_MEMTABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/arena.h"
#include "ringkv/write_batch.h"

namespace ringkv {

class MemTable {
  struct Node;

 public:
  // `budget_bytes`: the size at which the DB turns this memtable immutable; it sizes the index.
  explicit MemTable(size_t budget_bytes = 4u << 20);
  ~MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Caller serializes Add calls; `seq` is unique (the LSN of the batch plus the entry's index).
  void Add(uint64_t seq, EntryType type, std::string_view key, std::string_view value);

  struct NewEntry {
    uint64_t seq;
    EntryType type;
    std::string_view key;
    std::string_view value;
  };
  // The same as Add for each entry (serialized the same way), but the skiplist searches of up
  // to kSearchLanes entries go on side by side, so their cache misses, one per level for each,
  // overlap instead of queuing one after another: a group commit's entries land in random
  // places of a table larger than the CPU cache.
  void AddMany(std::span<const NewEntry> entries);

  // Fills an empty memtable that no reader sees yet (recovery) from many entries at once:
  // staged unlinked, then sorted and linked level by level in one pass, where Add searches the
  // skiplist for each entry (~3 us per entry once it holds millions, a cache miss per level).
  // The memtable is as if every entry had been Added once Finish returns. Until then each
  // staged entry also costs 32 bytes outside the arena.
  class BulkLoad {
   public:
    explicit BulkLoad(MemTable* table);
    void Add(uint64_t seq, EntryType type, std::string_view key, std::string_view value);
    void Finish();

   private:
    struct Staged {
      uint64_t k0, k1;  // the key's first 16 bytes, big-endian, zero-padded
      Node* node;
      int height;
    };
    MemTable* table_;
    std::vector<Staged> staged_;
  };

  enum class Lookup { kAbsent, kFound, kDeleted };
  // The newest version of `key` with sequence <= `snapshot_seq`.
  Lookup Get(std::string_view key, uint64_t snapshot_seq, std::string* value) const;

  // The arena (keys, values, nodes); the index beside it is fixed at construction.
  size_t ApproximateBytes() const { return arena_.MemoryUsage(); }
  size_t IndexBytes() const { return index_slots_ * sizeof(uint64_t); }
  // False once more distinct keys arrived than the index holds (lookups use the skiplist).
  bool index_enabled() const { return !index_off_.load(std::memory_order_relaxed); }
  uint64_t entries() const { return entries_.load(std::memory_order_relaxed); }

  // Walks every version in order. Valid while the memtable lives.
  class Iterator {
   public:
    explicit Iterator(const MemTable* table) : table_(table) {}
    bool Valid() const { return node_ != nullptr; }
    void SeekToFirst();
    void SeekToLast();
    // First entry at or after (key, seq) in internal order.
    void Seek(std::string_view key, uint64_t seq);
    void Next();
    void Prev();
    std::string_view key() const;
    uint64_t seq() const;
    EntryType type() const;
    std::string_view value() const;

   private:
    const MemTable* table_;
    const void* node_ = nullptr;
  };

 private:
  static constexpr int kMaxHeight = 20;
  // Searches AddMany runs at once: enough to keep the core's outstanding misses busy.
  static constexpr int kSearchLanes = 16;

  // A node with room for `entry_bytes` of encoded entry behind it, links null.
  Node* NewNode(int height, size_t entry_bytes);
  // A node holding the encoded entry, not yet linked.
  Node* MakeNode(uint64_t seq, EntryType type, std::string_view key, std::string_view value,
                 int height);
  int RandomHeight();
  // First node >= target (internal order); fills prev[] when non-null.
  Node* FindGreaterOrEqual(std::string_view key, uint64_t seq, Node** prev) const;
  // FindGreaterOrEqual's prev[] for each of `count` (<= kSearchLanes) unlinked nodes, the
  // searches interleaved step by step with the next node of each prefetched.
  void FindPredecessors(Node* const* targets, int count, Node* (*prev)[kMaxHeight]) const;
  // Asks for the lines a search step reads at `n`: its key (compared) and its link at `level`
  // (followed if the search moves there).
  static void PrefetchNode(const Node* n, int level);
  // Links unlinked node `n` of `height` after prev[i] at each level i < height.
  void Link(Node* n, int height, Node* const* prev);
  Node* FindLessThan(const char* entry) const;
  Node* FindLast() const;
  // The encoded entry of the newest version of `key` (any sequence), or null; index on.
  const char* IndexFind(std::string_view key, size_t hash) const;  // hash: HashKey(key)
  void IndexInsert(const char* entry, size_t hash);  // hash: HashKey of the entry's key

  Arena arena_;
  Node* head_;
  std::atomic<int> max_height_{1};
  std::atomic<uint64_t> entries_{0};
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
  // Open addressing, linear probing; a slot once set only ever moves to a newer version of the
  // same key, so readers need no lock. Load factor kept <= 3/4. A slot holds the address of
  // the encoded entry (key, tag and value together: one cache miss for a hit; user space, so
  // below 2^48) with the top 16 bits of the key's hash above it, so a probe for an absent key
  // rarely touches memory beyond the slot.
  // An anonymous mapping (memory, not a file), so a big table is fresh zero pages faulted in
  // as slots fill: constructing a memtable (under the DB's write lock, at rotation) does not
  // clear 16 MiB first, as new[]() or a recycled calloc would (measured: 9 ms). Accessed
  // through std::atomic_ref.
  struct Unmap {
    size_t bytes;
    void operator()(uint64_t* p) const;
  };
  std::unique_ptr<uint64_t[], Unmap> index_;
  size_t index_slots_ = 0;  // a power of two
  size_t index_used_ = 0;   // writer only
  std::atomic<bool> index_off_{false};
  // A Bloom filter over every key added, small enough to stay in the CPU cache, so a lookup
  // for a key this memtable does not hold (most lookups, once the data outgrew the memtable)
  // rarely pays the index slot's cache miss (perf: 13% of a random-read run).
  static uint64_t FilterBits(size_t hash);
  size_t FilterWord(size_t hash) const;
  bool FilterMayContain(size_t hash) const;
  void FilterAdd(size_t hash);
  std::unique_ptr<uint64_t[], Unmap> filter_;
  size_t filter_words_ = 0;  // a power of two
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_MEMTABLE_H_
