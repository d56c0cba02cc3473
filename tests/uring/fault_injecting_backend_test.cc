// The fault injector behaves like a failing disk: the chosen op fails with the chosen errno,
// the rest of a linked chain is cancelled and never reaches the disk, unlinked ops still run.
#include "uring/fault_injecting_backend.h"

#include <fcntl.h>

#include <cerrno>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"

namespace ringkv::io {
namespace {

using ::ringkv::testing::AllBackends;
using ::ringkv::testing::BackendName;
using ::ringkv::testing::BackendParam;
using ::ringkv::testing::FileExists;
using ::ringkv::testing::TempDir;

class FaultInjectingBackendTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    inner_ = ringkv::testing::MakeBackend(GetParam());
    ASSERT_NE(inner_, nullptr);
    io_ = std::make_unique<FaultInjectingBackend>(*inner_);
  }
  TempDir dir_;
  std::unique_ptr<IoBackend> inner_;
  std::unique_ptr<FaultInjectingBackend> io_;
};

TEST_P(FaultInjectingBackendTest, FailsChosenOpAndCancelsTheRest) {
  io_->SetFault(FaultInjectingBackend::FailNth(2, EIO));
  Completion c = io_->Run(
      Chain().MkdirAt(dir_.Join("a")).MkdirAt(dir_.Join("b")).MkdirAt(dir_.Join("c")));
  EXPECT_EQ(c.results[0], 0);
  EXPECT_EQ(c.results[1], -EIO);
  EXPECT_EQ(c.results[2], -ECANCELED);
  EXPECT_TRUE(FileExists(dir_.Join("a")));
  EXPECT_FALSE(FileExists(dir_.Join("b")));
  EXPECT_FALSE(FileExists(dir_.Join("c")));
  EXPECT_EQ(c.status.code(), absl::ErrnoToStatusCode(EIO)) << c.status;
  EXPECT_NE(std::string(c.status.message()).find("Input/output error"), std::string::npos);
  EXPECT_EQ(io_->faults_injected(), 1u);
}

TEST_P(FaultInjectingBackendTest, FaultOnFirstOpStillCompletesThroughCallback) {
  io_->SetFault(FaultInjectingBackend::FailEvery(OpType::kFsync, ENOSPC));
  auto slot = io_->ReserveFile();
  ASSERT_TRUE(slot.ok());
  ASSERT_TRUE(io_->Run(Chain().OpenAt(slot->id(), dir_.Join("f"), O_RDWR | O_CREAT)).ok());
  absl::Notification done;
  Completion seen;
  io_->Submit(Chain().Fsync(slot->id()).Close(slot->id()), [&](const Completion& c) {
    seen = c;
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_EQ(seen.results[0], -ENOSPC);
  EXPECT_EQ(seen.results[1], -ECANCELED);
  EXPECT_EQ(seen.status.code(), absl::StatusCode::kResourceExhausted);
}

TEST_P(FaultInjectingBackendTest, UnlinkedChainRunsTheOtherOps) {
  io_->SetFault(FaultInjectingBackend::FailNth(1, EIO));
  Completion c = io_->Run(Chain().MkdirAt(dir_.Join("x")).MkdirAt(dir_.Join("y")).set_linked(false));
  EXPECT_EQ(c.results[0], -EIO);
  EXPECT_EQ(c.results[1], 0);
  EXPECT_FALSE(FileExists(dir_.Join("x")));
  EXPECT_TRUE(FileExists(dir_.Join("y")));
}

TEST_P(FaultInjectingBackendTest, ClearedFaultLetsEverythingThrough) {
  io_->SetFault(FaultInjectingBackend::FailEvery(OpType::kMkdirAt, EIO));
  EXPECT_FALSE(io_->Run(Chain().MkdirAt(dir_.Join("m"))).ok());
  io_->ClearFault();
  EXPECT_TRUE(io_->Run(Chain().MkdirAt(dir_.Join("m"))).ok());
  EXPECT_EQ(io_->ops_seen(), 2u);
}

TEST_P(FaultInjectingBackendTest, ShortWriteLandsHalfAndFails) {
  auto slot = io_->ReserveFile();
  ASSERT_TRUE(slot.ok());
  const std::string path = dir_.Join("short");
  ASSERT_TRUE(io_->Run(Chain().OpenAt(slot->id(), path, O_RDWR | O_CREAT)).ok());
  const std::string data(16384, 'd');
  io_->SetFault(FaultInjectingBackend::ShortenNth(1));
  Completion c = io_->Run(Chain().Write(slot->id(), data.data(), data.size(), 0).Fsync(slot->id()));
  EXPECT_EQ(c.results[0], 8192);
  EXPECT_EQ(c.results[1], -ECANCELED) << "a short write breaks the chain";
  EXPECT_EQ(c.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ringkv::testing::FileSize(path), 8192);
}

INSTANTIATE_TEST_SUITE_P(Backends, FaultInjectingBackendTest, AllBackends(), BackendName);

}  // namespace
}  // namespace ringkv::io
