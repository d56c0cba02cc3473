#include "bench/report/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace ringkv::bench {

Progress::Progress() : terminal_(::isatty(STDERR_FILENO) == 1) {}

void Progress::Rewrite(const std::string& line) {
  std::fprintf(stderr, "\r%-*s", static_cast<int>(std::max(last_width_, line.size())), line.c_str());
  std::fflush(stderr);
  last_width_ = line.size();
}

void Progress::Show(int done, int total, const std::string& what) {
  if (terminal_) Rewrite(absl::StrCat("[", done + 1, "/", total, "] ", what));
}

void Progress::Log(const std::string& line) {
  if (terminal_) {
    Rewrite(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }
}

void Progress::Clear() {
  if (!terminal_ || last_width_ == 0) return;
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(last_width_), "");
  std::fflush(stderr);
  last_width_ = 0;
}

}  // namespace ringkv::bench
