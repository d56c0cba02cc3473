#include "tests/support/shell.h"

#include <sys/wait.h>

#include <cstdio>

#include "tests/support/temp_dir.h"

namespace ringkv::testing {

ShellResult RunShell(const std::string& command, const std::string& scratch_dir) {
  const std::string err_file = scratch_dir + "/stderr";
  ShellResult r;
  FILE* p = ::popen((command + " 2>" + err_file).c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) r.out.append(buf, n);
  const int raw = ::pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.err = ReadFileOrDie(err_file);
  return r;
}

}  // namespace ringkv::testing
