#include "engine/memtable.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "engine/key_order.h"
#include "base/coding.h"
#include "base/check.h"

namespace ringkv {
namespace {

// An entry in the arena: varint key length, key, fixed64 tag (seq << 8 | type), varint value
// length, value.
struct DecodedEntry {
  std::string_view key;
  uint64_t tag;
  std::string_view value;
};

DecodedEntry Decode(const char* p) {
  uint32_t klen = 0;
  p = DecodeVarint32(p, p + 5, &klen);
  DecodedEntry e;
  e.key = std::string_view(p, klen);
  p += klen;
  e.tag = DecodeFixed64(p);
  p += 8;
  uint32_t vlen = 0;
  p = DecodeVarint32(p, p + 5, &vlen);
  e.value = std::string_view(p, vlen);
  return e;
}

// Internal order: key ascending, then sequence descending (newest first).
int Compare(std::string_view a_key, uint64_t a_seq, std::string_view b_key, uint64_t b_seq) {
  const int c = CompareKeys(a_key, b_key);
  if (c != 0) return c;
  if (a_seq > b_seq) return -1;
  if (a_seq < b_seq) return 1;
  return 0;
}

}  // namespace

// A node and its entry are one allocation: the tower of links above level 0 first, then the
// node, then the encoded entry (key first). A search reads, at each node it passes, the link it
// follows and the key it compares; with the key right behind the node they share a cache line
// or two adjacent ones, where a separately allocated entry was a second cache miss per node
// (perf: the search was 11% of a 64-thread sync-put run).
struct MemTable::Node {
  std::atomic<Node*> next0;  // level i's link is at (&next0)[-i]
  uint64_t tag;              // seq << 8 | type, unencoded: compared at every node passed
  uint32_t key_len;
  uint32_t key_offset;       // of the key within the entry

  Node* Next(int level) const { return (&next0 - level)->load(std::memory_order_acquire); }
  void SetNext(int level, Node* n) { (&next0 - level)->store(n, std::memory_order_release); }
  void InitNext(int level, Node* n) { (&next0 - level)->store(n, std::memory_order_relaxed); }
  const char* entry() const { return reinterpret_cast<const char*>(this + 1); }
  DecodedEntry Get() const { return Decode(entry()); }
  std::string_view Key() const { return std::string_view(entry() + key_offset, key_len); }
  uint64_t Seq() const { return tag >> 8; }
};

void MemTable::PrefetchNode(const Node* n, int level) {
  const char* p = reinterpret_cast<const char*>(n);
  __builtin_prefetch(p);                       // the link at level 0, tag, lengths
  __builtin_prefetch(p + sizeof(Node) + 16);   // the key, behind the node: 16 bytes on
  if (level > 0) __builtin_prefetch(p - sizeof(Node*) * level);  // the tower, below it
}

namespace {

// Bytes of memtable per index slot. An entry costs at least ~64 bytes of arena (node with its
// tower, tag, lengths, a short key), so a full memtable fills at most ~2/3 of the slots when
// this is 48; typical entries (100-byte values) fill a fifth.
constexpr size_t kBytesPerIndexSlot = 48;
constexpr size_t kMinIndexSlots = 1024;

size_t IndexSlots(size_t budget_bytes) {
  size_t want = std::max(kMinIndexSlots, budget_bytes / kBytesPerIndexSlot);
  size_t slots = kMinIndexSlots;
  while (slots < want) slots <<= 1;
  return slots;
}

size_t HashKey(std::string_view key) { return absl::HashOf(key); }

// One filter bit per 16 bytes of budget (512 KiB for the default 64 MiB: it stays in a core's
// L2 cache): ~10 bits per key for entries of 16-byte keys and 100-byte values, ~4% false
// positives; smaller entries mean more keys and more false positives, never a wrong answer.
size_t FilterWords(size_t budget_bytes) {
  const size_t want = std::max<size_t>(64, budget_bytes / 16 / 64);
  size_t words = 64;
  while (words < want) words <<= 1;
  return words;
}

// The arena's blocks count in ApproximateBytes, so they must be small beside the budget: with
// 1 MiB blocks a 64 KiB memtable was "full" after its first entry.
size_t ArenaBlockBytes(size_t budget_bytes) {
  return std::clamp<size_t>(budget_bytes / 16, 4096, Arena::kMaxBlockBytes);
}

uint64_t* MapZeroed(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  RINGKV_CHECK(p != MAP_FAILED);  // out of address space: as fatal as a failed new
  // Random slots over megabytes: with 4 KiB pages nearly every probe is also a TLB miss.
  // Transparent huge pages where the kernel allows them (a hint; failure changes nothing).
  ::madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<uint64_t*>(p);
}

}  // namespace

MemTable::MemTable(size_t budget_bytes)
    : arena_(ArenaBlockBytes(budget_bytes)),
      head_(NewNode(kMaxHeight, 0)),
      index_(MapZeroed(IndexSlots(budget_bytes) * sizeof(uint64_t)),
             Unmap{IndexSlots(budget_bytes) * sizeof(uint64_t)}),
      index_slots_(IndexSlots(budget_bytes)),
      filter_(MapZeroed(FilterWords(budget_bytes) * sizeof(uint64_t)),
              Unmap{FilterWords(budget_bytes) * sizeof(uint64_t)}),
      filter_words_(FilterWords(budget_bytes)) {}

MemTable::~MemTable() = default;

void MemTable::Unmap::operator()(uint64_t* p) const { ::munmap(p, bytes); }

namespace {

constexpr int kPointerBits = 48;
constexpr uint64_t kPointerMask = (1ull << kPointerBits) - 1;

uint64_t Fingerprint(size_t hash) { return (static_cast<uint64_t>(hash) >> kPointerBits) << kPointerBits; }

}  // namespace

// Two bits of one 64-bit word per key: one cache line per lookup. Bits of the hash the index
// does not use for its slot or fingerprint.
uint64_t MemTable::FilterBits(size_t hash) {
  return (1ull << ((hash >> 32) & 63)) | (1ull << ((hash >> 38) & 63));
}

size_t MemTable::FilterWord(size_t hash) const { return (hash >> 16) & (filter_words_ - 1); }

bool MemTable::FilterMayContain(size_t hash) const {
  const uint64_t bits = FilterBits(hash);
  return (std::atomic_ref<uint64_t>(filter_[FilterWord(hash)]).load(std::memory_order_relaxed) &
          bits) == bits;
}

void MemTable::FilterAdd(size_t hash) {
  // Relaxed: the DB publishes the entry's sequence (release) after Add, and a reader reads the
  // sequence (acquire) before it looks.
  std::atomic_ref<uint64_t>(filter_[FilterWord(hash)])
      .fetch_or(FilterBits(hash), std::memory_order_relaxed);
}

const char* MemTable::IndexFind(std::string_view key, size_t hash) const {
  const size_t mask = index_slots_ - 1;
  const uint64_t fp = Fingerprint(hash);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t slot = std::atomic_ref<uint64_t>(index_[i]).load(std::memory_order_acquire);
    if (slot == 0) return nullptr;
    if ((slot & ~kPointerMask) != fp) continue;
    const char* entry = reinterpret_cast<const char*>(slot & kPointerMask);
    if (Decode(entry).key == key) return entry;
  }
}

void MemTable::IndexInsert(const char* entry, size_t hash) {
  if (index_off_.load(std::memory_order_relaxed)) return;
  const uint64_t ptr = reinterpret_cast<uint64_t>(entry);
  if ((ptr & ~kPointerMask) != 0) {
    index_off_.store(true, std::memory_order_relaxed);  // an address the slots cannot hold
    return;
  }
  const DecodedEntry e = Decode(entry);
  const size_t mask = index_slots_ - 1;
  const uint64_t value = Fingerprint(hash) | ptr;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t slot = std::atomic_ref<uint64_t>(index_[i]).load(std::memory_order_relaxed);
    if (slot == 0) {
      if (4 * (index_used_ + 1) > 3 * index_slots_) {
        // Full. Readers whose snapshot includes this entry see the switch (it happens before
        // the DB publishes the entry's sequence); older snapshots find the index complete.
        index_off_.store(true, std::memory_order_relaxed);
        return;
      }
      ++index_used_;
      std::atomic_ref<uint64_t>(index_[i]).store(value, std::memory_order_release);
      return;
    }
    if ((slot & ~kPointerMask) != (value & ~kPointerMask)) continue;
    const DecodedEntry old = Decode(reinterpret_cast<const char*>(slot & kPointerMask));
    if (old.key == e.key) {
      // The slot keeps the newest version (callers add in sequence order, tests need not).
      if ((e.tag >> 8) > (old.tag >> 8)) std::atomic_ref<uint64_t>(index_[i]).store(value, std::memory_order_release);
      return;
    }
  }
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
  // a cache miss) than with 1/4, for ~5 more bytes of pointers per entry (measured: 0.85 vs
  // 1.05 us per insert into a 300,000-entry table).
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
    const bool after = next != nullptr && Compare(next->Key(), next->Seq(), key, seq) < 0;
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
  const DecodedEntry target = Decode(entry);
  Node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;
  for (;;) {
    Node* next = x->Next(level);
    const bool before = next != nullptr && Compare(next->Key(), next->Seq(), target.key, target.tag >> 8) < 0;
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
  __builtin_prefetch(&index_[hash & (index_slots_ - 1)], 1);
  const int height = RandomHeight();
  Node* n = MakeNode(seq, type, key, value, height);

  Node* prev[kMaxHeight];
  Node* x = FindGreaterOrEqual(key, seq, prev);
  // Sequences are unique, so the same (key, seq) is never inserted twice.
  RINGKV_DCHECK(x == nullptr || x->Get().tag >> 8 != seq || x->Get().key != key);
  (void)x;
  for (int i = max_height_.load(std::memory_order_relaxed); i < height; ++i) prev[i] = head_;
  Link(n, height, prev);
  FilterAdd(hash);
  IndexInsert(n->entry(), hash);
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
      if (lane.next != nullptr && Compare(lane.next->Key(), lane.next->Seq(), t->Key(), t->Seq()) < 0) {
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
    __builtin_prefetch(&index_[hash & (index_slots_ - 1)], 1);
    const int height = RandomHeight();
    staged.push_back(Staged{MakeNode(e.seq, e.type, e.key, e.value, height), height, hash});
  }
  // In order, each node's predecessors are found among the table's nodes and the group's
  // earlier ones (below) without searching again.
  std::sort(staged.begin(), staged.end(), [](const Staged& a, const Staged& b) {
    return Compare(a.node->Key(), a.node->Seq(), b.node->Key(), b.node->Seq()) < 0;
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
    FilterAdd(s.hash);
    IndexInsert(s.node->entry(), s.hash);
  }
  entries_.fetch_add(staged.size(), std::memory_order_relaxed);
}

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
  table_->FilterAdd(hash);
  table_->IndexInsert(n->entry(), hash);
  const auto [k0, k1] = KeyHead(key);
  staged_.push_back(Staged{k0, k1, n, height});
}

void MemTable::BulkLoad::Finish() {
  // Sorting small records that carry the keys' first 16 bytes keeps most comparisons out of
  // the nodes (a cache miss each).
  std::sort(staged_.begin(), staged_.end(), [](const Staged& a, const Staged& b) {
    if (a.k0 != b.k0) return a.k0 < b.k0;
    if (a.k1 != b.k1) return a.k1 < b.k1;
    return Compare(a.node->Key(), a.node->Seq(), b.node->Key(), b.node->Seq()) < 0;
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

MemTable::Lookup MemTable::Get(std::string_view key, uint64_t snapshot_seq,
                               std::string* value) const {
  const size_t hash = HashKey(key);
  if (!FilterMayContain(hash)) return Lookup::kAbsent;
  DecodedEntry e;
  const char* newest = nullptr;
  if (!index_off_.load(std::memory_order_relaxed)) {
    newest = IndexFind(key, hash);
    if (newest == nullptr) return Lookup::kAbsent;
    e = Decode(newest);
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
