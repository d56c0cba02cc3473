// The figures the scale workload derives rather than measures: exact percentiles of its
// sync-put samples, the medians of --repeat runs, and where both appear in the JSON and table.
#include <string>
#include <vector>

#include "bench/report/report.h"
#include "bench/report/sample_percentiles.h"
#include "bench/report/scale_medians.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringkv::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SamplePercentilesTest, NearestRankIsAMeasuredValue) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  EXPECT_EQ(NearestRankPercentile(v, 50), 50);
  EXPECT_EQ(NearestRankPercentile(v, 99), 99);
  EXPECT_EQ(NearestRankPercentile(v, 100), 100);
  EXPECT_EQ(NearestRankPercentile(v, 0.5), 1);
  // 300 samples, as the stall phase takes: p99 is the 297th smallest.
  std::vector<double> w;
  for (int i = 1; i <= 300; ++i) w.push_back(i * 10);
  EXPECT_EQ(NearestRankPercentile(w, 99), 2970);
  EXPECT_EQ(NearestRankPercentile({7}, 99), 7);
  EXPECT_EQ(NearestRankPercentile({}, 99), 0);
}

TEST(SamplePercentilesTest, RatioOfAFigureNotMeasuredIsZero) {
  EXPECT_DOUBLE_EQ(RatioOrZero(300, 150), 2);
  EXPECT_EQ(RatioOrZero(300, 0), 0);
  EXPECT_EQ(RatioOrZero(0, 150), 0);
}

ScaleResult OneRun(double rate, double wa, double idle_p99, double busy_p99, std::vector<double> chunk_rates) {
  ScaleResult r;
  r.store = "ringkv";
  r.mode = "insert";
  r.keys = 1000;
  r.ops_per_sec = rate;
  r.write_amp = wa;
  r.disk_bytes = static_cast<uint64_t>(rate) * 10;
  r.peak_rss_bytes = static_cast<uint64_t>(wa) << 20;
  r.stall_during = "a checkpoint running";
  r.stall_idle_samples = 300;
  r.stall_busy_samples = 300;
  r.stall_idle_p99_us = idle_p99;
  r.stall_busy_p99_us = busy_p99;
  r.stall_p99_ratio = busy_p99 / idle_p99;
  uint64_t ops = 0;
  for (double c : chunk_rates) {
    ops += 100;
    r.chunks.push_back(ScaleChunk{ops, 100 / c, c, wa});
  }
  return r;
}

TEST(ScaleMediansTest, EachFigureIsItsMedianOverTheRuns) {
  std::vector<ScaleResult> runs = {OneRun(300, 5, 100, 400, {30, 20}), OneRun(100, 9, 200, 300, {10, 40}),
                                   OneRun(200, 7, 50, 500, {20, 30})};
  runs[0].notes = {"cgroup v1"};
  runs[1].notes = {"cgroup v1", "slow"};
  const ScaleResult m = MedianScaleResult(runs);
  EXPECT_EQ(m.store, "ringkv");
  EXPECT_EQ(m.keys, 1000u);
  EXPECT_EQ(m.ops_per_sec, 200);
  EXPECT_EQ(m.write_amp, 7);
  EXPECT_EQ(m.disk_bytes, 2000u);
  EXPECT_EQ(m.peak_rss_bytes, uint64_t{7} << 20);
  EXPECT_EQ(m.stall_idle_p99_us, 100);
  EXPECT_EQ(m.stall_busy_p99_us, 400);
  // The median of each run's own ratio (4, 1.5, 10), not 400 / 100 from the medians.
  EXPECT_EQ(m.stall_p99_ratio, 4);
  EXPECT_EQ(m.stall_during, "a checkpoint running");
  ASSERT_EQ(m.chunks.size(), 2u);
  EXPECT_EQ(m.chunks[0].ops, 100u);
  EXPECT_EQ(m.chunks[0].ops_per_sec, 20);
  EXPECT_EQ(m.chunks[1].ops_per_sec, 30);
  EXPECT_THAT(m.notes, ElementsAre("cgroup v1", "slow"));
  EXPECT_EQ(m.repetitions.size(), 3u);
  EXPECT_TRUE(m.error.empty());
}

TEST(ScaleMediansTest, AFailedRunIsLeftOutUnlessEveryRunFailed) {
  std::vector<ScaleResult> runs = {OneRun(300, 5, 100, 400, {30}), OneRun(0, 0, 0, 0, {}), OneRun(100, 9, 200, 300, {10})};
  runs[1].error = "ringkv put: disk full";
  ScaleResult m = MedianScaleResult(runs);
  EXPECT_EQ(m.ops_per_sec, 100);  // the lower middle of 100 and 300; the failure's 0 left out
  EXPECT_TRUE(m.error.empty());
  EXPECT_EQ(m.repetitions.size(), 3u);

  for (ScaleResult& r : runs) r.error = "ringkv put: disk full";
  m = MedianScaleResult(runs);
  EXPECT_EQ(m.error, "ringkv put: disk full");
}

Report ScaleReport(int repeat) {
  Report report;
  report.mode = "scale";
  report.repeat = repeat;
  std::vector<ScaleResult> runs = {OneRun(300, 5, 100, 400, {30}), OneRun(100, 9, 200, 300, {10}),
                                   OneRun(200, 7, 50, 500, {20})};
  report.scale.push_back(repeat > 1 ? MedianScaleResult(runs) : runs.front());
  return report;
}

TEST(ScaleReportTest, JsonHasTheStallFiguresAndTheRuns) {
  const std::string json = FormatJson(ScaleReport(3));
  EXPECT_THAT(json, HasSubstr("\"repeat\":3"));
  EXPECT_THAT(json, HasSubstr("\"stall\":{\"during\":\"a checkpoint running\",\"idle_samples\":300,"));
  EXPECT_THAT(json, HasSubstr("\"idle_p99_us\":100,"));
  EXPECT_THAT(json, HasSubstr("\"busy_p99_us\":400,"));
  EXPECT_THAT(json, HasSubstr("\"p99_ratio\":4,"));
  EXPECT_THAT(json, HasSubstr("\"median_of\":3,\"repetitions\":[{\"store\":\"ringkv\""));
  EXPECT_THAT(json, HasSubstr("\"p99_ratio\":1.5,"));  // the second run's own

  const std::string single = FormatJson(ScaleReport(1));
  EXPECT_THAT(single, HasSubstr("\"stall\":{"));
  EXPECT_THAT(single, Not(HasSubstr("repetitions\":[{")));
}

TEST(ScaleReportTest, TableShowsBothP99sAndTheirRatio) {
  const std::string table = FormatScaleTable(ScaleReport(3));
  EXPECT_THAT(table, HasSubstr("the median of 3 runs"));
  EXPECT_THAT(table, HasSubstr("idle p99 us"));
  EXPECT_THAT(table, HasSubstr("4.00x"));
  EXPECT_THAT(table, HasSubstr("a checkpoint running"));

  Report no_stall = ScaleReport(1);
  no_stall.scale[0].stall_during.clear();
  EXPECT_THAT(FormatScaleTable(no_stall), Not(HasSubstr("idle p99 us")));
}

}  // namespace
}  // namespace ringkv::bench
