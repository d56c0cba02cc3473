// Sorted runs: the catalog and filter formats (what the encoder writes the decoder reads, and
// damage is refused), runs published over the tree answer with the newest version (tombstones
// included), and a merge into the tree keeps every key readable in every state it publishes
// while it gives the runs' pages back, batch by batch.
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/btree.h"
#include "engine/checkpoint_steps.h"
#include "engine/published_lookup.h"
#include "engine/run_checkpoint.h"
#include "engine/sorted_run.h"
#include "engine/sorted_run_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/mem_parts.h"
#include "tests/engine/tree_changes.h"

namespace ringkv {
namespace {

using testing::MemTreeState;
using testing::MemTreeStore;
using testing::ToChanges;
using ::testing::HasSubstr;
using Model = std::map<std::string, std::string>;
using Batch = std::map<std::string, std::optional<std::string>>;

SortedRun SampleRun(uint64_t id, std::string bound = "") {
  SortedRun r;
  r.root = 10 + id;
  r.filter = 20 + id;
  r.filter_bytes = 4096;
  r.has_overflow = id % 2 == 0;
  r.entries = 1000 * id;
  r.pages = 30 + id;
  r.id = id;
  r.replaced = 300 * id;
  r.replaced_bytes = 40000 * id + 7;
  r.merged_below = std::move(bound);
  return r;
}

TEST(RunCatalogTest, DecodeReadsBackWhatEncodeWrote) {
  const std::vector<SortedRun> runs = {SampleRun(7), SampleRun(4, "key-0042"), SampleRun(2)};
  absl::StatusOr<std::vector<SortedRun>> d = DecodeRunCatalog(EncodeRunCatalog(runs), 100, "m");
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->size(), 3u);
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ((*d)[i].root, runs[i].root);
    EXPECT_EQ((*d)[i].filter, runs[i].filter);
    EXPECT_EQ((*d)[i].filter_bytes, runs[i].filter_bytes);
    EXPECT_EQ((*d)[i].has_overflow, runs[i].has_overflow);
    EXPECT_EQ((*d)[i].entries, runs[i].entries);
    EXPECT_EQ((*d)[i].pages, runs[i].pages);
    EXPECT_EQ((*d)[i].id, runs[i].id);
    EXPECT_EQ((*d)[i].replaced, runs[i].replaced);
    EXPECT_EQ((*d)[i].replaced_bytes, runs[i].replaced_bytes);
    EXPECT_EQ((*d)[i].merged_below, runs[i].merged_below);
  }
  // No catalog at all: a store that never wrote a run.
  EXPECT_TRUE(DecodeRunCatalog("", 100, "m")->empty());
}

TEST(RunCatalogTest, DecodeRefusesDamage) {
  const std::string good = EncodeRunCatalog({SampleRun(7), SampleRun(4, "bound")});
  const auto error = [](const std::string& bytes, uint64_t pages = 100) {
    return DecodeRunCatalog(bytes, pages, "MANIFEST x").status();
  };
  EXPECT_THAT(std::string(error(good.substr(0, good.size() - 1)).message()),
              HasSubstr("MANIFEST x"));
  EXPECT_EQ(error(good.substr(0, 20)).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(error(good + "x").code(), absl::StatusCode::kDataLoss);
  std::string bad = good;
  bad[0] = 9;  // version
  EXPECT_THAT(std::string(error(bad).message()), HasSubstr("version 9"));
  // A run naming a page beyond the file.
  EXPECT_THAT(std::string(error(good, 20).message()), HasSubstr("run 0"));
  // Ids must decrease (newest first).
  std::string twice = EncodeRunCatalog({SampleRun(4)});
  twice[4] = 2;  // count 2
  twice += EncodeRunCatalog({SampleRun(5)}).substr(kRunCatalogHeaderBytes);
  EXPECT_THAT(std::string(error(twice).message()), HasSubstr("out of order"));
  // A run cannot replace more entries than it has.
  std::string too_many = good;
  too_many[kRunCatalogHeaderBytes + 48 + 2] = 1;  // replaced += 2^16 > 7000 entries
  EXPECT_THAT(std::string(error(too_many).message()), HasSubstr("run 0"));
  // Replaced entries take bytes, and no entries none.
  std::string no_bytes = good;
  std::fill_n(no_bytes.begin() + kRunCatalogHeaderBytes + 56, 8, '\0');
  EXPECT_THAT(std::string(error(no_bytes).message()), HasSubstr("run 0"));
  // A catalog of the version before `replaced_bytes` names both versions.
  std::string old = good;
  old[0] = 2;
  EXPECT_THAT(std::string(error(old).message()), HasSubstr("version 2; this ringkv reads 3"));
}

TEST(RunFilterTest, HoldsEveryKeyAddedAndFewOthers) {
  RunFilter f(20000);
  for (int i = 0; i < 20000; ++i) f.Add(RunFilter::Hash(absl::StrCat("user", i * 3)));
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(f.MayContain(RunFilter::Hash(absl::StrCat("user", i * 3)))) << i;
  }
  int false_positives = 0;
  for (int i = 0; i < 20000; ++i) {
    false_positives += f.MayContain(RunFilter::Hash(absl::StrCat("other", i)));
  }
  // Ten bits per key in one cache line: about one percent.
  EXPECT_LT(false_positives, 20000 * 3 / 100);

  const std::string bytes = f.Encode();
  absl::StatusOr<std::unique_ptr<RunFilter>> d = RunFilter::Decode(bytes, "page 9");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->Encode(), bytes);
  EXPECT_THAT(std::string(RunFilter::Decode(bytes.substr(0, bytes.size() - 64), "page 9")
                              .status()
                              .message()),
              HasSubstr("page 9"));
  std::string bad = bytes;
  bad[0] = 7;
  EXPECT_EQ(RunFilter::Decode(bad, "page 9").status().code(), absl::StatusCode::kDataLoss);
}

class SortedRunMergeTest : public ::testing::Test {
 protected:
  // What a read of the published state returns for every key ever used.
  void ExpectPublishedMatches(const Model& model, const std::set<std::string>& keys) {
    std::shared_ptr<TreeSnapshot> v = store_.Current();
    for (const std::string& k : keys) {
      std::string value;
      absl::StatusOr<TreeLookup> got = LookupPublished(*v, k, &value);
      ASSERT_TRUE(got.ok()) << got.status();
      auto want = model.find(k);
      if (want == model.end()) {
        ASSERT_NE(*got, TreeLookup::kFound) << k;
      } else {
        ASSERT_EQ(*got, TreeLookup::kFound) << k;
        ASSERT_EQ(value, want->second) << k;
      }
    }
  }

  // A random batch over keys [0, n): puts of 40-200 bytes and, with `deletes`, deletions.
  Batch RandomBatch(std::mt19937_64& rng, int n, int count, bool deletes) {
    Batch b;
    for (int i = 0; i < count; ++i) {
      const std::string k = absl::StrCat("key", 100000 + rng() % n);
      keys_.insert(k);
      if (deletes && rng() % 4 == 0) {
        b[k] = std::nullopt;
      } else {
        b[k] = std::string(40 + rng() % 160, static_cast<char>('a' + rng() % 26));
      }
    }
    return b;
  }

  static void Apply(const Batch& b, Model* model) {
    for (const auto& [k, v] : b) {
      if (v) {
        (*model)[k] = *v;
      } else {
        model->erase(k);
      }
    }
  }

  std::shared_ptr<MemTreeState> state_ = std::make_shared<MemTreeState>();
  MemTreeStore store_{state_};
  std::set<std::string> keys_;
};

TEST_F(SortedRunMergeTest, RunsAnswerFirstAndAMergeGivesTheirPagesBackBatchByBatch) {
  std::mt19937_64 rng(11);
  Model model;
  uint64_t lsn = 10;
  // The tree: 3000 keys.
  const Batch base = RandomBatch(rng, 6000, 3000, false);
  ASSERT_TRUE(CheckpointInSteps(store_, ToChanges(base), lsn, 1 << 30, [](auto) {}).ok());
  Apply(base, &model);
  const uint64_t tree_only = state_->pages.size();
  // Three runs over it, with overwrites and deletions, each newer than the last.
  for (int r = 0; r < 3; ++r) {
    const Batch b = RandomBatch(rng, 6000, 700, true);
    absl::StatusOr<uint64_t> written = PublishSortedRun(store_, ToChanges(b), lsn += 10);
    ASSERT_TRUE(written.ok()) << written.status();
    Apply(b, &model);
    ExpectPublishedMatches(model, keys_);
  }
  ASSERT_EQ(store_.Current()->runs().size(), 3u);
  EXPECT_EQ(store_.Current()->checkpoint_lsn(), lsn);

  // The merge, in batches of about two tree pages. Between batches every key must still read
  // right, the merging runs must shrink, and a run published in the middle must survive it.
  int batches = 0;
  uint64_t last_run_pages = ~0ull;
  int shrank = 0;
  Batch late;
  absl::StatusOr<TreeMergeStats> merged = MergeRunsIntoTree(
      store_, 2,
      [&]() -> absl::Status {
        ++batches;
        ExpectPublishedMatches(model, keys_);
        if (batches == 5) {
          late = RandomBatch(rng, 6000, 300, true);
          absl::StatusOr<uint64_t> w = PublishSortedRun(store_, ToChanges(late), lsn += 10);
          if (!w.ok()) return w.status();
          Apply(late, &model);
        }
        return absl::OkStatus();
      },
      [&](std::shared_ptr<TreeSnapshot> v) {
        uint64_t pages = 0;
        for (const SortedRunRef& r : v->runs()) {
          if (r.run.id <= 3) pages += r.run.pages;
        }
        if (pages < last_run_pages && last_run_pages != ~0ull) ++shrank;
        last_run_pages = pages;
      });
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_GT(batches, 10);
  EXPECT_GT(shrank, 3);
  ExpectPublishedMatches(model, keys_);

  // Left: the tree with the three runs merged in, and the late run above it.
  std::shared_ptr<TreeSnapshot> v = store_.Current();
  ASSERT_EQ(v->runs().size(), 1u);
  EXPECT_EQ(v->runs()[0].run.id, 4u);
  EXPECT_TRUE(v->runs()[0].run.merged_below.empty());
  EXPECT_EQ(v->checkpoint_lsn(), lsn);
  // Every page of the merged runs was freed: what is left is the tree and the late run.
  std::vector<uint64_t> late_pages;
  ASSERT_TRUE(CollectRunPages(v->pages(), v->runs()[0].run, &late_pages).ok());
  v.reset();
  EXPECT_EQ(state_->pages.size(), MainTreePages(store_, *store_.Current()) + late_pages.size());
  EXPECT_GT(state_->pages.size(), tree_only);
}

// What a merge would give back: a run counts the entries that replace a version in the tree or
// an older run (a tombstone too), and the bytes those versions take, from a sample of its keys.
TEST_F(SortedRunMergeTest, ARunEstimatesHowManyOfItsKeysReplaceOlderVersions) {
  const auto keys = [](int from, int to, bool deleted) {
    Batch b;
    for (int i = from; i < to; ++i) {
      b[absl::StrCat("key", 100000 + i)] =
          deleted ? std::nullopt : std::optional<std::string>(std::string(60, 'v'));
    }
    return b;
  };
  ASSERT_TRUE(CheckpointInSteps(store_, ToChanges(keys(0, 20000, false)), 10, 1 << 30,
                                [](auto) {}).ok());
  const auto publish = [&](const Batch& b, uint64_t lsn) -> SortedRun {
    absl::StatusOr<uint64_t> w = PublishSortedRun(store_, ToChanges(b), lsn);
    EXPECT_TRUE(w.ok()) << w.status();
    return store_.Current()->runs().front().run;
  };
  // Every key is in the tree: all of them replace (the sample finds no other answer).
  EXPECT_EQ(publish(keys(0, 8000, false), 20).replaced, 8000u);
  // New keys replace nothing.
  EXPECT_EQ(publish(keys(30000, 38000, false), 30).replaced, 0u);
  // Half over the tree, half new: about half, within the sample's error (about 130 sampled).
  const SortedRun half = publish(keys(16000, 24000, false), 40);
  EXPECT_GT(half.replaced, 3000u);
  EXPECT_LT(half.replaced, 5000u);
  // Keys only an older run holds, and tombstones, replace too.
  EXPECT_EQ(publish(keys(30000, 34000, true), 50).replaced, 4000u);
  // The replaced versions' bytes: 8000, about 4000 and 4000 entries of 9-byte keys with
  // 60-byte values, each with its few bytes of header and slot; nothing for new keys.
  const std::shared_ptr<TreeSnapshot> v = store_.Current();
  const auto& runs = v->runs();  // newest first
  const uint64_t entry = 9 + 60;
  EXPECT_EQ(runs[2].run.replaced_bytes, 0u);
  EXPECT_GE(runs[3].run.replaced_bytes, 8000 * entry);
  EXPECT_LE(runs[3].run.replaced_bytes, 8000 * (entry + 16));
  EXPECT_GE(runs[1].run.replaced_bytes, 3000 * entry);
  EXPECT_LE(runs[1].run.replaced_bytes, 5000 * (entry + 16));
  // A run of tombstones deletes versions far larger than itself: those are what it gives back.
  EXPECT_GE(runs[0].run.replaced_bytes, 4000 * entry);
  EXPECT_GT(runs[0].run.replaced_bytes, runs[0].run.pages * store_.page_size());
  uint64_t bytes = 0;
  for (const SortedRunRef& r : runs) bytes += r.run.replaced_bytes;
  EXPECT_EQ(ReplacedPages(runs, store_.page_size()), bytes / store_.page_size());
}

TEST_F(SortedRunMergeTest, AMergeStoppedBetweenBatchesIsFinishedByTheNext) {
  std::mt19937_64 rng(5);
  Model model;
  const Batch base = RandomBatch(rng, 4000, 2000, false);
  ASSERT_TRUE(CheckpointInSteps(store_, ToChanges(base), 10, 1 << 30, [](auto) {}).ok());
  Apply(base, &model);
  for (int r = 0; r < 2; ++r) {
    const Batch b = RandomBatch(rng, 4000, 600, true);
    ASSERT_TRUE(PublishSortedRun(store_, ToChanges(b), 20 + r).ok());
    Apply(b, &model);
  }
  // Stopped after a few batches (as Close does): the published state stays whole.
  int batches = 0;
  absl::StatusOr<TreeMergeStats> stopped = MergeRunsIntoTree(
      store_, 2,
      [&]() -> absl::Status {
        return ++batches == 20 ? absl::CancelledError("stop") : absl::OkStatus();
      },
      [](auto) {});
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kCancelled);
  ASSERT_EQ(store_.Current()->runs().size(), 2u);
  EXPECT_FALSE(store_.Current()->runs()[0].run.merged_below.empty());
  ExpectPublishedMatches(model, keys_);
  // A new run arrives, then the next merge takes all three.
  const Batch b = RandomBatch(rng, 4000, 300, true);
  ASSERT_TRUE(PublishSortedRun(store_, ToChanges(b), 40).ok());
  Apply(b, &model);
  ExpectPublishedMatches(model, keys_);
  // Its early batches are below the stopped runs' bound: that bound must not move back (the
  // leaves below it are free), and every key must read right between the batches.
  absl::StatusOr<TreeMergeStats> merged = MergeRunsIntoTree(
      store_, 2,
      [&] {
        ExpectPublishedMatches(model, keys_);
        return absl::OkStatus();
      },
      [](auto) {});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_TRUE(store_.Current()->runs().empty());
  ExpectPublishedMatches(model, keys_);
  EXPECT_EQ(state_->pages.size(), MainTreePages(store_, *store_.Current()));
}

// Backward scans over a part-merged run stop at its bound without reading below it (those
// leaves may already be reused): a reader that reads a freed page fails the test.
TEST_F(SortedRunMergeTest, IteratorsOverAPartMergedRunStayAboveItsBound) {
  Batch b;
  for (int i = 0; i < 2000; ++i) b[absl::StrCat("key", 10000 + i)] = std::string(100, 'v');
  ASSERT_TRUE(PublishSortedRun(store_, ToChanges(b), 10).ok());
  std::shared_ptr<TreeSnapshot> v = store_.Current();
  const SortedRun run = v->runs()[0].run;
  absl::StatusOr<std::vector<RunLeaf>> leaves = ListRunLeaves(v->pages(), run);
  ASSERT_TRUE(leaves.ok());
  ASSERT_GT(leaves->size(), 10u);
  const std::string bound = (*leaves)[5].lo;  // leaves 0-4 hold only keys below it
  // Drop the leaves wholly below the bound from the store, as a merge that freed them would.
  for (int i = 0; i < 5; ++i) state_->pages.erase((*leaves)[i].page);
  BTreeIterator it(&v->pages(), run.root, bound);
  size_t n = 0;
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
    ASSERT_GE(std::string(it.key()), bound);
    ++n;
  }
  ASSERT_TRUE(it.status().ok()) << it.status();
  size_t want = 0;
  for (const auto& [k, unused] : b) want += k >= bound;
  EXPECT_EQ(n, want);
  it.SeekForPrev("key0");  // below the bound: nothing, and nothing read
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
  it.Seek("key0");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(std::string(it.key()), b.lower_bound(bound)->first);
}

}  // namespace
}  // namespace ringkv
