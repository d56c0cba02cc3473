// The crash harness end to end on ringkv: a quick run of each mode finds no violation in the
// real engine, and each deliberately broken engine is caught, with the invariant named, within
// the quick budget. A harness that passes a broken engine would be worthless.
#include "ringkv/crashtest.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace ringkv::crash {
namespace {

using ::testing::HasSubstr;

// Scratch directories and repro files go to the test's own directory: the runs that catch a
// planted bug keep theirs for a look, and removing the TempDir takes them with it.
class HarnessTest : public ::testing::Test {
 protected:
  CrashOptions Quick(uint64_t seed, size_t states, PlantedBug bug = PlantedBug::kNone) const {
    CrashOptions o;
    o.planted_bug = bug;
    o.seed = seed;
    o.states = states;
    o.work_dir = dir_.path();
    o.repro_file = dir_.Join("harness-test.repro");
    return o;
  }
  ::ringkv::testing::TempDir dir_;
};

TEST_F(HarnessTest, SimulatedPowerLossFindsNoViolationInRingkv) {
  for (uint64_t seed : {1, 2}) {
    auto w = MakeDefaultWorkload(seed, 120);
    auto report = RunSimulate(*w, Quick(seed, 250));
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->violations, 0u) << (report->messages.empty() ? "" : report->messages[0]);
    EXPECT_EQ(report->states_checked, 250u);
    EXPECT_GT(report->crash_points, 100u);
  }
}

// Enough kills that some land while the child reports more than a pipe holds (values up to
// 10 KB): a report the kill cut short must not make the run fail, and a child must not sit
// blocked on a full pipe.
TEST_F(HarnessTest, SigkillFindsNoViolation) {
  auto report = RunKill([](uint64_t seed) { return MakeDefaultWorkload(seed, 400); }, Quick(3, 40));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->violations, 0u) << (report->messages.empty() ? "" : report->messages[0]);
  EXPECT_EQ(report->states_checked, 40u);
}

// The kill mode catches an engine that acknowledges sync writes before they reach the log:
// the kills land in the middle of runs, where acknowledged writes are still in memory.
TEST_F(HarnessTest, SigkillCatchesAcknowledgementBeforeTheLogWrite) {
  CrashOptions o = Quick(7, 30, PlantedBug::kAckBeforeWalWrite);
  auto report = RunKill([](uint64_t seed) { return MakeDefaultWorkload(seed, 400); }, o);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_GE(report->violations, 1u);
  // Acknowledged writes lost (1), or, when a checkpoint was published over log the sabotaged
  // engine never wrote, a recovery that refuses the missing segment the checkpoint names (5).
  EXPECT_THAT(report->messages[0],
              ::testing::AnyOf(HasSubstr("invariant 1"),
                               ::testing::AllOf(HasSubstr("invariant 5"),
                                                HasSubstr("where the last checkpoint says"))));
}

TEST_F(HarnessTest, InjectedIoErrorsFindNoViolation) {
  auto report = RunFault([] { return MakeDefaultWorkload(5, 25); }, Quick(5, 100000));
  ASSERT_TRUE(report.ok()) << report.status();
  for (const std::string& m : report->messages) ADD_FAILURE() << m;
  // It went on until the workload finished without reaching the failing op.
  EXPECT_GT(report->states_checked, 20u);
}

struct PlantedBugCase {
  const char* name;
  const char* invariant;  // the invariant the report must name
};

class PlantedBugTest : public HarnessTest, public ::testing::WithParamInterface<PlantedBugCase> {};

TEST_P(PlantedBugTest, BrokenEngineIsCaught) {
  absl::StatusOr<PlantedBug> bug = ParsePlantedBug(GetParam().name);
  ASSERT_TRUE(bug.ok()) << bug.status();
  bool caught = false;
  std::string message;
  for (uint64_t seed = 1; seed <= 4 && !caught; ++seed) {
    auto w = MakeDefaultWorkload(seed, 150);
    auto report = RunSimulate(*w, Quick(seed, 600, *bug));
    ASSERT_TRUE(report.ok()) << report.status();
    if (report->violations > 0) {
      caught = true;
      message = report->messages[0];
      EXPECT_FALSE(report->repro_path.empty());
      // The reproduction file rebuilds the same violation (it names the planted bug).
      auto again = ReplayRepro(report->repro_path, Quick(seed, 1));
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_EQ(again->violations, 1u);
    }
  }
  ASSERT_TRUE(caught) << GetParam().name << " was not caught";
  EXPECT_THAT(message, HasSubstr(std::string("invariant ") + GetParam().invariant));
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, PlantedBugTest,
    ::testing::Values(PlantedBugCase{"ack_before_wal_write", "1"},
                      PlantedBugCase{"skip_segment_dir_fsync", "1"},
                      PlantedBugCase{"skip_manifest_temp_fsync", "5"},
                      PlantedBugCase{"replay_torn_records", ""}),
    [](const ::testing::TestParamInfo<PlantedBugCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ringkv::crash
