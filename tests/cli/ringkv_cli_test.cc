// The `ringkv` binary end to end: put/get/scan/dump/load round-trips (binary keys included),
// check on a good and a damaged database (every damaged page listed), salvage, bad arguments
// and bad input (malformed load lines, limits, paths that are no database, newer formats), a
// locked and a missing database.

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
  // Loads keys key<first>..key<first + n - 1> (values value0..) with `ringkv load` and
  // checkpoints them into the page file.
  void LoadAndCheckpoint(int n, int first = 0) {
    std::string tsv;
    for (int i = 0; i < n; ++i) absl::StrAppend(&tsv, "key", first + i, "\tvalue", i, "\n");
    WriteFileOrDie(dir_.Join("in.tsv"), tsv);
    ASSERT_EQ(Run(absl::StrCat("load ", db(), " ", dir_.Join("in.tsv"))).status, 0);
    ASSERT_EQ(Run(absl::StrCat("checkpoint ", db())).status, 0);
  }
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
  LoadAndCheckpoint(2000);
  Result ok = Run(absl::StrCat("check ", db()));
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("2000 keys"));
  std::string pages = ReadFileOrDie(db() + "/pages.db");
  pages[4096 + 200] ^= 0x40;
  WriteFileOrDie(db() + "/pages.db", pages);
  Result bad = Run(absl::StrCat("check ", db()));
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.out, HasSubstr("pages.db offset 4096"));
  EXPECT_THAT(bad.out, HasSubstr("1 problem found"));
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

TEST_F(CliTest, CheckListsEveryDamagedPageNotOnlyTheFirst) {
  LoadAndCheckpoint(2000);
  std::string pages = ReadFileOrDie(db() + "/pages.db");
  pages[4096 + 100] ^= 0x01;
  pages[3 * 4096 + 100] ^= 0x01;
  WriteFileOrDie(db() + "/pages.db", pages);
  Result bad = Run(absl::StrCat("check ", db()));
  EXPECT_EQ(bad.status, 1) << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("pages.db offset 4096: page 1"));
  EXPECT_THAT(bad.out, HasSubstr("pages.db offset 12288: page 3"));
  EXPECT_THAT(bad.out, HasSubstr("2 bad pages"));
  EXPECT_THAT(bad.out, HasSubstr("problems found"));
}

TEST_F(CliTest, CheckNamesAStrayFileAndAMissingPageFile) {
  ASSERT_EQ(Run(absl::StrCat("put ", db(), " k v")).status, 0);
  ASSERT_EQ(Run(absl::StrCat("checkpoint ", db())).status, 0);
  WriteFileOrDie(db() + "/junk", "garbage");
  Result stray = Run(absl::StrCat("check ", db()));
  EXPECT_EQ(stray.status, 1);
  EXPECT_THAT(stray.out, HasSubstr(db() + "/junk offset 0: unknown file"));
  ASSERT_TRUE(std::filesystem::remove(db() + "/pages.db"));
  Result missing = Run(absl::StrCat("check ", db()));
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.out, HasSubstr("pages.db is missing"));
  // The bug the damage test found first: a read of a database without its page file was a
  // SIGBUS (exit 135) from the mapping; now it is an error naming the file.
  Result get = Run(absl::StrCat("get ", db(), " k"));
  EXPECT_EQ(get.status, 1) << get.err;
  EXPECT_THAT(get.err, HasSubstr("pages.db"));
}

// Regression: `ringkv scan` of a database with a damaged page printed the error, then died
// of a double free (exit 134): it closed the database while its iterator still pinned a version.
TEST_F(CliTest, ScanFailingOnADamagedPageExitsOneWithoutADoubleFree) {
  LoadAndCheckpoint(2000);
  std::string pages = ReadFileOrDie(db() + "/pages.db");
  pages[4 * 4096 + 8] ^= 0x01;  // page 4 now says it is another page
  WriteFileOrDie(db() + "/pages.db", pages);
  for (const char* cmd : {"scan ", "dump "}) {
    Result r = Run(absl::StrCat(cmd, db()));
    EXPECT_EQ(r.status, 1) << cmd << r.err;
    EXPECT_THAT(r.err, HasSubstr("pages.db at offset 16384"));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("free")));
  }
}

TEST_F(CliTest, SalvageCopiesEverythingOfAnUndamagedDatabase) {
  LoadAndCheckpoint(500);
  ASSERT_EQ(Run(absl::StrCat("put ", db(), " after checkpoint")).status, 0);  // in the log only
  const std::string out = dir_.Join("out");
  Result s = Run(absl::StrCat("salvage ", db(), " ", out));
  EXPECT_EQ(s.status, 0) << s.out << s.err;
  EXPECT_THAT(s.out, HasSubstr("501 keys written"));
  EXPECT_EQ(Run(absl::StrCat("dump ", out)).out, Run(absl::StrCat("dump ", db())).out);
  EXPECT_EQ(Run(absl::StrCat("salvage ", db(), " ", out)).status, 1) << "OUT must not exist";
}

TEST_F(CliTest, SalvageLeavesOutADamagedPageAndNamesItsKeys) {
  LoadAndCheckpoint(2000, 10000);
  const std::string before = Run(absl::StrCat("scan ", db())).out;
  std::string pages = ReadFileOrDie(db() + "/pages.db");
  pages[2 * 4096 + 300] ^= 0x10;
  WriteFileOrDie(db() + "/pages.db", pages);
  const std::string out = dir_.Join("out");
  Result s = Run(absl::StrCat("salvage ", db(), " ", out));
  EXPECT_EQ(s.status, 1) << s.err;
  EXPECT_THAT(s.out, HasSubstr("not recovered: " + db() + "/pages.db offset 8192: keys ["));
  const std::string after = Run(absl::StrCat("scan ", out)).out;
  // Fewer keys, and every line salvaged is a line of the undamaged database.
  EXPECT_LT(after.size(), before.size());
  EXPECT_GT(after.size(), before.size() / 2);
  for (absl::string_view line : absl::StrSplit(after, '\n', absl::SkipEmpty())) {
    EXPECT_THAT(before, HasSubstr(absl::StrCat(line, "\n")));
  }
  EXPECT_EQ(Run(absl::StrCat("check ", out)).status, 0);
}

TEST_F(CliTest, LoadStopsAtAMalformedLineAndKeepsTheLinesBeforeIt) {
  WriteFileOrDie(dir_.Join("bad.tsv"), "a\t1\nb\t2\nno tab here\nd\t4\n");
  Result r = Run(absl::StrCat("load ", db(), " ", dir_.Join("bad.tsv")));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.tsv line 3: expected KEY<TAB>VALUE"));
  EXPECT_THAT(r.err, HasSubstr("the 2 lines before it are loaded"));
  EXPECT_EQ(Run(absl::StrCat("scan ", db())).out, "a\t1\nb\t2\n");

  WriteFileOrDie(dir_.Join("bad.jsonl"), "{\"key\":\"j1\",\"value\":\"x\"}\n{\"key\":\"j2\",\"value\":\n");
  r = Run(absl::StrCat("load ", db(), " ", dir_.Join("bad.jsonl")));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.jsonl line 2: "));
  EXPECT_EQ(Run(absl::StrCat("get ", db(), " j1")).out, "x\n");

  WriteFileOrDie(dir_.Join("escape.tsv"), "e1\tok\ne2\tbad\\q\n");
  r = Run(absl::StrCat("load ", db(), " ", dir_.Join("escape.tsv")));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("escape.tsv line 2: "));
  EXPECT_EQ(Run(absl::StrCat("get ", db(), " e2")).status, 1);

  WriteFileOrDie(dir_.Join("long.tsv"), absl::StrCat("ok\tv\n", std::string(16385, 'k'), "\tv\n"));
  r = Run(absl::StrCat("load ", db(), " ", dir_.Join("long.tsv")));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("long.tsv line 2: key of 16385 bytes is over the limit"));
  EXPECT_EQ(Run(absl::StrCat("get ", db(), " ok")).out, "v\n");
}

TEST_F(CliTest, APathThatIsAFileOrNotADatabaseIsRefused) {
  WriteFileOrDie(dir_.Join("plain"), "not a database");
  Result file = Run(absl::StrCat("get ", dir_.Join("plain"), " k"));
  EXPECT_EQ(file.status, 1);
  EXPECT_THAT(file.err, HasSubstr("is not a directory"));
  Result put_file = Run(absl::StrCat("put ", dir_.Join("plain"), " k v"));
  EXPECT_EQ(put_file.status, 1);
  EXPECT_EQ(ReadFileOrDie(dir_.Join("plain")), "not a database");
  // A directory of someone else's files is not made into a database.
  const std::string other = dir_.Join("other");
  std::filesystem::create_directory(other);
  WriteFileOrDie(other + "/notes.txt", "mine");
  Result put_other = Run(absl::StrCat("put ", other, " k v"));
  EXPECT_EQ(put_other.status, 1);
  EXPECT_THAT(put_other.err, HasSubstr("is not a ringkv database"));
  EXPECT_FALSE(std::filesystem::exists(other + "/MANIFEST"));
  Result check_other = Run(absl::StrCat("check ", other));
  EXPECT_EQ(check_other.status, 1);
  EXPECT_THAT(check_other.err, HasSubstr("no database"));
}

TEST_F(CliTest, ADatabaseOfANewerFormatVersionIsRefusedByName) {
  ASSERT_EQ(Run(absl::StrCat("put ", db(), " k v")).status, 0);
  std::string m = ReadFileOrDie(db() + "/MANIFEST");
  m[8] = 9;  // format version 9
  WriteFileOrDie(db() + "/MANIFEST", m);
  Result r = Run(absl::StrCat("get ", db(), " k"));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("version 9"));
}

}  // namespace
}  // namespace ringkv
