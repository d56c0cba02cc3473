// The history checker accepts exactly the states the durability contract allows and names the
// invariant a bad state breaks.
#include "ringkv/history.h"

#include "gtest/gtest.h"

namespace ringkv::crash {
namespace {

HistoryOp Put(std::string k, std::string v, uint64_t begin, uint64_t end, bool sync = true) {
  HistoryOp op;
  op.entries.push_back({false, std::move(k), std::move(v)});
  op.begin = begin;
  op.end = end;
  op.ok = true;
  op.sync = sync;
  return op;
}

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.Add(Put("a", "1", 1, 2));
    h_.Add(Put("b", "2", 3, 4, /*sync=*/false));
    HistoryOp batch;
    batch.entries = {{false, "c", "3"}, {true, "a", ""}};
    batch.begin = 5;
    batch.end = 6;
    batch.ok = true;
    h_.Add(batch);
    h_.Add(Put("d", "4", 7, 8));
  }
  History h_;
};

TEST_F(HistoryTest, AcceptsEveryLegalPrefix) {
  EXPECT_FALSE(h_.Check({}, 0));
  EXPECT_FALSE(h_.Check({}, 1)) << "op 1 in flight may be lost";
  EXPECT_FALSE(h_.Check({{"a", "1"}}, 1)) << "or present";
  EXPECT_FALSE(h_.Check({{"a", "1"}}, 4)) << "unsynced op 2 may be lost";
  EXPECT_FALSE(h_.Check({{"a", "1"}, {"b", "2"}}, 4));
  EXPECT_FALSE(h_.Check({{"b", "2"}, {"c", "3"}}, 6));
  EXPECT_FALSE(h_.Check({{"b", "2"}, {"c", "3"}, {"d", "4"}}, 8));
}

TEST_F(HistoryTest, NamesTheBrokenInvariant) {
  auto v = h_.Check({}, 2);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "1 acknowledged write lost");
  EXPECT_EQ(v->key, "a");

  v = h_.Check({{"a", "1"}, {"zz", "?"}}, 2);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "2 data that was never written appeared");

  v = h_.Check({{"a", "1"}, {"b", "2"}, {"c", "3"}}, 7);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "3 a batch was applied partly");

  // b (unsynced) lost but the later synced op d present: durability is a prefix.
  v = h_.Check({{"c", "3"}, {"d", "4"}}, 8);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant.substr(0, 1), "1");
}

// An acknowledged batch lost whole, together with the earlier write of the key it deleted:
// that key's absence is no evidence that part of the batch landed, so the loss is what gets
// named.
TEST(HistoryBatchTest, LostBatchWithADeleteIsALostWriteNotAPartialOne) {
  History h;
  h.Add(Put("a", "0", 1, 2));
  HistoryOp batch;
  batch.entries = {{false, "p", "1"}, {true, "a", ""}, {true, "never", ""}, {false, "q", "2"}};
  batch.begin = 3;
  batch.end = 4;
  batch.ok = true;
  h.Add(batch);
  auto v = h.Check({}, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "1 acknowledged write lost");
  // Some of its puts visible and others not is still a partial batch.
  v = h.Check({{"p", "1"}}, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "3 a batch was applied partly");
  // So is a put visible while a delete of a present key did not happen.
  v = h.Check({{"a", "0"}, {"p", "1"}, {"q", "2"}}, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "3 a batch was applied partly");
}

// A batch that writes a key twice shows only its last write of it: the first value missing is
// no evidence of a partial batch, so a lost acknowledged write beside it is what gets named.
TEST(HistoryBatchTest, BatchWritingAKeyTwiceIsJudgedByItsLastWrite) {
  History h;
  h.Add(Put("a", "0", 1, 2));
  HistoryOp batch;
  batch.entries = {{false, "k", "1"}, {false, "p", "2"}, {false, "k", "3"}};
  batch.begin = 3;
  batch.end = 4;
  batch.ok = true;
  h.Add(batch);
  EXPECT_FALSE(h.Check({{"a", "0"}, {"k", "3"}, {"p", "2"}}, 4));
  auto v = h.Check({{"k", "3"}, {"p", "2"}}, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "1 acknowledged write lost");
  EXPECT_EQ(v->key, "a");
  // Its last write of k visible and p not is still a partial batch.
  v = h.Check({{"a", "0"}, {"k", "3"}}, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "3 a batch was applied partly");
  // A put then a delete of the same key leaves the key absent.
  HistoryOp put_then_delete;
  put_then_delete.entries = {{false, "x", "1"}, {false, "y", "2"}, {true, "x", ""}};
  put_then_delete.begin = 5;
  put_then_delete.end = 6;
  put_then_delete.ok = true;
  h.Add(put_then_delete);
  v = h.Check({{"k", "3"}, {"p", "2"}, {"y", "2"}}, 6);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "1 acknowledged write lost");
}

TEST(HistoryDeleteTest, DeletedKeyMustStayDeleted) {
  History h;
  h.Add(Put("a", "1", 1, 2));
  HistoryOp del;
  del.entries.push_back({true, "a", ""});
  del.begin = 3;
  del.end = 4;
  del.ok = true;
  h.Add(del);
  EXPECT_FALSE(h.Check({{"a", "1"}}, 3)) << "the delete was in flight";
  auto v = h.Check({{"a", "1"}}, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->invariant, "2 a deleted key reappeared");
  EXPECT_EQ(v->key, "a");
}

TEST_F(HistoryTest, EncodeDecodeRoundTrip) {
  auto back = History::Decode(h_.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->ops().size(), 4u);
  EXPECT_EQ(back->ops()[2].entries[1].deleted, true);
  EXPECT_EQ(back->ops()[1].sync, false);
  EXPECT_FALSE(back->Check({{"b", "2"}, {"c", "3"}, {"d", "4"}}, 8));
  EXPECT_FALSE(History::Decode("bogus line").ok());
}

}  // namespace
}  // namespace ringkv::crash
