// Registered buffer pools: aligned, bounded, reusable, and registered with the ring when the
// backend can (so WRITE_FIXED works with their indices).
#include "uring/buffer_pool.h"

#include <cstdint>
#include <set>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/support/backends.h"

namespace ringkv::io {
namespace {

using ::ringkv::testing::AllBackends;
using ::ringkv::testing::BackendName;
using ::ringkv::testing::BackendParam;

class BufferPoolTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(GetParam());
    ASSERT_NE(io_, nullptr);
  }
  std::unique_ptr<IoBackend> io_;
};

TEST_P(BufferPoolTest, BuffersAreAlignedDistinctAndIndexed) {
  auto pool = io_->CreateBufferPool(8, 16384, 4096);
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::set<uint8_t*> seen;
  std::set<int> indices;
  std::vector<IoBuffer> out;
  for (int i = 0; i < 8; ++i) {
    IoBuffer b = (*pool)->Acquire();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % 4096, 0u);
    EXPECT_EQ(b.size, 16384u);
    seen.insert(b.data);
    indices.insert(b.index);
    out.push_back(b);
  }
  EXPECT_EQ(seen.size(), 8u);
  if (io_->features().registered_buffers) {
    EXPECT_TRUE((*pool)->registered());
    EXPECT_EQ(indices.size(), 8u);
    EXPECT_GE(*indices.begin(), 0);
  } else {
    EXPECT_EQ(*indices.begin(), -1);
  }
  IoBuffer extra;
  EXPECT_FALSE((*pool)->TryAcquire(&extra)) << "the pool must not grow";
  for (const IoBuffer& b : out) (*pool)->Release(b);
}

TEST_P(BufferPoolTest, AcquireBlocksUntilARelease) {
  auto pool = io_->CreateBufferPool(1, 4096, 4096);
  ASSERT_TRUE(pool.ok());
  IoBuffer held = (*pool)->Acquire();
  absl::Notification got;
  std::thread waiter([&] {
    IoBuffer b = (*pool)->Acquire();
    got.Notify();
    (*pool)->Release(b);
  });
  EXPECT_FALSE(got.HasBeenNotified());
  (*pool)->Release(held);
  got.WaitForNotification();
  waiter.join();
}

TEST_P(BufferPoolTest, TwoPoolsGetDisjointIndicesAndIndicesAreReusedAfterDestruction) {
  auto a = io_->CreateBufferPool(4, 4096, 4096);
  auto b = io_->CreateBufferPool(4, 4096, 4096);
  ASSERT_TRUE(a.ok() && b.ok());
  IoBuffer x = (*a)->Acquire();
  IoBuffer y = (*b)->Acquire();
  if (io_->features().registered_buffers) {
    EXPECT_NE(x.index, y.index);
  }
  (*a)->Release(x);
  (*b)->Release(y);
  a->reset();
  auto c = io_->CreateBufferPool(4, 4096, 4096);
  ASSERT_TRUE(c.ok());
  if (io_->features().registered_buffers) {
    EXPECT_TRUE((*c)->registered());
  }
}

TEST_P(BufferPoolTest, RejectsSizesThatAreNotAlignmentMultiples) {
  EXPECT_EQ(io_->CreateBufferPool(2, 1000, 4096).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(io_->CreateBufferPool(0, 4096, 4096).status().code(),
            absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, BufferPoolTest, AllBackends(), BackendName);

}  // namespace
}  // namespace ringkv::io
