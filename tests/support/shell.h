// Runs a shell command for a test and captures what it printed and how it exited (the CLI
// tests drive the `ringkv` binary this way). Standard error goes through a file in `scratch`.
#ifndef RINGKV_TESTS_SUPPORT_SHELL_H_
#define RINGKV_TESTS_SUPPORT_SHELL_H_

#include <string>

namespace ringkv::testing {

struct ShellResult {
  int status = -1;  // the exit status, -1 if it did not exit normally
  std::string out;
  std::string err;
};

ShellResult RunShell(const std::string& command, const std::string& scratch_dir);

}  // namespace ringkv::testing

#endif  // RINGKV_TESTS_SUPPORT_SHELL_H_
