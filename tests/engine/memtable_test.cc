// The memtable against a model: every version kept, reads at a snapshot see the newest version
// at or below it, iteration is in (key, newest-first) order, and readers run during writes.
#include "engine/memtable.h"

#include <atomic>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ringkv {
namespace {

TEST(MemTableTest, GetSeesNewestVersionAtOrBelowSnapshot) {
  MemTable m;
  m.Add(10, EntryType::kPut, "k", "v10");
  m.Add(20, EntryType::kDelete, "k", "");
  m.Add(30, EntryType::kPut, "k", "v30");
  std::string v;
  EXPECT_EQ(m.Get("k", 5, &v), MemTable::Lookup::kAbsent);
  EXPECT_EQ(m.Get("k", 10, &v), MemTable::Lookup::kFound);
  EXPECT_EQ(v, "v10");
  EXPECT_EQ(m.Get("k", 25, &v), MemTable::Lookup::kDeleted);
  EXPECT_EQ(m.Get("k", 100, &v), MemTable::Lookup::kFound);
  EXPECT_EQ(v, "v30");
  EXPECT_EQ(m.Get("j", 100, &v), MemTable::Lookup::kAbsent);
  EXPECT_EQ(m.Get("kk", 100, &v), MemTable::Lookup::kAbsent);
  EXPECT_EQ(m.entries(), 3u);
}

// Point lookups use the hash index while it holds every key, and the skiplist once it switched
// off (more distinct keys than a small budget's index holds): same answers either way, at
// every snapshot, including snapshots older than the version the index points to.
TEST(MemTableTest, IndexedAndOverflowedLookupsMatchModel) {
  for (const size_t budget : {size_t{0}, size_t{64} << 20}) {
    MemTable m(budget);
    std::map<std::string, std::map<uint64_t, std::optional<std::string>>> model;
    std::mt19937_64 rng(budget + 1);
    uint64_t seq = 0;
    auto check = [&](uint64_t probes) {
      for (uint64_t p = 0; p < probes; ++p) {
        const std::string key = "key" + std::to_string(rng() % 2200);
        const uint64_t snap = rng() % (seq + 2);
        std::string got;
        const MemTable::Lookup r = m.Get(key, snap, &got);
        std::optional<std::optional<std::string>> want;
        auto it = model.find(key);
        if (it != model.end()) {
          auto v = it->second.upper_bound(snap);
          if (v != it->second.begin()) want = std::prev(v)->second;
        }
        if (!want) {
          ASSERT_EQ(r, MemTable::Lookup::kAbsent) << key << "@" << snap;
        } else if (!*want) {
          ASSERT_EQ(r, MemTable::Lookup::kDeleted) << key << "@" << snap;
        } else {
          ASSERT_EQ(r, MemTable::Lookup::kFound) << key << "@" << snap;
          ASSERT_EQ(got, **want) << key << "@" << snap;
        }
      }
    };
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 1000; ++i) {
        const std::string key = "key" + std::to_string(rng() % 2000);
        ++seq;
        if (rng() % 5 == 0) {
          m.Add(seq, EntryType::kDelete, key, "");
          model[key][seq] = std::nullopt;
        } else {
          const std::string value = "v" + std::to_string(seq);
          m.Add(seq, EntryType::kPut, key, value);
          model[key][seq] = value;
        }
      }
      check(3000);
    }
    // 1024 slots for the smallest budget: ~1,700 distinct keys switched it off.
    EXPECT_EQ(m.index_enabled(), budget != 0) << "budget " << budget;
  }
}

TEST(MemTableTest, BinaryKeysAndEmptyValues) {
  MemTable m;
  const std::string k1("a\0b", 3), k2("a\0c", 3);
  m.Add(1, EntryType::kPut, k2, "");
  m.Add(2, EntryType::kPut, k1, std::string("\0\xff", 2));
  std::string v = "junk";
  ASSERT_EQ(m.Get(k2, 9, &v), MemTable::Lookup::kFound);
  EXPECT_EQ(v, "");
  ASSERT_EQ(m.Get(k1, 9, &v), MemTable::Lookup::kFound);
  EXPECT_EQ(v, std::string("\0\xff", 2));
  MemTable::Iterator it(&m);
  it.SeekToFirst();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), k1);
}

TEST(MemTableTest, MatchesModelUnderRandomOperations) {
  std::mt19937_64 rng(42);
  MemTable m;
  // Model: key -> (seq -> value or nullopt for delete).
  std::map<std::string, std::map<uint64_t, std::optional<std::string>>> model;
  for (uint64_t seq = 1; seq <= 5000; ++seq) {
    const std::string key = "key" + std::to_string(rng() % 300);
    if (rng() % 4 == 0) {
      m.Add(seq, EntryType::kDelete, key, "");
      model[key][seq] = std::nullopt;
    } else {
      const std::string value(rng() % 50, static_cast<char>('a' + seq % 26));
      m.Add(seq, EntryType::kPut, key, value);
      model[key][seq] = value;
    }
  }
  for (int probe = 0; probe < 3000; ++probe) {
    const std::string key = "key" + std::to_string(rng() % 320);
    const uint64_t snap = rng() % 5100;
    std::string got;
    const MemTable::Lookup r = m.Get(key, snap, &got);
    auto it = model.find(key);
    std::optional<std::optional<std::string>> want;
    if (it != model.end()) {
      auto v = it->second.upper_bound(snap);
      if (v != it->second.begin()) want = std::prev(v)->second;
    }
    if (!want) {
      EXPECT_EQ(r, MemTable::Lookup::kAbsent) << key << "@" << snap;
    } else if (!*want) {
      EXPECT_EQ(r, MemTable::Lookup::kDeleted) << key << "@" << snap;
    } else {
      ASSERT_EQ(r, MemTable::Lookup::kFound) << key << "@" << snap;
      EXPECT_EQ(got, **want);
    }
  }
  // Forward iteration yields (key asc, seq desc); backward the exact reverse.
  std::vector<std::tuple<std::string, uint64_t>> expected;
  for (const auto& [key, versions] : model) {
    for (auto v = versions.rbegin(); v != versions.rend(); ++v) expected.emplace_back(key, v->first);
  }
  MemTable::Iterator it(&m);
  size_t i = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++i) {
    ASSERT_LT(i, expected.size());
    EXPECT_EQ(std::string(it.key()), std::get<0>(expected[i]));
    EXPECT_EQ(it.seq(), std::get<1>(expected[i]));
  }
  EXPECT_EQ(i, expected.size());
  i = expected.size();
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    EXPECT_EQ(std::string(it.key()), std::get<0>(expected[i]));
    EXPECT_EQ(it.seq(), std::get<1>(expected[i]));
  }
  EXPECT_EQ(i, 0u);
  // Seek lands on the newest version at or below the sequence.
  it.Seek("key1", 2500);
  ASSERT_TRUE(it.Valid());
  EXPECT_GE(std::string(it.key()), "key1");
}

// `other` holds exactly what `added` holds (entries 1..last_seq): the same versions in the same
// order both ways, every version found by a Seek (which descends the upper levels), and the
// same lookups of `keys` at a few snapshots.
void ExpectSameTable(const MemTable& added, const MemTable& other, uint64_t last_seq,
                     const std::vector<std::string>& keys) {
  EXPECT_EQ(other.entries(), added.entries());
  MemTable::Iterator a(&added), b(&other), seek(&other);
  size_t n = 0;
  for (a.SeekToFirst(), b.SeekToFirst(); a.Valid(); a.Next(), b.Next(), ++n) {
    ASSERT_TRUE(b.Valid()) << "entry " << n;
    ASSERT_EQ(a.key(), b.key()) << "entry " << n;
    ASSERT_EQ(a.seq(), b.seq()) << "entry " << n;
    ASSERT_EQ(a.type(), b.type()) << "entry " << n;
    ASSERT_EQ(a.value(), b.value()) << "entry " << n;
    seek.Seek(a.key(), a.seq());
    ASSERT_TRUE(seek.Valid()) << "entry " << n;
    ASSERT_EQ(seek.key(), a.key()) << "entry " << n;
    ASSERT_EQ(seek.seq(), a.seq()) << "entry " << n;
  }
  EXPECT_FALSE(b.Valid());
  EXPECT_EQ(n, last_seq);
  for (b.SeekToLast(); b.Valid(); b.Prev()) --n;
  EXPECT_EQ(n, 0u);
  for (const std::string& key : keys) {
    for (uint64_t snap : {uint64_t{1}, last_seq / 2, last_seq}) {
      std::string va, vb;
      const MemTable::Lookup ra = added.Get(key, snap, &va);
      EXPECT_EQ(other.Get(key, snap, &vb), ra) << key << "@" << snap;
      EXPECT_EQ(vb, va) << key << "@" << snap;
    }
  }
}

// Recovery builds its memtable with BulkLoad: it must end up exactly as if every entry had
// been Added (order of versions, lookups), and take ordinary Adds afterwards. Keys include
// ones equal in their first 16 bytes, prefixes of each other, a zero byte and high bytes.
TEST(MemTableTest, BulkLoadBuildsTheSameTableAsAdd) {
  const std::string shared16 = "0123456789abcdef";
  const std::vector<std::string> keys = {
      "a", std::string("a\0", 2), "ab", shared16, shared16 + "x", shared16 + "y",
      shared16 + std::string("\xff\x01", 2), std::string(3, '\xff'), "key7", "key70"};
  std::mt19937_64 rng(7);
  MemTable added(1 << 20);
  MemTable bulk(1 << 20);
  MemTable::BulkLoad load(&bulk);
  uint64_t seq = 1;
  auto one = [&](auto add) {
    const std::string& key = keys[rng() % keys.size()];
    const EntryType type = rng() % 5 == 0 ? EntryType::kDelete : EntryType::kPut;
    const std::string value = type == EntryType::kPut ? std::to_string(seq) : "";
    added.Add(seq, type, key, value);
    add(seq, type, key, value);
    ++seq;
  };
  for (int i = 0; i < 3000; ++i) {
    one([&](uint64_t s, EntryType t, const std::string& k, const std::string& v) {
      load.Add(s, t, k, v);
    });
  }
  load.Finish();
  for (int i = 0; i < 500; ++i) {  // the bulk-loaded table goes on like any other
    one([&](uint64_t s, EntryType t, const std::string& k, const std::string& v) {
      bulk.Add(s, t, k, v);
    });
  }
  ExpectSameTable(added, bulk, seq - 1, keys);
}

// A group commit adds its entries with AddMany: the table must be exactly as if each had been
// Added in turn. Groups of 1 to 40 entries (more than one round of side-by-side searches),
// keys drawn from a few (so a group holds versions of one key and neighbours that share a
// predecessor) or from many, into a table that already holds entries or none.
TEST(MemTableTest, AddManyBuildsTheSameTableAsAdd) {
  for (const int distinct_keys : {3, 50, 100000}) {
    SCOPED_TRACE(absl::StrCat(distinct_keys, " distinct keys"));
    std::mt19937_64 rng(distinct_keys);
    std::vector<std::string> keys;
    for (int i = 0; i < std::min(distinct_keys, 200); ++i) keys.push_back(absl::StrCat("key", i));
    auto key_of = [&](uint64_t r) { return absl::StrCat("key", r % distinct_keys); };
    MemTable added(8 << 20);
    MemTable many(8 << 20);
    uint64_t seq = 1;
    for (int group = 0; group < 400; ++group) {
      std::vector<std::string> group_keys, values;
      std::vector<MemTable::NewEntry> entries;
      const int size = 1 + static_cast<int>(rng() % 40);
      for (int i = 0; i < size; ++i) {
        group_keys.push_back(key_of(rng()));
        values.push_back(std::to_string(seq + i));
      }
      for (int i = 0; i < size; ++i, ++seq) {
        const EntryType type = rng() % 5 == 0 ? EntryType::kDelete : EntryType::kPut;
        const std::string_view value = type == EntryType::kPut ? std::string_view(values[i]) : "";
        added.Add(seq, type, group_keys[i], value);
        entries.push_back({seq, type, group_keys[i], value});
      }
      many.AddMany(entries);
    }
    ExpectSameTable(added, many, seq - 1, keys);
  }
}

TEST(MemTableTest, ReadersRunWhileOneWriterInserts) {
  MemTable m;
  std::atomic<uint64_t> published{0};
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::thread reader([&] {
    std::string v;
    while (!stop.load()) {
      const uint64_t upto = published.load(std::memory_order_acquire);
      if (upto == 0) continue;
      // Everything published must be readable, with its own value.
      const uint64_t k = upto - (upto % 7);
      if (k == 0) continue;
      if (m.Get("k" + std::to_string(k), upto, &v) != MemTable::Lookup::kFound ||
          v != std::to_string(k)) {
        errors++;
      }
      MemTable::Iterator it(&m);
      int n = 0;
      for (it.SeekToFirst(); it.Valid() && n < 50; it.Next()) ++n;
    }
  });
  for (uint64_t seq = 1; seq <= 20000; ++seq) {
    m.Add(seq, EntryType::kPut, "k" + std::to_string(seq), std::to_string(seq));
    published.store(seq, std::memory_order_release);
  }
  stop = true;
  reader.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(m.entries(), 20000u);
  EXPECT_GT(m.ApproximateBytes(), 20000u * 10);
}

TEST(MemTableTest, LargeValueGetsItsOwnBlock) {
  MemTable m;
  const std::string big(3 << 20, 'x');
  m.Add(1, EntryType::kPut, "big", big);
  std::string v;
  ASSERT_EQ(m.Get("big", 1, &v), MemTable::Lookup::kFound);
  EXPECT_EQ(v.size(), big.size());
  EXPECT_GE(m.ApproximateBytes(), big.size());
}

// The DB rotates a memtable once ApproximateBytes reaches its budget: a small budget must still
// hold about that much data, not fill up with its first entry.
TEST(MemTableTest, SmallBudgetHoldsAboutItsWorthOfEntries) {
  constexpr size_t kBudget = 64 << 10;
  MemTable m(kBudget);
  size_t added = 0;
  while (m.ApproximateBytes() < kBudget) {
    m.Add(added + 1, EntryType::kPut, absl::StrCat("key", added), std::string(100, 'v'));
    ++added;
  }
  // ~150 bytes of arena per entry: a 64 KiB budget holds a few hundred of them.
  EXPECT_GT(added, 200u);
}

}  // namespace
}  // namespace ringkv
