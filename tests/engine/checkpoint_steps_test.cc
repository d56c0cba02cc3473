// A checkpoint merged into the tree in steps: each step is published (the previous checkpoint
// LSN until the last), the result equals a one-step merge, and the steps reuse the pages the
// earlier ones freed instead of needing room for a second copy of the tree.
#include "engine/checkpoint_steps.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/btree.h"
#include "gtest/gtest.h"
#include "tests/engine/mem_parts.h"
#include "tests/engine/tree_changes.h"

namespace ringkv {
namespace {

using testing::MemTreeState;
using testing::MemTreeStore;
using testing::ToChanges;
using Model = std::map<std::string, std::string>;

TEST(CheckpointStepsTest, StepCountFollowsTheTreeSize) {
  EXPECT_EQ(CheckpointStepCount(1000, 0, 16), 1u);      // an empty tree: one step
  EXPECT_EQ(CheckpointStepCount(1000, 15, 16), 1u);
  EXPECT_EQ(CheckpointStepCount(1000, 64, 16), 4u);
  EXPECT_EQ(CheckpointStepCount(3, 6400, 16), 3u);      // never more steps than changes
  EXPECT_EQ(CheckpointStepCount(0, 6400, 16), 1u);
}

// Loads `n` keys in one step and returns the model.
Model Load(MemTreeStore& store, int n) {
  std::map<std::string, std::optional<std::string>> batch;
  Model model;
  for (int i = 0; i < n; ++i) {
    const std::string k = absl::StrCat("key", 1000000 + i * 7);
    batch[k] = model[k] = std::string(60, static_cast<char>('a' + i % 26));
  }
  auto r = CheckpointInSteps(store, ToChanges(batch), 100, 1 << 30, [](auto) {});
  EXPECT_TRUE(r.ok()) << r.status();
  return model;
}

void ExpectStoreMatches(MemTreeStore& store, const Model& model) {
  std::shared_ptr<TreeSnapshot> v = store.Current();
  BTreeIterator it(&v->pages(), v->root());
  auto m = model.begin();
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(std::string(it.key()), m->first);
    ASSERT_EQ(std::string(*it.value()), m->second);
  }
  ASSERT_TRUE(it.status().ok());
  EXPECT_EQ(m, model.end());
}

TEST(CheckpointStepsTest, StepsPublishInOrderAndReuseWhatEarlierStepsFreed) {
  for (uint64_t step_pages : {uint64_t{1} << 30, uint64_t{8}}) {
    SCOPED_TRACE(absl::StrCat("step_pages ", step_pages));
    auto state = std::make_shared<MemTreeState>();
    MemTreeStore store(state);
    Model model = Load(store, 20000);
    const uint64_t pages_before = state->next_page;
    // Rewrite every key and delete every tenth: every leaf is touched.
    std::map<std::string, std::optional<std::string>> batch;
    int i = 0;
    for (auto& [k, v] : model) {
      batch[k] = (i++ % 10 == 0) ? std::nullopt : std::optional<std::string>(std::string(60, 'z'));
    }
    for (const auto& [k, v] : batch) {
      if (v) model[k] = *v; else model.erase(k);
    }
    std::vector<uint64_t> lsns;
    auto r = CheckpointInSteps(store, ToChanges(batch), 200, step_pages,
                               [&](std::shared_ptr<TreeSnapshot> v) {
                                 lsns.push_back(v->checkpoint_lsn());
                               });
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_FALSE(lsns.empty());
    for (size_t j = 0; j + 1 < lsns.size(); ++j) EXPECT_EQ(lsns[j], 100u) << "step " << j;
    EXPECT_EQ(lsns.back(), 200u);
    ExpectStoreMatches(store, model);
    const uint64_t grown = state->next_page - pages_before;
    if (step_pages == 8) {
      EXPECT_GT(lsns.size(), 10u);
      // One step at a time needs new room for a step, not for the whole rewritten tree.
      EXPECT_LT(grown, pages_before / 4) << lsns.size() << " steps";
    } else {
      EXPECT_EQ(lsns.size(), 1u);
      EXPECT_GT(grown, pages_before / 2);  // one step: a second copy of the tree
    }
  }
}

}  // namespace
}  // namespace ringkv
