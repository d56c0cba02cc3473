#include "engine/memtable.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "absl/container/inlined_vector.h"
#include "base/check.h"
#include "engine/memtable_node.h"

namespace ringkv {
namespace {

// The arena's blocks count in ApproximateBytes, so they must be small beside the budget: with
// 1 MiB blocks a 64 KiB memtable was "full" after its first entry.
size_t ArenaBlockBytes(size_t budget_bytes) {
  return std::clamp<size_t>(budget_bytes / 16, 4096, Arena::kMaxBlockBytes);
}

}  // namespace

MemTable::MemTable(size_t budget_bytes)
    : arena_(ArenaBlockBytes(budget_bytes)),
      head_(NewNode(kMaxHeight, 0)),
      index_(budget_bytes),
      filter_(budget_bytes) {}

MemTable::~MemTable() = default;

void MemTable::PrefetchNode(const Node* n, int level) {
  const char* p = reinterpret_cast<const char*>(n);
  __builtin_prefetch(p);                       // the link at level 0, tag, lengths
  __builtin_prefetch(p + sizeof(Node) + 16);   // the key, behind the node: 16 bytes on
  if (level > 0) __builtin_prefetch(p - sizeof(Node*) * level);  // the tower, below it
}

MemTable::Node* MemTable::NewNode(int height, size_t entry_bytes) {
  const size_t tower = sizeof(std::atomic<Node*>) * (height - 1);
  char* mem = arena_.Allocate(tower + sizeof(Node) + entry_bytes);
  Node* n = new (mem + tower) Node;
  for (int i = 0; i < height; ++i) new (&n->next0 - i) std::atomic<Node*>(nullptr);
  n->tag = 0;
  n->key_len = 0;
  n->key_offset = 0;
  return n;
}

int MemTable::RandomHeight() {
  // Each level is half as populated as the one below: a search then passes fewer nodes (each
  // a cache miss) than with 1/4, for ~5 more bytes of pointers per entry (docs/performance.md,
  // "Figures behind choices in the code").
  int height = 1;
  for (;;) {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    if (height >= kMaxHeight || (rng_ & 1) != 0) break;
    ++height;
  }
  return height;
}

MemTable::Node* MemTable::FindGreaterOrEqual(std::string_view key, uint64_t seq,
                                             Node** prev) const {
  Node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;
  for (;;) {
    Node* next = x->Next(level);
    const bool after = next != nullptr && CompareInternal(next->Key(), next->Seq(), key, seq) < 0;
    if (after) {
      x = next;
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      --level;
    }
  }
}

MemTable::Node* MemTable::FindLessThan(const char* entry) const {
  const DecodedEntry target = DecodeEntry(entry);
  Node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;
  for (;;) {
    Node* next = x->Next(level);
    const bool before = next != nullptr && CompareInternal(next->Key(), next->Seq(), target.key, target.tag >> 8) < 0;
    if (before) {
      x = next;
    } else if (level == 0) {
      return x;
    } else {
      --level;
    }
  }
}

MemTable::Node* MemTable::FindLast() const {
  Node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;
  for (;;) {
    Node* next = x->Next(level);
    if (next != nullptr) {
      x = next;
    } else if (level == 0) {
      return x;
    } else {
      --level;
    }
  }
}

MemTable::Node* MemTable::MakeNode(uint64_t seq, EntryType type, std::string_view key,
                                   std::string_view value, int height) {
  RINGKV_DCHECK(seq < (1ull << 56));
  const size_t klen = key.size();
  const size_t vlen = value.size();
  const size_t bytes = VarintLength(klen) + klen + 8 + VarintLength(vlen) + vlen;
  Node* n = NewNode(height, bytes);
  const uint64_t tag = (seq << 8) | static_cast<uint8_t>(type);
  char* buf = const_cast<char*>(n->entry());
  char* p = EncodeVarint32(buf, static_cast<uint32_t>(klen));
  n->key_offset = static_cast<uint32_t>(p - buf);
  n->key_len = static_cast<uint32_t>(klen);
  n->tag = tag;
  if (klen > 0) std::memcpy(p, key.data(), klen);  // an empty view may have a null data()
  p += klen;
  EncodeFixed64(p, tag);
  p += 8;
  p = EncodeVarint32(p, static_cast<uint32_t>(vlen));
  if (vlen > 0) std::memcpy(p, value.data(), vlen);
  return n;
}

void MemTable::Add(uint64_t seq, EntryType type, std::string_view key, std::string_view value) {
  // The index slot is a cache miss; start it now so it overlaps the skiplist search.
  const size_t hash = HashKey(key);
  index_.Prefetch(hash);
  const int height = RandomHeight();
  Node* n = MakeNode(seq, type, key, value, height);

  Node* prev[kMaxHeight];
  Node* x = FindGreaterOrEqual(key, seq, prev);
  // Sequences are unique, so the same (key, seq) is never inserted twice.
  RINGKV_DCHECK(x == nullptr || x->Get().tag >> 8 != seq || x->Get().key != key);
  (void)x;
  for (int i = max_height_.load(std::memory_order_relaxed); i < height; ++i) prev[i] = head_;
  Link(n, height, prev);
  filter_.Add(hash);
  index_.Insert(n->entry(), hash);
  entries_.fetch_add(1, std::memory_order_relaxed);
}

void MemTable::Link(Node* n, int height, Node* const* prev) {
  if (height > max_height_.load(std::memory_order_relaxed)) {
    // Readers that see the new height before the node find head_->next == nullptr there and
    // drop a level: harmless.
    max_height_.store(height, std::memory_order_relaxed);
  }
  for (int i = 0; i < height; ++i) {
    // Link the node's own pointer first; publishing it at prev[i] makes it reachable.
    n->InitNext(i, prev[i]->Next(i));
    prev[i]->SetNext(i, n);
  }
}

void MemTable::FindPredecessors(Node* const* targets, int count,
                                Node* (*prev)[kMaxHeight]) const {
  RINGKV_DCHECK(count <= kSearchLanes);
  struct Lane {
    Node* x;
    Node* next;
    int level;  // -1 once done
  };
  Lane lanes[kSearchLanes];
  const int top = max_height_.load(std::memory_order_relaxed) - 1;
  for (int i = 0; i < count; ++i) {
    for (int l = top + 1; l < kMaxHeight; ++l) prev[i][l] = head_;
    lanes[i] = Lane{head_, head_->Next(top), top};
  }
  // One step of every search per round: the line a step reads was asked for a round earlier.
  for (int active = count; active > 0;) {
    for (int i = 0; i < count; ++i) {
      Lane& lane = lanes[i];
      if (lane.level < 0) continue;
      const Node* t = targets[i];
      if (lane.next != nullptr && CompareInternal(lane.next->Key(), lane.next->Seq(), t->Key(), t->Seq()) < 0) {
        lane.x = lane.next;
      } else {
        prev[i][lane.level] = lane.x;
        if (lane.level == 0) {
          lane.level = -1;
          --active;
          continue;
        }
        --lane.level;
      }
      lane.next = lane.x->Next(lane.level);
      if (lane.next != nullptr) PrefetchNode(lane.next, lane.level);
    }
  }
}

void MemTable::AddMany(std::span<const NewEntry> entries) {
  if (entries.size() <= 1) {
    for (const NewEntry& e : entries) Add(e.seq, e.type, e.key, e.value);
    return;
  }
  struct Staged {
    Node* node;
    int height;
    size_t hash;
  };
  absl::InlinedVector<Staged, 32> staged;  // no allocation for a typical group
  staged.reserve(entries.size());
  for (const NewEntry& e : entries) {
    const size_t hash = HashKey(e.key);
    index_.Prefetch(hash);
    const int height = RandomHeight();
    staged.push_back(Staged{MakeNode(e.seq, e.type, e.key, e.value, height), height, hash});
  }
  // In order, each node's predecessors are found among the table's nodes and the group's
  // earlier ones (below) without searching again.
  std::sort(staged.begin(), staged.end(), [](const Staged& a, const Staged& b) {
    return CompareInternal(a.node->Key(), a.node->Seq(), b.node->Key(), b.node->Seq()) < 0;
  });
  Node* targets[kSearchLanes];
  Node* prev[kSearchLanes][kMaxHeight];
  for (size_t begin = 0; begin < staged.size(); begin += kSearchLanes) {
    const int count = static_cast<int>(std::min<size_t>(kSearchLanes, staged.size() - begin));
    for (int i = 0; i < count; ++i) targets[i] = staged[begin + i].node;
    // The searches see the table as it was before this chunk's nodes went in. At level l, a
    // node of the chunk linked before goes between the table's nodes p and p->next where p
    // is its predecessor; a later (greater) node whose search also found p belongs after it,
    // and one whose search found another p' does not care (p' is past the earlier node).
    FindPredecessors(targets, count, prev);
    Node* linked[kMaxHeight] = {};        // the chunk's last node linked at each level
    Node* linked_after[kMaxHeight] = {};  // ... and the table node its search found there
    for (int i = 0; i < count; ++i) {
      const int height = staged[begin + i].height;
      Node* at[kMaxHeight];
      for (int l = 0; l < height; ++l) {
        at[l] = linked[l] != nullptr && linked_after[l] == prev[i][l] ? linked[l] : prev[i][l];
        linked[l] = targets[i];
        linked_after[l] = prev[i][l];
      }
      Link(targets[i], height, at);
    }
  }
  for (const Staged& s : staged) {
    filter_.Add(s.hash);
    index_.Insert(s.node->entry(), s.hash);
  }
  entries_.fetch_add(staged.size(), std::memory_order_relaxed);
}

MemTable::Lookup MemTable::Get(std::string_view key, uint64_t snapshot_seq,
                               std::string* value) const {
  const size_t hash = HashKey(key);
  if (!filter_.MayContain(hash)) return Lookup::kAbsent;
  DecodedEntry e;
  const char* newest = nullptr;
  if (index_.enabled()) {
    newest = index_.Find(key, hash);
    if (newest == nullptr) return Lookup::kAbsent;
    e = DecodeEntry(newest);
    // The newest version is too new for this snapshot: the skiplist finds the one it sees.
    if ((e.tag >> 8) > snapshot_seq) newest = nullptr;
  }
  if (newest == nullptr) {
    Node* x = FindGreaterOrEqual(key, snapshot_seq, nullptr);
    if (x == nullptr) return Lookup::kAbsent;
    if (x->Key() != key) return Lookup::kAbsent;
    e = x->Get();
  }
  if (static_cast<EntryType>(e.tag & 0xff) == EntryType::kDelete) return Lookup::kDeleted;
  value->assign(e.value.data(), e.value.size());
  return Lookup::kFound;
}

void MemTable::Iterator::SeekToFirst() { node_ = table_->head_->Next(0); }

void MemTable::Iterator::SeekToLast() {
  Node* last = table_->FindLast();
  node_ = last == table_->head_ ? nullptr : last;
}

void MemTable::Iterator::Seek(std::string_view key, uint64_t seq) {
  node_ = table_->FindGreaterOrEqual(key, seq, nullptr);
}

void MemTable::Iterator::Next() {
  RINGKV_DCHECK(Valid());
  node_ = static_cast<const Node*>(node_)->Next(0);
}

void MemTable::Iterator::Prev() {
  RINGKV_DCHECK(Valid());
  Node* before = table_->FindLessThan(static_cast<const Node*>(node_)->entry());
  node_ = before == table_->head_ ? nullptr : before;
}

std::string_view MemTable::Iterator::key() const { return static_cast<const Node*>(node_)->Key(); }
uint64_t MemTable::Iterator::seq() const { return static_cast<const Node*>(node_)->Seq(); }
EntryType MemTable::Iterator::type() const {
  return static_cast<EntryType>(static_cast<const Node*>(node_)->tag & 0xff);
}
std::string_view MemTable::Iterator::value() const {
  return static_cast<const Node*>(node_)->Get().value;
}

}  // namespace ringkv
