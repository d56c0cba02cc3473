// The installed library as an application sees it: `meson install` into a scratch destdir puts
// the public headers (include/ringkv/*.h, nothing internal) there, and a program outside the
// tree (installed_library_program.cc) builds with `pkg-config --cflags --libs ringkv` alone,
// then writes and reads a key. Skips when meson, pkg-config or the compiler is missing.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"

namespace ringkv {
namespace {

namespace fs = std::filesystem;
using ::ringkv::testing::RunShell;
using ::ringkv::testing::ShellResult;
using ::ringkv::testing::TempDir;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// Installs once for the suite; each test then looks at the result.
class InstalledLibraryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dest_ = new TempDir();
    skip_ = MissingTool();
    if (!skip_.empty()) return;
    install_ = RunShell(absl::StrCat(Env("RINGKV_MESON"), " install -C '", Env("RINGKV_BUILD_DIR"),
                                     "' --destdir '", dest_->Join("root"), "' --no-rebuild --quiet"),
                        dest_->path());
  }
  static void TearDownTestSuite() {
    delete dest_;
    dest_ = nullptr;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_EQ(install_.status, 0) << install_.out << install_.err;
  }

  // The directory holding the installed ringkv.pc, or "" if there is none.
  static std::string PkgConfigDir() {
    for (const auto& e : fs::recursive_directory_iterator(dest_->Join("root"))) {
      if (e.path().filename() == "ringkv.pc") return e.path().parent_path().string();
    }
    return "";
  }

  static std::string MissingTool() {
    if (Env("RINGKV_MESON").empty()) return "meson was not found when the build was configured";
    const std::string scratch = dest_->path();
    if (RunShell("pkg-config --version", scratch).status != 0) return "no pkg-config";
    if (RunShell(absl::StrCat(Env("RINGKV_CXX"), " --version"), scratch).status != 0) {
      return absl::StrCat("no C++ compiler ('", Env("RINGKV_CXX"), "')");
    }
    return "";
  }

  static TempDir* dest_;
  static std::string skip_;
  static ShellResult install_;
};

TempDir* InstalledLibraryTest::dest_ = nullptr;
std::string InstalledLibraryTest::skip_;
ShellResult InstalledLibraryTest::install_;

TEST_F(InstalledLibraryTest, InstallsThePublicHeadersAndNothingInternal) {
  std::set<std::string> public_headers;
  for (const auto& e : fs::directory_iterator(fs::path(Env("RINGKV_SOURCE_DIR")) / "include" / "ringkv")) {
    public_headers.insert(e.path().filename().string());
  }
  ASSERT_FALSE(public_headers.empty()) << "RINGKV_SOURCE_DIR must name the source tree";
  std::set<std::string> installed;
  for (const auto& e : fs::recursive_directory_iterator(dest_->Join("root"))) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".h" && ext != ".hpp" && ext != ".inc")) continue;
    // <prefix>/include/ringkv/<name>: a uring/, base/ or engine/ header would sit elsewhere.
    EXPECT_EQ(e.path().parent_path().filename(), "ringkv") << e.path() << " is not public";
    EXPECT_EQ(e.path().parent_path().parent_path().filename(), "include") << e.path();
    installed.insert(e.path().filename().string());
  }
  EXPECT_EQ(installed, public_headers);
}

TEST_F(InstalledLibraryTest, AnOutsideProgramBuildsWithPkgConfigAndStoresAKey) {
  const std::string pc_dir = PkgConfigDir();
  ASSERT_FALSE(pc_dir.empty()) << "no ringkv.pc installed";
  // The sysroot maps the .pc file's /usr/local/... onto the destdir.
  const std::string pkg_config =
      absl::StrCat("PKG_CONFIG_PATH='", pc_dir, "' PKG_CONFIG_SYSROOT_DIR='", dest_->Join("root"),
                   "' pkg-config --cflags --libs ringkv");
  const std::string sanitize = Env("RINGKV_SANITIZE");
  const std::string program = dest_->Join("program");
  // Built from a directory outside the tree, with no include path but pkg-config's.
  ShellResult build = RunShell(
      absl::StrCat("cd '", dest_->path(), "' && ", Env("RINGKV_CXX"), " -std=c++20 ",
                   sanitize.empty() || sanitize == "none" ? "" : absl::StrCat("-fsanitize=", sanitize),
                   " '", Env("RINGKV_INSTALLED_PROGRAM"), "' -o '", program, "' $(", pkg_config, ")"),
      dest_->path());
  ASSERT_EQ(build.status, 0) << build.out << build.err;
  ShellResult run = RunShell(absl::StrCat("'", program, "' '", dest_->Join("db"), "'"), dest_->path());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "ok\n");
}

}  // namespace
}  // namespace ringkv
