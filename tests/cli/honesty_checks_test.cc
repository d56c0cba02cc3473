// The honesty checks of `ringkv bench`: each warning fires on the figures it is about and stays
// quiet on plausible ones.
#include "bench/report/honesty_checks.h"

#include <string>

#include "absl/strings/str_cat.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringkv::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

RunResult DeviceRun(const char* method, double p50_us, uint64_t ops = 10'000, bool durable = true) {
  RunResult r;
  r.kind = "device";
  r.label = method;
  r.method = method;
  r.block_bytes = 4096;
  r.depth = 1;
  r.durable = durable;
  r.median.ops = ops;
  r.median.ops_per_sec = 1000;
  r.median.p50_us = p50_us;
  r.repetitions = {r.median};
  return r;
}

RunResult EngineRun(const char* workload, double p50_us, uint64_t ops) {
  RunResult r;
  r.kind = "engine";
  r.label = absl::StrCat("lying ", workload, " 1t");
  r.store = "lying";
  r.workload = workload;
  r.threads = 1;
  r.median.ops = ops;
  r.median.p50_us = p50_us;
  return r;
}

Report VirtioWriteBack() {
  Report report;
  report.machine.block_device = "vda";
  report.machine.write_cache = "write back";
  report.machine.fua = "0";
  return report;
}

TEST(HonestyChecksTest, PlausibleDurableWritesGiveNoWarning) {
  Report report = VirtioWriteBack();
  report.runs = {DeviceRun("buffered", 2.5, 10'000, false), DeviceRun("direct_dsync", 95)};
  CheckMachine(&report);
  CheckDeviceRuns({{4096, 2.5}}, &report);
  EXPECT_THAT(report.warnings, IsEmpty());
}

TEST(HonestyChecksTest, FlushFasterThanTheDeviceCanIsFlagged) {
  Report report = VirtioWriteBack();
  report.runs = {DeviceRun("fdatasync", 15)};
  CheckDeviceRuns({}, &report);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], HasSubstr("faster than a flush"));
  EXPECT_EQ(report.runs[0].warnings.size(), 1u);
}

TEST(HonestyChecksTest, NvmeHasALowerFloor) {
  Report report = VirtioWriteBack();
  report.machine.nvme = true;
  report.runs = {DeviceRun("direct_dsync", 12)};
  CheckDeviceRuns({}, &report);
  EXPECT_THAT(report.warnings, IsEmpty());
}

TEST(HonestyChecksTest, SyncThatCostsNothingOverBufferedIsFlagged) {
  Report report = VirtioWriteBack();
  report.machine.nvme = true;  // so only the buffered comparison can fire
  report.runs = {DeviceRun("fsync", 9)};
  CheckDeviceRuns({{4096, 3.0}}, &report);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], HasSubstr("plain page-cache write"));
  EXPECT_THAT(report.warnings[0], HasSubstr("without FUA"));
}

TEST(HonestyChecksTest, NotDurableAndLargeBlocksAreNotJudgedByTheFloor) {
  Report report = VirtioWriteBack();
  RunResult big = DeviceRun("direct_dsync", 15);
  big.block_bytes = 1 << 20;
  report.runs = {DeviceRun("buffered", 2, 10'000, false), big};
  CheckDeviceRuns({{4096, 2.0}}, &report);
  EXPECT_THAT(report.warnings, IsEmpty());
}

TEST(HonestyChecksTest, FewSamplesAndDisagreeingRepetitions) {
  Report report = VirtioWriteBack();
  RunResult r = DeviceRun("direct_dsync", 90, 500);
  RunFigures slow = r.median, fast = r.median;
  slow.ops_per_sec = 500;
  fast.ops_per_sec = 2000;
  r.repetitions = {slow, fast, r.median};
  report.runs = {r};
  CheckDeviceRuns({}, &report);
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_THAT(report.warnings[0], HasSubstr("only 500 ops"));
  EXPECT_THAT(report.warnings[1], HasSubstr("repetitions differ 4.0x"));
}

TEST(HonestyChecksTest, WriteThroughAndUnknownCachesAreNoted) {
  Report through = VirtioWriteBack();
  through.machine.write_cache = "write through";
  CheckMachine(&through);
  ASSERT_EQ(through.warnings.size(), 1u);
  EXPECT_THAT(through.warnings[0], HasSubstr("write-through"));
  Report unknown;
  CheckMachine(&unknown);
  ASSERT_EQ(unknown.warnings.size(), 1u);
  EXPECT_THAT(unknown.warnings[0], HasSubstr("unknown"));
}

TEST(HonestyChecksTest, EngineSyncCommitFasterThanTheDeviceIsFlagged) {
  Report report = VirtioWriteBack();
  report.runs = {EngineRun("fillsync", 30, 10'000)};
  CheckEngineRuns(/*raw_p50_us=*/90, &report);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], HasSubstr("not waiting for stable media"));
  report.warnings.clear();
  report.runs[0].median.p50_us = 95;
  report.runs[0].warnings.clear();
  CheckEngineRuns(90, &report);
  EXPECT_THAT(report.warnings, IsEmpty());
}

TEST(HonestyChecksTest, ARecoveryRunIsOneReopenNotTooFewSamples) {
  Report report = VirtioWriteBack();
  report.runs = {EngineRun("recovery", 300'000, 1)};
  CheckEngineRuns(/*raw_p50_us=*/0, &report);
  EXPECT_THAT(report.warnings, IsEmpty());
  report.runs[0].workload = "readrandom";  // the same count anywhere else is too few
  CheckEngineRuns(0, &report);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], HasSubstr("only 1 ops"));
}

}  // namespace
}  // namespace ringkv::bench
