// The `ringkv` binary end to end: put/get/scan/dump/load round-trips (binary keys included),
// check on a good and a damaged database, bad arguments, a locked and a missing database.

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "ringkv/db.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"

namespace ringkv {
namespace {

using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;
using ::testing::HasSubstr;

using Result = ::ringkv::testing::ShellResult;

class CliTest : public ::testing::Test {
 protected:
  Result Run(const std::string& args) {
    const char* bin = std::getenv("RINGKV_BIN");
    EXPECT_NE(bin, nullptr) << "meson sets RINGKV_BIN";
    return ::ringkv::testing::RunShell(absl::StrCat(bin, " ", args), dir_.path());
  }
  std::string db() const { return dir_.Join("db"); }
  TempDir dir_;
};

TEST_F(CliTest, PutGetScanDumpLoadRoundTrip) {
  ASSERT_EQ(Run(absl::StrCat("put ", db(), " apple red")).status, 0);
  ASSERT_EQ(Run(absl::StrCat("put ", db(), " 'bin\\x00\\xff' 'tab\\there'")).status, 0);
  ASSERT_EQ(Run(absl::StrCat("put --hex ", db(), " 7a7a 00ff")).status, 0);
  Result g = Run(absl::StrCat("get ", db(), " apple"));
  EXPECT_EQ(g.status, 0);
  EXPECT_EQ(g.out, "red\n");
  EXPECT_EQ(Run(absl::StrCat("get ", db(), " 'bin\\x00\\xff'")).out, "tab\\there\n");
  EXPECT_EQ(Run(absl::StrCat("get --hex ", db(), " 7a7a")).out, "00ff\n");
  Result s = Run(absl::StrCat("scan ", db()));
  EXPECT_EQ(s.out, "apple\tred\nbin\\x00\\xff\ttab\\there\nzz\t\\x00\\xff\n");
  EXPECT_EQ(Run(absl::StrCat("scan --from=b --limit=1 ", db())).out, "bin\\x00\\xff\ttab\\there\n");
  ASSERT_EQ(Run(absl::StrCat("checkpoint ", db())).status, 0);
  ASSERT_EQ(Run(absl::StrCat("delete ", db(), " apple")).status, 0);
  Result d = Run(absl::StrCat("dump ", db()));
  ASSERT_EQ(d.status, 0);
  EXPECT_THAT(d.out, HasSubstr("{\"key\":\"bin\\u0000\\u00ff\",\"value\":\"tab\\there\"}"));
  WriteFileOrDie(dir_.Join("dump.jsonl"), d.out);
  const std::string copy = dir_.Join("copy");
  Result l = Run(absl::StrCat("load ", copy, " ", dir_.Join("dump.jsonl")));
  ASSERT_EQ(l.status, 0) << l.err;
  EXPECT_EQ(Run(absl::StrCat("dump ", copy)).out, d.out) << "dump | load | dump is the identity";
  Result st = Run(absl::StrCat("stats --json ", db()));
  EXPECT_EQ(st.status, 0);
  EXPECT_THAT(st.out, HasSubstr("\"ringkv.checkpoints\":"));
}

TEST_F(CliTest, CheckPassesAGoodDatabaseAndNamesTheDamageInABadOne) {
  std::string tsv;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&tsv, "key", i, "\tvalue", i, "\n");
  WriteFileOrDie(dir_.Join("in.tsv"), tsv);
  ASSERT_EQ(Run(absl::StrCat("load ", db(), " ", dir_.Join("in.tsv"))).status, 0);
  ASSERT_EQ(Run(absl::StrCat("checkpoint ", db())).status, 0);
  Result ok = Run(absl::StrCat("check ", db()));
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("2000 keys"));
  std::string pages = ReadFileOrDie(db() + "/pages.db");
  pages[4096 + 200] ^= 0x40;
  WriteFileOrDie(db() + "/pages.db", pages);
  Result bad = Run(absl::StrCat("check ", db()));
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.err, HasSubstr("pages.db"));
  EXPECT_THAT(bad.err, HasSubstr("offset 4096"));
}

TEST_F(CliTest, BadArgumentsMissingAndLockedDatabases) {
  Result r = Run("get");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("usage"));
  EXPECT_EQ(Run("frobnicate").status, 2);
  EXPECT_EQ(Run(absl::StrCat("put ", db(), " 'bad\\q' v")).status, 1);
  EXPECT_EQ(Run(absl::StrCat("get --hex ", db(), " zz")).status, 1);
  Result missing = Run(absl::StrCat("get ", dir_.Join("nothing"), " k"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr("no database"));
  ASSERT_EQ(Run(absl::StrCat("put ", db(), " k v")).status, 0);
  Result notfound = Run(absl::StrCat("get ", db(), " absent"));
  EXPECT_EQ(notfound.status, 1);
  EXPECT_THAT(notfound.err, HasSubstr("key not found: absent"));
  auto held = DB::Open(Options(), db());
  ASSERT_TRUE(held.ok()) << held.status();
  Result locked = Run(absl::StrCat("get ", db(), " k"));
  EXPECT_EQ(locked.status, 1);
  EXPECT_THAT(locked.err, HasSubstr("LOCK"));
}

}  // namespace
}  // namespace ringkv
