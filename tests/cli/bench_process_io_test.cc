// The page-cache helpers of the benchmarks run while an engine's background work removes its
// own files (LevelDB compacts after a reopen while the scale workload warms its files): a file
// that vanishes between the listing and the open is skipped, not an error.
#include "bench/engine/process_io.h"

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace ringkv::bench {
namespace {

using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;

TEST(ProcessIoTest, ReadsAndMeasuresEveryFile) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("sub"));
  WriteFileOrDie(dir.Join("a"), std::string(10000, 'a'));
  WriteFileOrDie(dir.Join("sub/b"), std::string(5000, 'b'));
  ASSERT_TRUE(ReadIntoPageCache(dir.path()).ok());
  absl::StatusOr<uint64_t> bytes = AllocatedBytesUnder(dir.path());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_GE(*bytes, 15000u);
  EXPECT_TRUE(EvictFromPageCache(dir.path()).ok());
}

TEST(ProcessIoTest, FilesRemovedWhileTheyAreReadAreSkipped) {
  TempDir dir;
  constexpr int kFiles = 400;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < kFiles; ++i) WriteFileOrDie(dir.Join(absl::StrCat("f", i)), std::string(4096, 'x'));
    std::atomic<bool> done{false};
    std::thread remover([&] {
      for (int i = 0; i < kFiles; ++i) std::filesystem::remove(dir.Join(absl::StrCat("f", i)));
      done = true;
    });
    bool failed = false;
    while (!done && !failed) {
      absl::Status s = ReadIntoPageCache(dir.path());
      EXPECT_TRUE(s.ok()) << s;
      absl::StatusOr<uint64_t> bytes = AllocatedBytesUnder(dir.path());
      EXPECT_TRUE(bytes.ok()) << bytes.status();
      absl::Status evicted = EvictFromPageCache(dir.path());
      EXPECT_TRUE(evicted.ok()) << evicted;
      failed = !s.ok() || !bytes.ok() || !evicted.ok();
    }
    remover.join();
    if (failed) return;
  }
}

TEST(ProcessIoTest, AMissingDirectoryIsAnError) {
  TempDir dir;
  absl::Status s = ReadIntoPageCache(dir.Join("absent"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("absent"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace ringkv::bench
