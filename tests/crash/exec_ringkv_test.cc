// `ringkv crash exec` on ringkv itself, as a user would run it: `ringkv put` in a loop printing
// each key once the put returned, checked with `ringkv scan`. The CLI's puts are sync writes, so
// every printed key must survive every crash state: 0 violations.
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/crash/exec_test_support.h"

namespace ringkv::crash::exec {
namespace {

TEST_F(ExecTest, RingkvPutsPrintedAsAcknowledgedSurviveEveryCrashState) {
  const char* bin = std::getenv("RINGKV_BIN");
  if (bin == nullptr) GTEST_SKIP() << "RINGKV_BIN (the ringkv binary) is not set; meson sets it";
  const std::string ringkv = bin;
  const std::string workload = Script("puts.sh", absl::StrCat(
      "for i in 1 2 3; do\n"
      "  ", ringkv, " put db key$i value-key$i || exit 1\n"
      "  echo key$i\n"
      "done\n"));
  // No key printed yet: a database not created yet is fine; anything else must open.
  const std::string check = Script("check.sh", absl::StrCat(
      "cd \"$RINGKV_CRASH_DIR\" || exit 2\n"
      "if ! out=$(", ringkv, " scan db 2>&1); then\n"
      "  [ ! -s \"$RINGKV_CRASH_OUTPUT\" ] && case \"$out\" in *'no database'*) exit 0;; esac\n"
      "  echo \"scan failed: $out\"; exit 1\n"
      "fi\n"
      "tab=$(printf '\\t')\n"
      "for k in $(cat \"$RINGKV_CRASH_OUTPUT\"); do\n"
      "  echo \"$out\" | grep -qx \"$k${tab}value-$k\" || { echo \"$k missing from: $out\"; exit 1; }\n"
      "done\n"));
  ExecReport r = Run({workload}, check, 12);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_EQ(r.violations, 0u) << Explanation(r) << (r.found.empty() ? "" : r.found[0].check_output);
  EXPECT_EQ(r.states_checked, 12u);
  EXPECT_GT(r.ops_recorded, 0u);
}

}  // namespace
}  // namespace ringkv::crash::exec
