// MemTable::Node, the skiplist's node, for the files that implement MemTable (memtable.cc,
// memtable_bulk_load.cc); nothing else includes it.
//
// A node and its entry are one allocation: the tower of links above level 0 first, then the
// node, then the encoded entry (key first). A search reads, at each node it passes, the link it
// follows and the key it compares; with the key right behind the node they share a cache line
// or two adjacent ones, where a separately allocated entry was a second cache miss per node.
#ifndef RINGKV_ENGINE_MEMTABLE_NODE_H_
#define RINGKV_ENGINE_MEMTABLE_NODE_H_

#include <atomic>
#include <cstdint>
#include <string_view>

#include "engine/memtable.h"
#include "engine/memtable_entry.h"

namespace ringkv {

struct MemTable::Node {
  std::atomic<Node*> next0;  // level i's link is at (&next0)[-i]
  uint64_t tag;              // seq << 8 | type, unencoded: compared at every node passed
  uint32_t key_len;
  uint32_t key_offset;       // of the key within the entry

  Node* Next(int level) const { return (&next0 - level)->load(std::memory_order_acquire); }
  void SetNext(int level, Node* n) { (&next0 - level)->store(n, std::memory_order_release); }
  void InitNext(int level, Node* n) { (&next0 - level)->store(n, std::memory_order_relaxed); }
  const char* entry() const { return reinterpret_cast<const char*>(this + 1); }
  DecodedEntry Get() const { return DecodeEntry(entry()); }
  std::string_view Key() const { return std::string_view(entry() + key_offset, key_len); }
  uint64_t Seq() const { return tag >> 8; }
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_MEMTABLE_NODE_H_
