// MemTable holds recent writes in memory, every version of every key ordered by (key ascending,
// sequence descending), in a skiplist: one writer at a time (the DB's write lock) and any
// number of lock-free readers and iterators, which stay valid while writes go on.
#ifndef RINGKV_ENGINE_MEMTABLE_H_
#define RINGKV_ENGINE_MEMTABLE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/arena.h"
#include "engine/write_batch.h"

namespace ringkv {

class MemTable {
 public:
  MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Caller serializes Add calls; `seq` is unique (the LSN of the batch plus the entry's index).
  void Add(uint64_t seq, EntryType type, std::string_view key, std::string_view value);

  enum class Lookup { kAbsent, kFound, kDeleted };
  // The newest version of `key` with sequence <= `snapshot_seq`.
  Lookup Get(std::string_view key, uint64_t snapshot_seq, std::string* value) const;

  size_t ApproximateBytes() const { return arena_.MemoryUsage(); }
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
  struct Node;
  static constexpr int kMaxHeight = 12;

  Node* NewNode(const char* entry, int height);
  int RandomHeight();
  // First node >= target (internal order); fills prev[] when non-null.
  Node* FindGreaterOrEqual(std::string_view key, uint64_t seq, Node** prev) const;
  Node* FindLessThan(const char* entry) const;
  Node* FindLast() const;

  Arena arena_;
  Node* head_;
  std::atomic<int> max_height_{1};
  std::atomic<uint64_t> entries_{0};
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_MEMTABLE_H_
