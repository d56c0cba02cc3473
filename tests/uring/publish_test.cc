// Atomic publication: after a crash at any point of write-temp → fsync → rename → fsync(dir),
// the published name holds the old contents or the new ones, whole, never a torn or missing file.
#include "uring/publish.h"

#include <cerrno>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"
#include "uring/fault_injecting_backend.h"

namespace ringkv::io {
namespace {

using ::ringkv::testing::AllBackends;
using ::ringkv::testing::BackendName;
using ::ringkv::testing::BackendParam;
using ::ringkv::testing::FileExists;
using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::testing::HasSubstr;

absl::Span<const uint8_t> Bytes(const std::string& s) {
  return absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

class PublishTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(GetParam());
    ASSERT_NE(io_, nullptr);
  }
  TempDir dir_;
  std::unique_ptr<IoBackend> io_;
};

TEST_P(PublishTest, PublishesAndReplaces) {
  ASSERT_TRUE(PublishFile(*io_, dir_.path(), "MANIFEST", Bytes("version one")).ok());
  EXPECT_EQ(ReadFileOrDie(dir_.Join("MANIFEST")), "version one");
  ASSERT_TRUE(PublishFile(*io_, dir_.path(), "MANIFEST", Bytes("v2")).ok());
  EXPECT_EQ(ReadFileOrDie(dir_.Join("MANIFEST")), "v2");
  EXPECT_FALSE(FileExists(dir_.Join(PublishTempName("MANIFEST"))));
}

TEST_P(PublishTest, StoppingAfterAnyOpLeavesOldOrNewWhole) {
  const std::string old_contents(10000, 'o');
  const std::string new_contents(7000, 'n');
  // Count the chain's ops once, then stop it before each of them in turn.
  Chain probe = BuildPublishChain(FileId{0}, dir_.path(), "MANIFEST", Bytes(new_contents));
  const size_t ops = probe.size();
  ASSERT_GE(ops, 8u);
  FaultInjectingBackend faulty(*io_);
  // The injector never fails a close (Linux releases the descriptor regardless), so it counts
  // only the other ops: stop before each of those in turn.
  size_t nth = 0;
  for (size_t op = 1; op <= ops; ++op) {
    if (probe.ops()[op - 1].type == OpType::kClose) continue;
    ++nth;
    SCOPED_TRACE(::testing::Message() << "fail op " << op << " of " << ops);
    ASSERT_TRUE(PublishFile(*io_, dir_.path(), "MANIFEST", Bytes(old_contents)).ok());
    faulty.SetFault(FaultInjectingBackend::FailNth(nth, EIO));
    absl::Status s = PublishFile(faulty, dir_.path(), "MANIFEST", Bytes(new_contents));
    faulty.ClearFault();
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()), HasSubstr("MANIFEST"));
    const std::string got = ReadFileOrDie(dir_.Join("MANIFEST"));
    EXPECT_TRUE(got == old_contents || got == new_contents) << "torn: " << got.size() << " bytes";
    // Before the rename the old file must still be there.
    const size_t rename_op = ops - 3;  // 1-based index of renameat
    if (op <= rename_op) {
      EXPECT_EQ(got, old_contents);
    } else {
      EXPECT_EQ(got, new_contents);
    }
  }
  EXPECT_GE(nth, 5u);
}

TEST_P(PublishTest, MissingDirectoryIsAClearError) {
  absl::Status s = PublishFile(*io_, dir_.Join("nope"), "MANIFEST", Bytes("x"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(dir_.Join("nope")));
}

TEST_P(PublishTest, EmptyContentsPublishAnEmptyFile) {
  ASSERT_TRUE(PublishFile(*io_, dir_.path(), "EMPTY", {}).ok());
  EXPECT_EQ(ringkv::testing::FileSize(dir_.Join("EMPTY")), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, PublishTest, AllBackends(), BackendName);

}  // namespace
}  // namespace ringkv::io
