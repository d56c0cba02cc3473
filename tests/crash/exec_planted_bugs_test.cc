// `ringkv crash exec` catches the classic file-durability mistakes of small planted programs
// (shell scripts using coreutils' sync FILE for fsync, sync -d for fdatasync), explains them, and
// passes the correct pattern; its reproduction file rebuilds the failing state.
#include <string>

#include "absl/strings/match.h"
#include "crash/exec/exec_explorer.h"
#include "gtest/gtest.h"
#include "tests/crash/exec_test_support.h"

namespace ringkv::crash::exec {
namespace {

// The check for the save-a-file programs: once "saved" was printed, data holds the new text.
constexpr char kSavedCheck[] =
    "grep -qx saved \"$RINGKV_CRASH_OUTPUT\" || exit 0; "
    "test \"$(cat \"$RINGKV_CRASH_DIR/data\" 2>/dev/null)\" = new-contents";

// Runs a save-a-file program under kSavedCheck, expecting a violation after "saved" was
// printed; returns what the explanation says.
class SaveTest : public ExecTest {
 protected:
  std::string Caught(const std::string& program) {
    ExecReport r = Run({Script("save.sh", program)}, kSavedCheck, 60);
    if (skipped_) return "";
    EXPECT_GE(r.violations, 1u);
    if (r.found.empty()) return "";
    EXPECT_EQ(r.found[0].last_output_line, "saved");
    return Explanation(r);
  }
};

TEST_F(SaveTest, WriteTempAndRenameWithoutFsyncIsCaught) {
  const std::string why = Caught("echo new-contents > data.tmp\nmv data.tmp data\necho saved\n");
  RINGKV_SKIP_IF_NO_FUSE();
  // The minimal story: the data never reached the disk, or the rename did not.
  EXPECT_TRUE(absl::StrContains(why, "to data.tmp was lost") ||
              absl::StrContains(why, "rename data.tmp -> data was undone"))
      << why;
  EXPECT_TRUE(absl::StrContains(why, "the directory . was never fsynced")) << why;
}

TEST_F(SaveTest, FsyncOfTheFileButNotTheDirectoryAfterARenameIsCaught) {
  const std::string why =
      Caught("echo new-contents > data.tmp\nsync data.tmp\nmv data.tmp data\necho saved\n");
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_TRUE(absl::StrContains(why, "was undone")) << why;
}

TEST_F(SaveTest, FsyncOfTheFileButNotTheDirectoryAfterACreateIsCaught) {
  const std::string why = Caught("echo new-contents > data\nsync data\necho saved\n");
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_TRUE(absl::StrContains(why, "the create of data was undone")) << why;
}

TEST_F(ExecTest, TheCorrectPatternHasNoViolations) {
  const std::string w = Script("save.sh",
                               "echo old-contents > data\n"
                               "sync data .\n"
                               "echo old-saved\n"
                               "echo new-contents > data.tmp\n"
                               "sync data.tmp\n"
                               "mv data.tmp data\n"
                               "sync .\n"
                               "echo saved\n");
  // Once the old text was saved, data holds the old or the new text, whole; once the new one
  // was, the new.
  const std::string check = Script("check.sh",
      "d=$(cat \"$RINGKV_CRASH_DIR/data\" 2>/dev/null)\n"
      "if grep -qx saved \"$RINGKV_CRASH_OUTPUT\"; then test \"$d\" = new-contents; exit; fi\n"
      "grep -qx old-saved \"$RINGKV_CRASH_OUTPUT\" || exit 0\n"
      "test \"$d\" = old-contents -o \"$d\" = new-contents\n");
  ExecReport r = Run({w}, check, 120);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_EQ(r.violations, 0u) << Explanation(r);
  EXPECT_EQ(r.states_checked, 120u);
  EXPECT_GT(r.exhaustive_points, 0u);
}

// Appends records to a log and prints each number as acknowledged, before (planted bug) or after
// its fdatasync; the check wants every acknowledged record in the log.
std::string AppendLog(bool ack_first) {
  return std::string("touch log\nsync log .\ni=1\nwhile [ $i -le 6 ]; do\n"
                     "  echo record-$i >> log\n") +
         (ack_first ? "  echo $i\n  sync -d log\n" : "  sync -d log\n  echo $i\n") +
         "  i=$((i + 1))\ndone\n";
}
constexpr char kLogCheck[] =
    "for i in $(cat \"$RINGKV_CRASH_OUTPUT\"); do "
    "grep -qx record-$i \"$RINGKV_CRASH_DIR/log\" || { echo record $i lost; exit 1; }; done";

TEST_F(ExecTest, AnAppendLogAcknowledgedBeforeItsFdatasyncIsCaught) {
  ExecReport r = Run({Script("log.sh", AppendLog(true))}, kLogCheck, 100);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_GE(r.violations, 1u);
  EXPECT_TRUE(absl::StrContains(Explanation(r), "to log was lost")) << Explanation(r);
  ASSERT_FALSE(r.found.empty());
  EXPECT_TRUE(absl::StrContains(r.found[0].check_output, "lost")) << r.found[0].check_output;
}

TEST_F(ExecTest, AnAppendLogAcknowledgedAfterItsFdatasyncHasNoViolations) {
  ExecReport r = Run({Script("log.sh", AppendLog(false))}, kLogCheck, 100);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_EQ(r.violations, 0u) << Explanation(r);
  EXPECT_EQ(r.output_bytes, 12u);  // "1\n" .. "6\n": the output was recorded
}

// dd's oflag=dsync opens with O_DSYNC: each write is durable when it returns, with no fsync, so
// the recorder must mark it so (else the write would be lost in some states and this would fail).
TEST_F(ExecTest, AnODsyncWriteIsDurableWhenItReturns) {
  const std::string w = Script("dsync.sh",
                               "touch f\nsync f .\n"
                               "printf 'a%.0s' $(seq 4096) | dd of=f bs=4k count=1 oflag=dsync conv=notrunc 2>/dev/null\n"
                               "echo done\n");
  const std::string check =
      "grep -q done \"$RINGKV_CRASH_OUTPUT\" || exit 0; "
      "test \"$(stat -c %s \"$RINGKV_CRASH_DIR/f\")\" = 4096 && test \"$(head -c 1 \"$RINGKV_CRASH_DIR/f\")\" = a";
  ExecReport r = Run({w}, check, 40);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_EQ(r.violations, 0u) << Explanation(r);
  EXPECT_EQ(r.ops_recorded, 4u);  // create, fsync f, fsync ., the O_DSYNC write
}

TEST_F(ExecTest, TheReproductionFileRebuildsTheFailingState) {
  ExecReport r = Run({Script("save.sh", "echo new-contents > data.tmp\nmv data.tmp data\necho saved\n")},
                     kSavedCheck, 60);
  RINGKV_SKIP_IF_NO_FUSE();
  ASSERT_GE(r.violations, 1u);
  ASSERT_FALSE(r.repro_path.empty());
  absl::StatusOr<ExecReport> replay = ReplayExecRepro(r.repro_path, dir_.path(), false);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->violations, 1u);
  ASSERT_EQ(replay->found.size(), 1u);
  EXPECT_EQ(replay->found[0].explanation, r.found[0].explanation);
  EXPECT_TRUE(IsExecRepro(r.repro_path));
}

TEST_F(ExecTest, AFailingWorkloadIsReportedNotExplored) {
  ExecOptions o;
  o.workload = {Script("fail.sh", "echo partial > data\nexit 3\n")};
  o.check = "true";
  o.work_dir = dir_.path();
  absl::StatusOr<ExecReport> r = RunExec(o);
  if (!r.ok() && absl::StrContains(r.status().message(), "FUSE")) GTEST_SKIP() << r.status();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.status().message(), "exited with status 3")) << r.status();
}

}  // namespace
}  // namespace ringkv::crash::exec
