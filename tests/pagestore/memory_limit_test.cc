// ProcessMemoryLimitBytes over fake /proc/self/cgroup and /sys/fs/cgroup trees: cgroup v1 takes
// the hierarchical limit (ancestors included), v2 the smallest memory.max up to the root, a
// namespaced v1 path falls back to the mount's root, and no limit anywhere means physical
// memory. ReadaheadPays draws its line at half the limit.
#include "pagestore/memory_limit.h"

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace ringkv::pagestore {
namespace {

using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;

constexpr uint64_t kPhysical = 16ull << 30;

class MemoryLimitTest : public ::testing::Test {
 protected:
  MemoryLimitSources Sources(const std::string& proc_self_cgroup) {
    WriteFileOrDie(dir_.Join("cgroup"), proc_self_cgroup);
    MemoryLimitSources s;
    s.proc_self_cgroup = dir_.Join("cgroup");
    s.cgroup_root = dir_.Join("sys");
    s.physical_bytes = kPhysical;
    return s;
  }
  // Writes `text` to sys/`rel`, creating its directories.
  void Put(const std::string& rel, const std::string& text) {
    const std::filesystem::path p = dir_.Join("sys/" + rel);
    std::filesystem::create_directories(p.parent_path());
    WriteFileOrDie(p.string(), text);
  }
  TempDir dir_;
};

TEST_F(MemoryLimitTest, CgroupV1TakesTheHierarchicalLimit) {
  // The cgroup's own limit is unlimited; an ancestor's 512 MiB applies (memory.stat says so).
  Put("memory/jobs/bench/memory.limit_in_bytes", "9223372036854771712\n");
  Put("memory/jobs/bench/memory.stat",
      "cache 4096\nrss 8192\nhierarchical_memory_limit 536870912\nhierarchical_memsw_limit 9\n");
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("5:cpu:/\n4:memory:/jobs/bench\n0::/\n")),
            512ull << 20);
}

TEST_F(MemoryLimitTest, CgroupV1WithoutMemoryStatUsesLimitInBytes) {
  Put("memory/a/memory.limit_in_bytes", "1073741824\n");
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("4:memory:/a\n")), 1ull << 30);
}

TEST_F(MemoryLimitTest, CgroupV1UnlimitedIsPhysicalMemory) {
  Put("memory/a/memory.stat", "hierarchical_memory_limit 9223372036854771712\n");
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("4:memory:/a\n")), kPhysical);
}

TEST_F(MemoryLimitTest, CgroupV1PathAbsentFromTheMountFallsBackToItsRoot) {
  // Inside a cgroup namespace the mount's root is the process's own cgroup.
  Put("memory/memory.stat", "hierarchical_memory_limit 268435456\n");
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("4:memory:/not/mounted/here\n")), 256ull << 20);
}

TEST_F(MemoryLimitTest, CgroupV2TakesTheSmallestMaxUpToTheRoot) {
  Put("memory.max", "max\n");  // the root has none; listed to show "max" is no limit
  Put("user/memory.max", "2147483648\n");
  Put("user/job/memory.max", "max\n");
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("0::/user/job\n")), 2ull << 30);
  Put("user/job/memory.max", "104857600\n");
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("0::/user/job\n")), 100ull << 20);
}

TEST_F(MemoryLimitTest, ALimitAbovePhysicalMemoryIsPhysicalMemory) {
  Put("job/memory.max", "68719476736\n");
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("0::/job\n")), kPhysical);
}

TEST_F(MemoryLimitTest, NoCgroupFilesIsPhysicalMemory) {
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("4:memory:/x\n0::/y\n")), kPhysical);
  EXPECT_EQ(ProcessMemoryLimitBytes(Sources("")), kPhysical);
  MemoryLimitSources missing = Sources("");
  missing.proc_self_cgroup = dir_.Join("no-such-file");
  EXPECT_EQ(ProcessMemoryLimitBytes(missing), kPhysical);
}

TEST_F(MemoryLimitTest, ThisMachineHasALimit) {
  const uint64_t limit = ProcessMemoryLimitBytes();
  EXPECT_GT(limit, 0u);
  EXPECT_LT(limit, uint64_t{1} << 62) << "physical memory bounds it";
}

TEST(ReadaheadPaysTest, OnlyWhileTheFileFitsInHalfTheLimit) {
  EXPECT_TRUE(ReadaheadPays(0, 1000));
  EXPECT_TRUE(ReadaheadPays(500, 1000));
  EXPECT_FALSE(ReadaheadPays(501, 1000));
  EXPECT_FALSE(ReadaheadPays(4000, 1000));
}

}  // namespace
}  // namespace ringkv::pagestore
