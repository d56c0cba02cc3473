// `ringkv crash exec` on a real program no one here wrote: the sqlite3 shell inserting rows, one
// transaction per process, printing each id once its commit returned. The check: every printed
// id is in the table and PRAGMA integrity_check says ok.
// Rollback-journal modes that sync their commit point pass; synchronous=OFF loses committed rows;
// and journal_mode=DELETE with synchronous=FULL loses the last commit when the journal's unlink
// is undone (SQLite syncs the directory after that unlink only with synchronous=EXTRA, which its
// documentation describes as the extra durability for a power loss right after a commit).
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/crash/exec_test_support.h"

namespace ringkv::crash::exec {
namespace {

class SqliteExecTest : public ExecTest {
 protected:
  void SetUp() override {
    ExecTest::SetUp();
    if (IsSkipped()) return;
    if (::access("/usr/bin/sqlite3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/sqlite3 (Debian sqlite3)";
  }

  ExecReport RunSqlite(const std::string& journal, const std::string& sync, int rows, size_t states) {
    const std::string workload = Script("inserts.sh", absl::StrCat(
        "pragmas='PRAGMA journal_mode=", journal, "; PRAGMA synchronous=", sync, ";'\n",
        "sqlite3 db \"$pragmas CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\" >/dev/null || exit 1\n"
        "i=1\n"
        "while [ $i -le ", rows, " ]; do\n"
        "  sqlite3 db \"$pragmas INSERT INTO t VALUES($i, printf('%.700c', 'x'));\" >/dev/null || exit 1\n"
        "  echo $i\n"
        "  i=$((i + 1))\n"
        "done\n"));
    const std::string check = Script("check.sh",
        "cd \"$RINGKV_CRASH_DIR\" || exit 2\n"
        "set -- $(cat \"$RINGKV_CRASH_OUTPUT\")\n"
        "if [ $# -eq 0 ]; then\n"
        "  [ -e db ] || exit 0\n"
        "  out=$(sqlite3 db 'PRAGMA integrity_check;' 2>&1); [ \"$out\" = ok ] && exit 0\n"
        "else\n"
        "  list=$(echo \"$@\" | tr ' ' ',')\n"
        "  out=$(sqlite3 db \"PRAGMA integrity_check; SELECT count(*) FROM t WHERE id IN ($list);\" 2>&1)\n"
        "  [ \"$out\" = \"ok\n$#\" ] && exit 0\n"
        "fi\n"
        "echo \"printed ids: $*; sqlite3 says: $out\"\n"
        "exit 1\n");
    return Run({workload}, check, states);
  }
};

TEST_F(SqliteExecTest, TruncateJournalWithSynchronousFullHasNoViolations) {
  ExecReport r = RunSqlite("TRUNCATE", "FULL", 4, 80);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_EQ(r.violations, 0u) << Explanation(r);
  EXPECT_EQ(r.states_checked, 80u);
}

TEST_F(SqliteExecTest, DeleteJournalWithSynchronousExtraHasNoViolations) {
  ExecReport r = RunSqlite("DELETE", "EXTRA", 4, 80);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_EQ(r.violations, 0u) << Explanation(r);
}

TEST_F(SqliteExecTest, DeleteJournalWithSynchronousFullCanRollBackTheLastCommit) {
  ExecReport r = RunSqlite("DELETE", "FULL", 4, 200);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_GE(r.violations, 1u);
  EXPECT_TRUE(absl::StrContains(Explanation(r), "the unlink of db-journal was undone")) << Explanation(r);
}

TEST_F(SqliteExecTest, SynchronousOffLosesCommittedRows) {
  ExecReport r = RunSqlite("DELETE", "OFF", 4, 200);
  RINGKV_SKIP_IF_NO_FUSE();
  EXPECT_GE(r.violations, 1u);
  ASSERT_FALSE(r.found.empty());
  EXPECT_TRUE(absl::StrContains(r.found[0].check_output, "printed ids")) << r.found[0].check_output;
}

}  // namespace
}  // namespace ringkv::crash::exec
