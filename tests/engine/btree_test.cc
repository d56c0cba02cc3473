// The copy-on-write B+tree against a std::map model, over an in-memory page store: lookups,
// iteration both ways, seeks, overflow keys and values, old versions left intact by a merge,
// and no page leaked or freed twice.
#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/btree.h"
#include "engine/btree_merge.h"
#include "engine/btree_node.h"
#include "gtest/gtest.h"
#include "tests/engine/tree_changes.h"

namespace ringkv {
namespace {

// Pages in memory. Freed pages stay readable until Publish(), like the real store, which only
// reuses a page once no version can reach it.
class MemPages : public TreePageReader, public TreePageWriter {
 public:
  explicit MemPages(size_t payload) : payload_(payload) {}

  absl::StatusOr<PageRef> Read(uint64_t id) override {
    auto it = pages_.find(id);
    if (it == pages_.end()) return absl::DataLossError(absl::StrCat("no page ", id));
    PageRef r;
    r.id = id;
    r.data = reinterpret_cast<const uint8_t*>(it->second.data());
    r.size = it->second.size();
    return r;
  }
  absl::StatusOr<uint64_t> Allocate() override {
    if (!reusable_.empty()) {
      const uint64_t id = *reusable_.begin();
      reusable_.erase(reusable_.begin());
      return id;
    }
    return next_++;
  }
  absl::Status Write(uint64_t id, TreePageKind, absl::Span<const uint8_t> payload) override {
    EXPECT_EQ(payload.size(), payload_);
    EXPECT_EQ(freed_.count(id), 0u) << "writing a page freed in this version";
    pages_[id] = std::string(reinterpret_cast<const char*>(payload.data()), payload.size());
    return absl::OkStatus();
  }
  void Free(uint64_t id) override {
    EXPECT_TRUE(pages_.count(id)) << "freeing page " << id << " that does not exist";
    EXPECT_TRUE(freed_.insert(id).second) << "page " << id << " freed twice";
  }
  size_t payload_size() const override { return payload_; }

  void Publish() {
    for (uint64_t id : freed_) {
      pages_.erase(id);
      reusable_.insert(id);
    }
    freed_.clear();
  }
  size_t live_pages() const { return pages_.size(); }

 private:
  size_t payload_;
  std::map<uint64_t, std::string> pages_;
  std::set<uint64_t> freed_;
  std::set<uint64_t> reusable_;
  uint64_t next_ = 1;
};

// Counts pages reachable from `root` (nodes and overflow chains).
size_t Reachable(MemPages& pages, uint64_t root) {
  if (root == kNoPage) return 0;
  auto ref = pages.Read(root);
  EXPECT_TRUE(ref.ok());
  auto node = NodeView::Parse(*ref);
  EXPECT_TRUE(node.ok()) << node.status();
  size_t n = 1;
  const bool leaf = node->kind() == TreePageKind::kLeaf;
  const uint32_t entries = leaf ? node->count() : node->count() - 1;
  for (uint32_t i = 0; i < entries; ++i) {
    auto e = node->Entry(i);
    std::vector<uint64_t> chain;
    if (e->key_overflow()) {
      EXPECT_TRUE(CollectOverflowPages(pages, e->key_page(), &chain).ok());
    }
    if (e->value_overflow()) {
      EXPECT_TRUE(CollectOverflowPages(pages, e->value_page(), &chain).ok());
    }
    n += chain.size();
  }
  if (!leaf) {
    for (uint32_t i = 0; i < node->count(); ++i) n += Reachable(pages, node->child(i));
  }
  return n;
}

using Model = std::map<std::string, std::string>;

void ExpectTreeMatches(MemPages& pages, uint64_t root, const Model& model) {
  BTreeIterator it(&pages, root);
  auto m = model.begin();
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(std::string(it.key()), m->first);
    auto v = it.value();
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_EQ(std::string(*v), m->second) << "key " << m->first.substr(0, 40);
  }
  ASSERT_TRUE(it.status().ok()) << it.status();
  EXPECT_EQ(m, model.end());
  auto r = model.rbegin();
  for (it.SeekToLast(); it.Valid(); it.Prev(), ++r) {
    ASSERT_NE(r, model.rend());
    ASSERT_EQ(std::string(it.key()), r->first);
  }
  EXPECT_EQ(r, model.rend());
  std::string v;
  for (const auto& [k, want] : model) {
    auto found = BTreeGet(pages, root, k, &v);
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_TRUE(*found) << k.substr(0, 40);
    ASSERT_EQ(v, want);
  }
}

using ::ringkv::testing::ToChanges;

TEST(BTreeTest, EmptyTree) {
  MemPages pages(4096 - 32);
  std::string v;
  EXPECT_FALSE(*BTreeGet(pages, kNoPage, "x", &v));
  BTreeIterator it(&pages, kNoPage);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.Seek("a");
  EXPECT_FALSE(it.Valid());
  auto r = MergeIntoTree(pages, kNoPage, {}, pages);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->root, kNoPage);
}

TEST(BTreeTest, RandomMergesMatchModelAndFreeExactlyTheDeadPages) {
  for (size_t payload : {512 - 32, 4096 - 32}) {
    SCOPED_TRACE(absl::StrCat("payload ", payload));
    std::mt19937_64 rng(payload);
    MemPages pages(payload);
    Model model;
    uint64_t root = kNoPage;
    for (int round = 0; round < 25; ++round) {
      std::map<std::string, std::optional<std::string>> batch;
      const int n = 1 + static_cast<int>(rng() % 400);
      for (int i = 0; i < n; ++i) {
        std::string key = absl::StrCat("key", rng() % 2000);
        if (rng() % 50 == 0) key += std::string(payload / 4 + rng() % 300, 'K');  // overflow key
        if (!model.empty() && rng() % 3 == 0) {
          batch[key] = std::nullopt;
        } else {
          size_t len = rng() % 40;
          if (rng() % 30 == 0) len = payload + rng() % (3 * payload);  // overflow value
          batch[key] = std::string(len, static_cast<char>('a' + rng() % 26));
        }
      }
      const Model before = model;
      const uint64_t old_root = root;
      for (const auto& [k, v] : batch) {
        if (v) {
          model[k] = *v;
        } else {
          model.erase(k);
        }
      }
      std::vector<TreeChange> changes = ToChanges(batch);
      auto r = MergeIntoTree(pages, root, changes, pages);
      ASSERT_TRUE(r.ok()) << r.status();
      root = r->root;
      ExpectTreeMatches(pages, root, model);
      // Copy-on-write: the previous version reads exactly as before until publication.
      ExpectTreeMatches(pages, old_root, before);
      pages.Publish();
      EXPECT_EQ(pages.live_pages(), Reachable(pages, root)) << "leaked pages in round " << round;
    }
  }
}

TEST(BTreeTest, SeekAndSeekForPrevAndTurnarounds) {
  MemPages pages(1024 - 32);
  Model model;
  std::map<std::string, std::optional<std::string>> batch;
  for (int i = 0; i < 500; i += 2) {
    char k[8];
    std::snprintf(k, sizeof(k), "%04d", i);
    batch[k] = std::string("v") + k;
    model[k] = std::string("v") + k;
  }
  auto r = MergeIntoTree(pages, kNoPage, ToChanges(batch), pages);
  ASSERT_TRUE(r.ok());
  BTreeIterator it(&pages, r->root);
  it.Seek("0101");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "0102");
  it.Prev();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "0100");
  it.Next();
  it.Next();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "0104");
  it.SeekForPrev("0101");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "0100");
  it.SeekForPrev("0100");
  EXPECT_EQ(it.key(), "0100");
  it.Seek("9999");
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev("0000");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "0000");
  it.Prev();
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
}

// Keys from a four-letter alphabet (0x00 and 0xff among them) behind a few shared heads, one of
// them long enough to put its keys in overflow chains: node prefixes and key hints (hints are
// four bytes after the prefix, zero past a key's end) meet every edge they have.
std::string PrefixedKey(std::mt19937_64& rng, size_t payload) {
  static const char kAlphabet[] = {'\0', 'a', 'b', '\xff'};
  const std::string heads[] = {"", "p", "pre", "user:000000", std::string(payload / 8 + 20, 'L')};
  std::string key = heads[rng() % 5];
  for (size_t n = rng() % 9; n > 0; --n) key.push_back(kAlphabet[rng() % 4]);
  if (key.empty()) key = "a";
  return key;
}

TEST(BTreeTest, SeeksAndGetsMatchTheModelForKeysSharingPrefixes) {
  const size_t payload = 512 - 32;
  std::mt19937_64 rng(7);
  MemPages pages(payload);
  Model model;
  uint64_t root = kNoPage;
  for (int round = 0; round < 6; ++round) {
    std::map<std::string, std::optional<std::string>> batch;
    for (int i = 0; i < 400; ++i) {
      const std::string key = PrefixedKey(rng, payload);
      if (rng() % 4 == 0) {
        batch[key] = std::nullopt;
        model.erase(key);
      } else {
        batch[key] = absl::StrCat("v", i);
        model[key] = absl::StrCat("v", i);
      }
    }
    auto r = MergeIntoTree(pages, root, ToChanges(batch), pages);
    ASSERT_TRUE(r.ok()) << r.status();
    root = r->root;
    pages.Publish();
  }
  ASSERT_GT(model.size(), 500u);
  ExpectTreeMatches(pages, root, model);
  // Targets: fresh keys, and the model's keys cut short, extended and nudged.
  std::vector<std::string> targets;
  for (int i = 0; i < 2000; ++i) targets.push_back(PrefixedKey(rng, payload));
  for (const auto& [k, v] : model) {
    targets.push_back(k.substr(0, rng() % k.size()));
    targets.push_back(k + '\0');
    std::string up = k;
    up.back() = static_cast<char>(static_cast<uint8_t>(up.back()) + 1);
    targets.push_back(up);
  }
  BTreeIterator it(&pages, root);
  std::string value;
  for (const std::string& t : targets) {
    it.Seek(t);
    const auto want = model.lower_bound(t);
    ASSERT_TRUE(it.status().ok()) << it.status();
    ASSERT_EQ(it.Valid(), want != model.end()) << absl::CEscape(t);
    if (it.Valid()) {
      ASSERT_EQ(std::string(it.key()), want->first) << absl::CEscape(t);
    }
    auto found = BTreeGet(pages, root, t, &value);
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_EQ(*found, model.count(t) == 1) << absl::CEscape(t);
  }
}

// A node in layout 0 (slots without key hints, written before hints existed).
std::string LayoutZeroNode(TreePageKind kind, const std::vector<std::string>& keys,
                           const std::vector<uint64_t>& children, size_t payload) {
  std::string node(kNodeHeaderBytes, '\0');
  node[0] = static_cast<char>(kind);
  const uint16_t count = static_cast<uint16_t>(children.empty() ? keys.size() : children.size());
  std::memcpy(node.data() + 2, &count, 2);
  for (uint64_t c : children) node.append(reinterpret_cast<const char*>(&c), 8);
  std::string entries;
  std::vector<uint16_t> offsets;
  const size_t base = node.size() + 2 * keys.size();
  for (const std::string& k : keys) {
    offsets.push_back(static_cast<uint16_t>(base + entries.size()));
    const bool leaf = kind == TreePageKind::kLeaf;
    EncodeEntry(&entries, 0, static_cast<uint32_t>(k.size()), leaf ? 3 : 0, k,
                leaf ? "v:" + k.substr(0, 1) : "", leaf);
  }
  for (uint16_t off : offsets) node.append(reinterpret_cast<const char*>(&off), 2);
  node += entries;
  node.resize(payload, '\0');
  return node;
}

TEST(BTreeTest, NodesWithoutKeyHintsAreReadAndMergedInto) {
  const size_t payload = 512 - 32;
  MemPages pages(payload);
  auto put = [&](TreePageKind kind, const std::string& bytes) {
    const uint64_t id = *pages.Allocate();
    EXPECT_TRUE(pages.Write(id, kind, absl::Span<const uint8_t>(
                                          reinterpret_cast<const uint8_t*>(bytes.data()),
                                          bytes.size())).ok());
    return id;
  };
  const uint64_t left = put(TreePageKind::kLeaf,
                            LayoutZeroNode(TreePageKind::kLeaf, {"apple", "banana"}, {}, payload));
  const uint64_t right = put(TreePageKind::kLeaf,
                             LayoutZeroNode(TreePageKind::kLeaf, {"cherry", "date"}, {}, payload));
  const uint64_t root = put(TreePageKind::kInternal,
                            LayoutZeroNode(TreePageKind::kInternal, {"c"}, {left, right}, payload));
  Model model = {{"apple", "v:a"}, {"banana", "v:b"}, {"cherry", "v:c"}, {"date", "v:d"}};
  ExpectTreeMatches(pages, root, model);
  std::string v;
  EXPECT_FALSE(*BTreeGet(pages, root, "blueberry", &v));
  BTreeIterator it(&pages, root);
  it.Seek("bz");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "cherry");
  // A merge rewrites the nodes it touches with hints and keeps the untouched leaf as it is.
  auto r = MergeIntoTree(pages, root, ToChanges({{"coconut", "v:c2"}}), pages);
  ASSERT_TRUE(r.ok()) << r.status();
  model["coconut"] = "v:c2";
  ExpectTreeMatches(pages, r->root, model);
  auto new_root = NodeView::Parse(*pages.Read(r->root));
  ASSERT_TRUE(new_root.ok());
  EXPECT_TRUE(new_root->has_hints());
  EXPECT_EQ(new_root->child(0), left);
}

// Records what a scan reads and what it asks to have prefetched.
class HintRecorder : public TreePageReader {
 public:
  explicit HintRecorder(MemPages* pages) : pages_(pages) {}
  absl::StatusOr<PageRef> Read(uint64_t id) override {
    reads.push_back(id);
    return pages_->Read(id);
  }
  void Prefetch(absl::Span<const uint64_t> ids) override {
    for (uint64_t id : ids) EXPECT_TRUE(hinted.insert(id).second) << "page " << id << " twice";
  }
  size_t payload_size() const override { return pages_->payload_size(); }
  std::vector<uint64_t> reads;
  std::set<uint64_t> hinted;

 private:
  MemPages* pages_;
};

TEST(BTreeTest, ForwardScanPrefetchesTheLeavesAheadOfIt) {
  MemPages pages(1024 - 32);
  std::map<std::string, std::optional<std::string>> batch;
  for (int i = 0; i < 600; ++i) batch[absl::StrCat("key", 1000 + i)] = std::string(20, 'v');
  auto r = MergeIntoTree(pages, kNoPage, ToChanges(batch), pages);
  ASSERT_TRUE(r.ok());
  auto root = pages.Read(r->root);
  ASSERT_TRUE(root.ok());
  auto root_node = NodeView::Parse(*root);
  ASSERT_TRUE(root_node.ok());
  ASSERT_EQ(root_node->kind(), TreePageKind::kInternal) << "two levels: one parent of all leaves";
  const uint32_t leaves = root_node->count();
  ASSERT_GT(leaves, kPrefetchLeaves + 2);

  HintRecorder recorder(&pages);
  BTreeIterator it(&recorder, r->root);
  size_t keys = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next()) ++keys;
  ASSERT_TRUE(it.status().ok());
  EXPECT_EQ(keys, 600u);
  // The first crossing (leaf 0 -> 1) reads leaf 1 at once and hints the leaves after it; from
  // then on every leaf was hinted before the scan reached it. Nothing outside the tree.
  std::set<uint64_t> seen;
  for (uint64_t id : recorder.reads) seen.insert(id);
  for (uint32_t i = 2; i < leaves; ++i) {
    EXPECT_TRUE(recorder.hinted.count(root_node->child(i))) << "leaf " << i << " not prefetched";
  }
  EXPECT_FALSE(recorder.hinted.count(root_node->child(0)));
  EXPECT_FALSE(recorder.hinted.count(root_node->child(1)));
  for (uint64_t id : recorder.hinted) EXPECT_TRUE(seen.count(id)) << "hinted page " << id;
  // A lookup and a backward scan hint nothing.
  recorder.hinted.clear();
  std::string v;
  ASSERT_TRUE(BTreeGet(recorder, r->root, "key1300", &v).ok());
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
  }
  EXPECT_TRUE(recorder.hinted.empty());
}

TEST(BTreeTest, DeletingEverythingFreesEveryPage) {
  MemPages pages(512 - 32);
  std::map<std::string, std::optional<std::string>> batch;
  for (int i = 0; i < 3000; ++i) batch[absl::StrCat("k", i)] = std::string(i % 100 == 0 ? 2000 : 20, 'v');
  auto r = MergeIntoTree(pages, kNoPage, ToChanges(batch), pages);
  ASSERT_TRUE(r.ok());
  pages.Publish();
  EXPECT_GT(pages.live_pages(), 100u);
  for (auto& [k, v] : batch) v = std::nullopt;
  r = MergeIntoTree(pages, r->root, ToChanges(batch), pages);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->root, kNoPage);
  pages.Publish();
  EXPECT_EQ(pages.live_pages(), 0u);
}

TEST(BTreeTest, CorruptPageIsAnErrorNotACrash) {
  MemPages pages(512 - 32);
  std::map<std::string, std::optional<std::string>> batch;
  for (int i = 0; i < 200; ++i) batch[absl::StrCat("k", i)] = "value";
  auto r = MergeIntoTree(pages, kNoPage, ToChanges(batch), pages);
  ASSERT_TRUE(r.ok());
  // Scribble over what follows the root's header: its key prefix, children and slots.
  auto ref = pages.Read(r->root);
  ASSERT_TRUE(ref.ok());
  uint8_t* p = const_cast<uint8_t*>(ref->data);
  for (size_t i = kNodeHeaderBytes; i < 64; ++i) p[i] = 0xff;
  std::string v;
  EXPECT_EQ(BTreeGet(pages, r->root, "k5", &v).status().code(), absl::StatusCode::kDataLoss);
  p[4] = 7;  // not a node layout
  auto layout = BTreeGet(pages, r->root, "k5", &v);
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(layout.status().message().find("layout 7"), std::string::npos) << layout.status();
  p[0] = 9;  // not a node kind
  BTreeIterator it(&pages, r->root);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  EXPECT_EQ(it.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ringkv

namespace ringkv {
namespace {

// Height of the tree (0: the root is a leaf) and how full its leaves are, in node bytes.
struct Shape {
  size_t height = 0;
  size_t leaves = 0;
  size_t leaf_entries = 0;
};
void MeasureShape(MemPages& pages, uint64_t root, size_t depth, Shape* shape) {
  auto ref = pages.Read(root);
  ASSERT_TRUE(ref.ok());
  auto node = NodeView::Parse(*ref);
  ASSERT_TRUE(node.ok());
  if (node->kind() == TreePageKind::kLeaf) {
    shape->height = depth;
    ++shape->leaves;
    shape->leaf_entries += node->count();
    return;
  }
  for (uint32_t i = 0; i < node->count(); ++i) MeasureShape(pages, node->child(i), depth + 1, shape);
}

Model RandomInserts(MemPages& pages, uint64_t* root, std::mt19937_64& rng, int batches,
                    int per_batch) {
  Model model;
  for (int b = 0; b < batches; ++b) {
    std::map<std::string, std::optional<std::string>> batch;
    for (int i = 0; i < per_batch; ++i) {
      batch[absl::StrCat("user", 100000000 + rng() % 900000000)] = std::string(20, 'v');
    }
    for (const auto& [k, v] : batch) model[k] = *v;
    std::vector<TreeChange> changes = ToChanges(batch);
    auto r = MergeIntoTree(pages, *root, changes, pages);
    EXPECT_TRUE(r.ok()) << r.status();
    *root = r->root;
    pages.Publish();
  }
  return model;
}

TEST(BTreeTest, OneChangeRewritesOnlyThePathToItsLeaf) {
  std::mt19937_64 rng(7);
  MemPages pages(512 - 32);
  uint64_t root = kNoPage;
  Model model = RandomInserts(pages, &root, rng, 10, 2000);
  Shape shape;
  MeasureShape(pages, root, 0, &shape);
  ASSERT_GE(shape.height, 2u) << "the test wants internal levels below the root";
  // Overwrite one existing key, then delete another, then insert a new one: each time the leaf
  // and the nodes above it are rewritten, nothing else.
  const std::string existing = model.begin()->first;
  const std::string value(20, 'w');
  for (int step = 0; step < 3; ++step) {
    std::map<std::string, std::optional<std::string>> batch;
    if (step == 0) batch[existing] = value;
    if (step == 1) batch[std::next(model.begin(), model.size() / 2)->first] = std::nullopt;
    if (step == 2) batch["user5555555550"] = value;
    for (const auto& [k, v] : batch) {
      if (v) model[k] = *v; else model.erase(k);
    }
    std::vector<TreeChange> changes = ToChanges(batch);
    auto r = MergeIntoTree(pages, root, changes, pages);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_LE(r->pages_written, shape.height + 2) << "step " << step;  // + a split leaf
    EXPECT_LE(r->pages_freed, shape.height + 2) << "step " << step;
    root = r->root;
    pages.Publish();
    ExpectTreeMatches(pages, root, model);
    EXPECT_EQ(pages.live_pages(), Reachable(pages, root));
  }
}

TEST(BTreeTest, LeavesStayPackedUnderRandomInserts) {
  std::mt19937_64 rng(11);
  MemPages pages(4096 - 32);
  uint64_t root = kNoPage;
  // Batches that touch most leaves, as a checkpoint of a large memtable does.
  Model model = RandomInserts(pages, &root, rng, 8, 6000);
  ExpectTreeMatches(pages, root, model);
  Shape shape;
  MeasureShape(pages, root, 0, &shape);
  // A 4 KiB leaf holds about 120 of these entries; a node-by-node split policy leaves them about
  // 70% full, packing runs of rewritten leaves keeps them over 90%.
  size_t per_leaf = 0;
  {
    std::map<std::string, std::optional<std::string>> probe;
    MemPages p(4096 - 32);
    for (int i = 0; i < 4000; ++i) probe[absl::StrCat("user", 100000000 + i)] = std::string(20, 'v');
    std::vector<TreeChange> changes = ToChanges(probe);
    auto r = MergeIntoTree(p, kNoPage, changes, p);
    ASSERT_TRUE(r.ok());
    Shape full;
    MeasureShape(p, r->root, 0, &full);
    per_leaf = full.leaf_entries / full.leaves;
  }
  ASSERT_GT(per_leaf, 50u);
  EXPECT_GE(shape.leaf_entries * 100, shape.leaves * per_leaf * 90)
      << shape.leaf_entries << " entries in " << shape.leaves << " leaves, " << per_leaf
      << " fit in one";
}

}  // namespace
}  // namespace ringkv
