#include <algorithm>
#include <cstring>
#include <utility>

#include "base/check.h"
#include "engine/key_order.h"
#include "engine/memtable.h"
#include "engine/memtable_node.h"

namespace ringkv {
namespace {

// The first 16 bytes of a key as two big-endian numbers, zero-padded: where they differ they
// order the keys (a shorter key pads with zeros and is the smaller one there).
std::pair<uint64_t, uint64_t> KeyHead(std::string_view key) {
  char bytes[16] = {};
  std::memcpy(bytes, key.data(), std::min<size_t>(key.size(), 16));
  return {LoadBigEndian64(bytes), LoadBigEndian64(bytes + 8)};
}

}  // namespace

MemTable::BulkLoad::BulkLoad(MemTable* table) : table_(table) {
  RINGKV_CHECK(table->entries() == 0);
}

void MemTable::BulkLoad::Add(uint64_t seq, EntryType type, std::string_view key,
                             std::string_view value) {
  const size_t hash = HashKey(key);
  const int height = table_->RandomHeight();
  Node* n = table_->MakeNode(seq, type, key, value, height);
  table_->filter_.Add(hash);
  table_->index_.Insert(n->entry(), hash);
  const auto [k0, k1] = KeyHead(key);
  staged_.push_back(Staged{k0, k1, n, height});
}

void MemTable::BulkLoad::Finish() {
  // Sorting small records that carry the keys' first 16 bytes keeps most comparisons out of
  // the nodes (a cache miss each).
  std::sort(staged_.begin(), staged_.end(), [](const Staged& a, const Staged& b) {
    if (a.k0 != b.k0) return a.k0 < b.k0;
    if (a.k1 != b.k1) return a.k1 < b.k1;
    return CompareInternal(a.node->Key(), a.node->Seq(), b.node->Key(), b.node->Seq()) < 0;
  });
  // Appending in order: at each level, link after the last node of that height so far.
  Node* last[kMaxHeight];
  for (Node*& l : last) l = table_->head_;
  int max_height = table_->max_height_.load(std::memory_order_relaxed);
  for (const Staged& s : staged_) {
    for (int i = 0; i < s.height; ++i) {
      last[i]->SetNext(i, s.node);
      last[i] = s.node;
    }
    max_height = std::max(max_height, s.height);
  }
  table_->max_height_.store(max_height, std::memory_order_relaxed);
  table_->entries_.fetch_add(staged_.size(), std::memory_order_relaxed);
  staged_.clear();
}

}  // namespace ringkv
