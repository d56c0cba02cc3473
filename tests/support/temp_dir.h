// A directory for one test, removed with everything in it when the test ends. Created under
// $RINGKV_TEST_TMPDIR, else $TEST_TMPDIR, else /var/tmp (not /tmp: it may be tmpfs, which
// refuses O_DIRECT, and the tests want the real filesystem path).
#ifndef RINGKV_TESTS_SUPPORT_TEMP_DIR_H_
#define RINGKV_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace ringkv::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Test-side file helpers (plain syscalls: tests may look at the disk directly).
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& contents);
bool FileExists(const std::string& path);
long FileSize(const std::string& path);

}  // namespace ringkv::testing

#endif  // RINGKV_TESTS_SUPPORT_TEMP_DIR_H_
