#include "bench/scale/scale_report_lines.h"

#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace ringkv::bench {
namespace {

// The figures a child reports by name; a parent and child built together agree on them.
struct FigureField {
  const char* name;
  double ScaleResult::*real;
  uint64_t ScaleResult::*count;
};

const std::vector<FigureField>& Fields() {
  static const std::vector<FigureField> fields = {
      {"user_bytes", nullptr, &ScaleResult::user_bytes},
      {"load_seconds", &ScaleResult::load_seconds, nullptr},
      {"seconds", &ScaleResult::seconds, nullptr},
      {"write_amp", &ScaleResult::write_amp, nullptr},
      {"disk_bytes", nullptr, &ScaleResult::disk_bytes},
      {"reopen_seconds", &ScaleResult::reopen_seconds, nullptr},
      {"warm_gets", nullptr, &ScaleResult::warm_gets},
      {"warm_gets_per_sec", &ScaleResult::warm_gets_per_sec, nullptr},
      {"warm_hit_rate", &ScaleResult::warm_hit_rate, nullptr},
      {"memory_limit_bytes", nullptr, &ScaleResult::memory_limit_bytes},
      {"cold_gets", nullptr, &ScaleResult::cold_gets},
      {"cold_gets_per_sec", &ScaleResult::cold_gets_per_sec, nullptr},
      {"cold_hit_rate", &ScaleResult::cold_hit_rate, nullptr},
      {"peak_rss_bytes", nullptr, &ScaleResult::peak_rss_bytes},
      {"peak_anon_rss_bytes", nullptr, &ScaleResult::peak_anon_rss_bytes},
      {"cold_peak_rss_bytes", nullptr, &ScaleResult::cold_peak_rss_bytes},
      {"stall_idle_samples", nullptr, &ScaleResult::stall_idle_samples},
      {"stall_idle_p50_us", &ScaleResult::stall_idle_p50_us, nullptr},
      {"stall_idle_p99_us", &ScaleResult::stall_idle_p99_us, nullptr},
      {"stall_busy_samples", nullptr, &ScaleResult::stall_busy_samples},
      {"stall_busy_p50_us", &ScaleResult::stall_busy_p50_us, nullptr},
      {"stall_busy_p99_us", &ScaleResult::stall_busy_p99_us, nullptr},
      {"stall_background_puts", nullptr, &ScaleResult::stall_background_puts},
      {"stall_background_runs", nullptr, &ScaleResult::stall_background_runs},
      {"stall_seconds", &ScaleResult::stall_seconds, nullptr},
  };
  return fields;
}

}  // namespace

void ScaleLineWriter::Line(const std::string& line) {
  const std::string text = line + "\n";
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nobody is left to tell
    done += static_cast<size_t>(n);
  }
}

void ScaleLineWriter::Chunk(uint64_t ops, double seconds, uint64_t write_bytes, uint64_t user_bytes) {
  Line(absl::StrFormat("chunk %d %.9g %d %d", ops, seconds, write_bytes, user_bytes));
}

void ScaleLineWriter::Figure(absl::string_view name, double value) {
  Line(absl::StrFormat("%s %.17g", name, value));
}

void ScaleLineWriter::Text(absl::string_view name, absl::string_view text) {
  Line(absl::StrCat(name, " ", text));
}

void ScaleLineWriter::Note(absl::string_view text) { Line(absl::StrCat("note ", text)); }

void ScaleLineWriter::Error(absl::string_view text) { Line(absl::StrCat("error ", text)); }

bool ApplyScaleLine(absl::string_view line, ScaleResult* result) {
  std::pair<absl::string_view, absl::string_view> word = absl::StrSplit(line, absl::MaxSplits(' ', 1));
  if (word.first == "note") {
    result->notes.emplace_back(word.second);
    return false;
  }
  if (word.first == "error") {
    result->error = std::string(word.second);
    return false;
  }
  if (word.first == "stall_during") {
    result->stall_during = std::string(word.second);
    return false;
  }
  if (word.first == "chunk") {
    std::vector<absl::string_view> f = absl::StrSplit(word.second, ' ');
    ScaleChunk c;
    uint64_t write_bytes = 0, user_bytes = 0;
    if (f.size() == 4 && absl::SimpleAtoi(f[0], &c.ops) && absl::SimpleAtod(f[1], &c.seconds) &&
        absl::SimpleAtoi(f[2], &write_bytes) && absl::SimpleAtoi(f[3], &user_bytes)) {
      const uint64_t before = result->chunks.empty() ? 0 : result->chunks.back().ops;
      c.ops_per_sec = c.seconds > 0 ? (c.ops - before) / c.seconds : 0;
      c.write_amp = user_bytes > 0 ? static_cast<double>(write_bytes) / user_bytes : 0;
      result->chunks.push_back(c);
      return true;
    }
  } else {
    double v = 0;
    for (const FigureField& field : Fields()) {
      if (word.first != field.name || !absl::SimpleAtod(word.second, &v)) continue;
      if (field.real != nullptr) result->*field.real = v;
      if (field.count != nullptr) result->*field.count = static_cast<uint64_t>(v);
      return false;
    }
  }
  result->notes.push_back(absl::StrCat("unreadable line from the child: ", line));
  return false;
}

}  // namespace ringkv::bench
