// Behaviour every IoBackend must share: chains run in order, a failure cancels the rest, data
// lands where it was written, errors name the path. Run on io_uring (SQPOLL off and on) and on
// the plain-syscall reference.
#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"
#include "uring/dio_alignment.h"
#include "uring/io_backend.h"

namespace ringkv::io {
namespace {

using ::ringkv::testing::AllBackends;
using ::ringkv::testing::BackendName;
using ::ringkv::testing::BackendParam;
using ::ringkv::testing::FileExists;
using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::testing::HasSubstr;

class BackendTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(GetParam());
    ASSERT_NE(io_, nullptr);
  }
  FileSlot Slot() {
    auto s = io_->ReserveFile();
    EXPECT_TRUE(s.ok()) << s.status();
    return std::move(*s);
  }

  TempDir dir_;
  std::unique_ptr<IoBackend> io_;
};

TEST_P(BackendTest, ChainRunsOpsInOrderAndDataLands) {
  FileSlot f = Slot();
  const std::string path = dir_.Join("a");
  const std::string first = "hello, ";
  const std::string second = "world";
  Completion c = io_->Run(Chain()
                              .OpenAt(f.id(), path, O_RDWR | O_CREAT | O_TRUNC, 0644)
                              .Write(f.id(), first.data(), first.size(), 0)
                              .Write(f.id(), second.data(), second.size(), first.size())
                              .Fdatasync(f.id())
                              .Close(f.id()));
  ASSERT_TRUE(c.ok()) << c.status;
  ASSERT_EQ(c.results.size(), 5u);
  EXPECT_EQ(c.results[1], static_cast<int32_t>(first.size()));
  EXPECT_EQ(c.results[2], static_cast<int32_t>(second.size()));
  EXPECT_EQ(ReadFileOrDie(path), "hello, world");
}

TEST_P(BackendTest, ReadBackThroughOpenSlot) {
  FileSlot f = Slot();
  const std::string path = dir_.Join("r");
  ringkv::testing::WriteFileOrDie(path, "0123456789");
  char buf[4] = {};
  Completion c = io_->Run(
      Chain().OpenAt(f.id(), path, O_RDONLY).Read(f.id(), buf, sizeof(buf), 3));
  ASSERT_TRUE(c.ok()) << c.status;
  EXPECT_EQ(std::string(buf, 4), "3456");
  EXPECT_TRUE(io_->files().IsOpen(f.id()));
  EXPECT_EQ(io_->PathOf(f.id()), path);
}

TEST_P(BackendTest, FailingOpCancelsRestOfLinkedChain) {
  FileSlot f = Slot();
  const std::string missing = dir_.Join("no/such/dir/file");
  const std::string made = dir_.Join("made");
  Completion c = io_->Run(Chain()
                              .OpenAt(f.id(), missing, O_RDONLY)
                              .MkdirAt(made)
                              .UnlinkAt(dir_.Join("whatever")));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.results[0], -ENOENT);
  EXPECT_EQ(c.results[1], -ECANCELED);
  EXPECT_EQ(c.results[2], -ECANCELED);
  EXPECT_FALSE(FileExists(made)) << "an op after the failure ran";
  EXPECT_EQ(c.status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(c.status.message()), HasSubstr(missing));
}

TEST_P(BackendTest, UnlinkedChainRunsEveryOp) {
  Completion c = io_->Run(Chain()
                              .MkdirAt(dir_.Join("x"))
                              .UnlinkAt(dir_.Join("missing"))
                              .MkdirAt(dir_.Join("y"))
                              .set_linked(false));
  EXPECT_EQ(c.results[0], 0);
  EXPECT_EQ(c.results[1], -ENOENT);
  EXPECT_EQ(c.results[2], 0);
  EXPECT_TRUE(FileExists(dir_.Join("x")));
  EXPECT_TRUE(FileExists(dir_.Join("y")));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kNotFound);
}

TEST_P(BackendTest, RenameUnlinkMkdirAndDirectoryFsync) {
  FileSlot f = Slot();
  const std::string a = dir_.Join("a");
  const std::string b = dir_.Join("sub/b");
  Completion c = io_->Run(Chain()
                              .MkdirAt(dir_.Join("sub"))
                              .OpenAt(f.id(), a, O_WRONLY | O_CREAT, 0600)
                              .Write(f.id(), "x", 1, 0)
                              .Fsync(f.id())
                              .Close(f.id())
                              .RenameAt(a, b)
                              .FsyncDir(f.id(), dir_.path())
                              .FsyncDir(f.id(), dir_.Join("sub")));
  ASSERT_TRUE(c.ok()) << c.status;
  EXPECT_FALSE(FileExists(a));
  EXPECT_EQ(ReadFileOrDie(b), "x");
  EXPECT_FALSE(io_->files().IsOpen(f.id()));
  c = io_->Run(Chain().UnlinkAt(b).UnlinkAt(dir_.Join("sub"), AT_REMOVEDIR));
  ASSERT_TRUE(c.ok()) << c.status;
  EXPECT_FALSE(FileExists(dir_.Join("sub")));
}

TEST_P(BackendTest, FallocateExtendsFile) {
  FileSlot f = Slot();
  const std::string path = dir_.Join("prealloc");
  Completion c = io_->Run(Chain()
                              .OpenAt(f.id(), path, O_RDWR | O_CREAT, 0644)
                              .Fallocate(f.id(), 0, 0, 1 << 20)
                              .Close(f.id()));
  ASSERT_TRUE(c.ok()) << c.status;
  EXPECT_EQ(ringkv::testing::FileSize(path), 1 << 20);
}

TEST_P(BackendTest, FixedBufferWritesLandAtTheirOffsets) {
  auto pool = io_->CreateBufferPool(4, 4096, 4096);
  ASSERT_TRUE(pool.ok()) << pool.status();
  FileSlot f = Slot();
  const std::string path = dir_.Join("fixed");
  std::vector<IoBuffer> bufs;
  Chain chain;
  chain.OpenAt(f.id(), path, O_RDWR | O_CREAT | O_DIRECT | O_DSYNC, 0644);
  for (int i = 0; i < 4; ++i) {
    IoBuffer b = (*pool)->Acquire();
    std::memset(b.data, 'a' + i, b.size);
    // Out of order on purpose: block 3, 1, 2, 0.
    const uint64_t block = (i * 3 + 3) % 4;
    chain.Write(f.id(), b.data, b.size, block * 4096, b.index);
    bufs.push_back(b);
  }
  Completion c = io_->Run(std::move(chain));
  ASSERT_TRUE(c.ok()) << c.status;
  const std::string got = ReadFileOrDie(path);
  ASSERT_EQ(got.size(), 4u * 4096);
  for (int i = 0; i < 4; ++i) {
    const uint64_t block = (i * 3 + 3) % 4;
    EXPECT_EQ(got[block * 4096], 'a' + i);
    EXPECT_EQ(got[block * 4096 + 4095], 'a' + i);
  }
  // And read back through the ring into a fixed buffer.
  std::memset(bufs[0].data, 0, 4096);
  c = io_->Run(Chain().Read(f.id(), bufs[0].data, 4096, 3 * 4096, bufs[0].index));
  ASSERT_TRUE(c.ok()) << c.status;
  EXPECT_EQ(bufs[0].data[0], 'a');
  for (const IoBuffer& b : bufs) (*pool)->Release(b);
}

TEST_P(BackendTest, MisalignedDirectWriteIsAClearError) {
  if (!DirectIoAlignment(dir_.path()).supported) GTEST_SKIP() << "no O_DIRECT here";
  FileSlot f = Slot();
  const std::string path = dir_.Join("direct");
  auto pool = io_->CreateBufferPool(1, 8192, 4096);
  ASSERT_TRUE(pool.ok());
  IoBuffer b = (*pool)->Acquire();
  Completion c = io_->Run(Chain().OpenAt(f.id(), path, O_RDWR | O_CREAT | O_DIRECT, 0644));
  ASSERT_TRUE(c.ok()) << c.status;
  // Misaligned offset, misaligned length, misaligned address: each is EINVAL, never a crash.
  for (auto [buf, len, off] : {std::tuple{b.data, 4096u, 100u}, std::tuple{b.data, 100u, 0u},
                               std::tuple{b.data + 1, 4096u, 0u}}) {
    c = io_->Run(Chain().Write(f.id(), buf, len, off));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.results[0], -EINVAL);
    EXPECT_EQ(c.status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(c.status.message()), HasSubstr(path));
    EXPECT_THAT(std::string(c.status.message()), HasSubstr("alignment"));
  }
  (*pool)->Release(b);
}

TEST_P(BackendTest, ErrorsNameThePath) {
  FileSlot f = Slot();
  const std::string missing_dir = dir_.Join("absent");
  Completion c = io_->Run(Chain().OpenAt(f.id(), missing_dir + "/f", O_RDONLY));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(c.status.message()), HasSubstr(missing_dir + "/f"));

  c = io_->Run(Chain().MkdirAt(dir_.path()));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(c.status.message()), HasSubstr(dir_.path()));

  // Writing through a read-only descriptor: EBADF names the file it was opened as.
  const std::string ro = dir_.Join("ro");
  ringkv::testing::WriteFileOrDie(ro, "data");
  c = io_->Run(Chain().OpenAt(f.id(), ro, O_RDONLY).Write(f.id(), "x", 1, 0));
  EXPECT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status.message()), HasSubstr(ro));
  EXPECT_THAT(std::string(c.status.message()), HasSubstr("offset 0"));
}

TEST_P(BackendTest, PermissionDeniedNamesPath) {
  if (::geteuid() == 0) {
    // root bypasses mode bits; a read-only bind is not available in a test, so use a path in
    // /proc, which refuses creation for everyone.
    FileSlot f = Slot();
    Completion c = io_->Run(Chain().OpenAt(f.id(), "/proc/ringkv-test", O_WRONLY | O_CREAT, 0644));
    EXPECT_FALSE(c.ok());
    EXPECT_THAT(std::string(c.status.message()), HasSubstr("/proc/ringkv-test"));
    return;
  }
  FileSlot f = Slot();
  const std::string locked = dir_.Join("locked");
  ASSERT_TRUE(io_->Run(Chain().MkdirAt(locked, 0500)).ok());
  Completion c = io_->Run(Chain().OpenAt(f.id(), locked + "/f", O_WRONLY | O_CREAT, 0644));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(c.status.message()), HasSubstr(locked));
}

TEST_P(BackendTest, CallbackRunsOnceWithResults) {
  FileSlot f = Slot();
  const std::string path = dir_.Join("cb");
  absl::Notification done;
  std::atomic<int> calls{0};
  Completion seen;
  io_->Submit(Chain().OpenAt(f.id(), path, O_WRONLY | O_CREAT, 0644).Write(f.id(), "abc", 3, 0),
              [&](const Completion& c) {
                seen = c;
                calls.fetch_add(1);
                done.Notify();
              });
  // Nobody waits on the ticket: the backend's own completion machinery must reap it.
  done.WaitForNotification();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(seen.ok()) << seen.status;
  EXPECT_EQ(seen.results[1], 3);
}

TEST_P(BackendTest, ManyThreadsSubmitAndWaitConcurrently) {
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto slot = io_->ReserveFile();
      if (!slot.ok()) {
        failures++;
        return;
      }
      const std::string path = dir_.Join("t" + std::to_string(t));
      if (!io_->Run(Chain().OpenAt(slot->id(), path, O_RDWR | O_CREAT, 0644)).ok()) failures++;
      for (int i = 0; i < kWritesPerThread; ++i) {
        const std::string rec = std::to_string(t * 1000 + i) + "\n";
        char padded[8] = {};
        std::memcpy(padded, rec.data(), rec.size());
        Completion c = io_->Run(Chain().Write(slot->id(), padded, 8, i * 8).Fdatasync(slot->id()));
        if (!c.ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    const std::string got = ReadFileOrDie(dir_.Join("t" + std::to_string(t)));
    ASSERT_EQ(got.size(), 8u * kWritesPerThread);
    EXPECT_EQ(std::string(got.c_str()), std::to_string(t * 1000) + "\n");
  }
}

TEST_P(BackendTest, NativeOpenGivesAnOrdinaryDescriptor) {
  FileSlot f = Slot();
  const std::string path = dir_.Join("native");
  ringkv::testing::WriteFileOrDie(path, "native-bytes");
  Completion c = io_->Run(Chain().OpenAtNative(f.id(), path, O_RDONLY));
  ASSERT_TRUE(c.ok()) << c.status;
  absl::StatusOr<int> fd = io_->NativeFd(f.id());
  ASSERT_TRUE(fd.ok()) << fd.status();
  char buf[6] = {};
  ASSERT_EQ(::pread(*fd, buf, 6, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "native");
  // The same slot also works for ring ops.
  char buf2[5] = {};
  c = io_->Run(Chain().Read(f.id(), buf2, 5, 7));
  ASSERT_TRUE(c.ok()) << c.status;
  EXPECT_EQ(std::string(buf2, 5), "bytes");
  c = io_->Run(Chain().Close(f.id()));
  ASSERT_TRUE(c.ok()) << c.status;
  EXPECT_FALSE(io_->NativeFd(f.id()).ok());
}

TEST_P(BackendTest, ShortReadIsAnErrorUnlessAllowed) {
  FileSlot f = Slot();
  const std::string path = dir_.Join("short");
  ringkv::testing::WriteFileOrDie(path, "abc");
  char buf[16];
  Completion c = io_->Run(Chain().OpenAt(f.id(), path, O_RDONLY).Read(f.id(), buf, 16, 0));
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.results[1], 3);
  EXPECT_EQ(c.status.code(), absl::StatusCode::kDataLoss);
  c = io_->Run(Chain().ReadUpTo(f.id(), buf, 16, 0));
  EXPECT_TRUE(c.ok()) << c.status;
  EXPECT_EQ(c.results[0], 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, AllBackends(), BackendName);

}  // namespace
}  // namespace ringkv::io
