// Helpers for the `ringkv crash exec` tests: run a workload and a check (shell scripts written
// into a temporary directory) through RunExec, skipping the test with a message where FUSE (or a
// program the test needs) is missing.
#ifndef RINGKV_TESTS_CRASH_EXEC_TEST_SUPPORT_H_
#define RINGKV_TESTS_CRASH_EXEC_TEST_SUPPORT_H_

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "crash/exec/exec_explorer.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace ringkv::crash::exec {

class ExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/fuse", F_OK) != 0) {
      GTEST_SKIP() << "no /dev/fuse here: crash exec needs FUSE (in a container: --device "
                      "/dev/fuse --cap-add SYS_ADMIN)";
    }
  }

  // Writes an executable /bin/sh script named `name` and returns its path.
  std::string Script(const std::string& name, const std::string& body) {
    const std::string path = dir_.Join(name);
    ::ringkv::testing::WriteFileOrDie(path, "#!/bin/sh\n" + body);
    ::chmod(path.c_str(), 0755);
    return path;
  }

  // Runs `workload` under crash exec with `check`; skips if FUSE cannot be mounted here.
  ExecReport Run(const std::vector<std::string>& workload, const std::string& check,
                 size_t states, bool keep_going = false) {
    ExecOptions o;
    o.workload = workload;
    o.check = check;
    o.states = states;
    o.seed = 7;
    o.work_dir = dir_.path();
    o.stop_at_first_violation = !keep_going;
    o.repro_file = dir_.Join("found.repro");
    absl::StatusOr<ExecReport> r = RunExec(o);
    if (!r.ok() && r.status().code() == absl::StatusCode::kFailedPrecondition &&
        absl::StrContains(r.status().message(), "FUSE")) {
      skipped_ = true;
      return {};
    }
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ExecReport{};
  }

  static std::string Explanation(const ExecReport& r) {
    return r.found.empty() ? "" : absl::StrJoin(r.found[0].explanation, "; ");
  }

  ::ringkv::testing::TempDir dir_;
  bool skipped_ = false;  // FUSE could not be mounted: the caller GTEST_SKIPs
};

#define RINGKV_SKIP_IF_NO_FUSE() \
  if (skipped_) GTEST_SKIP() << "FUSE cannot be mounted here"

}  // namespace ringkv::crash::exec

#endif  // RINGKV_TESTS_CRASH_EXEC_TEST_SUPPORT_H_
