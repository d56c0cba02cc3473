// MemTable holds recent writes in memory, every version of every key ordered by (key ascending,
// sequence descending), in a skiplist: one writer at a time (the DB's write lock) and any
// number of lock-free readers and iterators, which stay valid while writes go on.
//
// Point lookups go through a hash index beside the skiplist (MemTableIndex: key -> entry of its
// newest version), which costs a hash and one or two cache misses where the skiplist costs one
// per level (~20 for a full memtable); in front of both, a Bloom filter (BloomFilter) that fits
// in the CPU cache answers most lookups for keys the memtable does not hold. The skiplist is in
// memtable.cc, bulk loading in memtable_bulk_load.cc.
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
#include "engine/bloom_filter.h"
#include "engine/memtable_index.h"
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
  // skiplist for each entry (a cache miss per level once it outgrows the CPU cache).
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
  size_t IndexBytes() const { return index_.bytes(); }
  // False once more distinct keys arrived than the index holds (lookups use the skiplist).
  bool index_enabled() const { return index_.enabled(); }
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

  Arena arena_;
  Node* head_;
  std::atomic<int> max_height_{1};
  std::atomic<uint64_t> entries_{0};
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
  MemTableIndex index_;
  BloomFilter filter_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_MEMTABLE_H_
