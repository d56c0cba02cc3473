// DirectIoAlignment reads statx(STATX_DIOALIGN) and falls back sanely.
#include "uring/dio_alignment.h"

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace ringkv::io {
namespace {

TEST(DioAlignmentTest, RealFileReportsPowerOfTwoAlignments) {
  ringkv::testing::TempDir dir;
  const std::string f = dir.Join("f");
  ringkv::testing::WriteFileOrDie(f, "x");
  const DioAlignment a = DirectIoAlignment(f);
  EXPECT_GT(a.memory_bytes, 0u);
  EXPECT_GT(a.offset_bytes, 0u);
  EXPECT_EQ(a.memory_bytes & (a.memory_bytes - 1), 0u);
  EXPECT_EQ(a.offset_bytes & (a.offset_bytes - 1), 0u);
  EXPECT_LE(a.offset_bytes, 4096u);
}

TEST(DioAlignmentTest, MissingPathFallsBackTo4KiB) {
  const DioAlignment a = DirectIoAlignment("/nonexistent/ringkv/path");
  EXPECT_FALSE(a.from_statx);
  EXPECT_EQ(a.offset_bytes, 4096u);
  EXPECT_EQ(a.memory_bytes, 4096u);
}

TEST(DioAlignmentTest, AlignHelpers) {
  EXPECT_EQ(AlignUp(0, 4096), 0u);
  EXPECT_EQ(AlignUp(1, 4096), 4096u);
  EXPECT_EQ(AlignUp(4096, 4096), 4096u);
  EXPECT_EQ(AlignDown(8191, 4096), 4096u);
  EXPECT_EQ(AlignUp(513, 512), 1024u);
}

}  // namespace
}  // namespace ringkv::io
