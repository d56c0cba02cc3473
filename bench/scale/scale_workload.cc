#include "bench/scale/scale_workload.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/engine/process_io.h"
#include "bench/report/sample_percentiles.h"
#include "bench/scale/memory_cgroup.h"
#include "bench/scale/scale_phases.h"
#include "bench/scale/scale_report_lines.h"
#include "bench/scale/stall_phase.h"

namespace ringkv::bench {
namespace {

// Runs `body` in a child process whose report lines arrive here, line by line, until it exits.
// Returns a description of how the child ended ("" for exit status 0).
absl::StatusOr<std::string> RunChild(const std::function<int(ScaleLineWriter&)>& body,
                                     ScaleResult* result, const ScaleChunkCallback& on_chunk) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  std::fflush(nullptr);  // the child must not flush the parent's buffered output again
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(err)));
  }
  if (pid == 0) {
    ::close(fds[0]);
    ScaleLineWriter out(fds[1]);
    ::_exit(body(out));  // no atexit handlers or static destructors of the parent's
  }
  ::close(fds[1]);
  std::string pending;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      if (ApplyScaleLine(absl::string_view(pending).substr(0, nl), result) && on_chunk) {
        on_chunk(*result, result->chunks.back());
      }
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::string();
  if (WIFSIGNALED(status)) {
    return absl::StrCat("was killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  }
  return absl::StrCat("exited with status ", WEXITSTATUS(status));
}

// Figures the parent derives from what the children reported.
void Derive(ScaleResult* r) {
  if (r->seconds > 0) r->ops_per_sec = r->keys / r->seconds;
  if (r->chunks.size() >= 2 && r->chunks.front().ops_per_sec > 0) {
    r->last_vs_first_rate = r->chunks.back().ops_per_sec / r->chunks.front().ops_per_sec;
  }
  if (r->user_bytes > 0) r->space_amp = static_cast<double>(r->disk_bytes) / r->user_bytes;
  if (r->stall_busy_samples > 0) r->stall_p99_ratio = RatioOrZero(r->stall_busy_p99_us, r->stall_idle_p99_us);
}

// The cold gets: drop the files from the page cache, then read in a child held to a memory
// cgroup of config.memory_limit_fraction of the files. A child the OOM killer ends gives a
// note, not an error: "the store cannot run in this much memory" is a finding.
absl::Status RunCold(const std::string& store, const ScaleConfig& config, const std::string& dir,
                     ScaleResult* result) {
  const uint64_t limit = static_cast<uint64_t>(result->disk_bytes * config.memory_limit_fraction);
  absl::StatusOr<std::unique_ptr<MemoryCgroup>> cgroup =
      MemoryCgroup::Create(absl::StrCat("ringkv-bench-", ::getpid()), limit);
  if (!cgroup.ok()) {
    result->notes.push_back(absl::StrCat("gets under a memory limit skipped: ", cgroup.status().message()));
    return absl::OkStatus();
  }
  if (absl::Status s = EvictFromPageCache(dir); !s.ok()) {
    result->notes.push_back(absl::StrCat("gets under a memory limit skipped: ", s.message()));
    return absl::OkStatus();
  }
  result->memory_limit_bytes = limit;
  const MemoryCgroup& group = **cgroup;
  absl::StatusOr<std::string> ended = RunChild(
      [&](ScaleLineWriter& out) {
        if (absl::Status s = group.Join(::getpid()); !s.ok()) {
          out.Note(absl::StrCat("gets under a memory limit skipped: ", s.message()));
          return 0;
        }
        return RunScaleColdPhase(store, config, dir, out);
      },
      result, nullptr);
  if (!ended.ok()) return ended.status();
  if (!ended->empty()) {
    result->notes.push_back(absl::StrFormat(
        "gets under the %.1f MiB limit (%s): the child process %s%s", limit / 1048576.0, group.how(), *ended,
        absl::StrContains(*ended, "signal 9") ? ", most likely by the OOM killer at the limit" : ""));
  } else {
    result->notes.push_back(absl::StrFormat("gets under a %.1f MiB limit set with %s, files dropped from the page cache first",
                                            limit / 1048576.0, group.how()));
  }
  return absl::OkStatus();
}

}  // namespace

const char* ScaleModeName(ScaleMode mode) {
  switch (mode) {
    case ScaleMode::kInsert: return "insert";
    case ScaleMode::kOverwrite: return "overwrite";
    case ScaleMode::kMix: return "mix";
  }
  return "?";
}

bool ParseScaleMode(const std::string& name, ScaleMode* mode) {
  for (ScaleMode m : {ScaleMode::kInsert, ScaleMode::kOverwrite, ScaleMode::kMix}) {
    if (name == ScaleModeName(m)) {
      *mode = m;
      return true;
    }
  }
  return false;
}

absl::StatusOr<ScaleResult> RunScaleWorkload(const std::string& store, const ScaleConfig& config,
                                             const ScaleChunkCallback& on_chunk) {
  ScaleResult result;
  result.store = store;
  result.mode = ScaleModeName(config.mode);
  result.keys = config.keys;
  const std::string dir = absl::StrCat(config.dir, "/scale-", store, "-", ::getpid());
  std::filesystem::remove_all(dir);
  absl::StatusOr<std::string> ended = RunChild(
      [&](ScaleLineWriter& out) { return RunScaleWritePhase(store, config, dir, out); }, &result,
      on_chunk);
  absl::Status s = ended.status();
  if (s.ok() && !ended->empty() && result.error.empty()) {
    result.error = absl::StrCat(store, ": the benchmark's child process ", *ended);
  }
  if (s.ok() && result.error.empty() && config.cold_gets > 0) s = RunCold(store, config, dir, &result);
  // Last: it changes the database the phases before it measured.
  if (s.ok() && result.error.empty() && config.stall_samples > 0) {
    ended = RunChild([&](ScaleLineWriter& out) { return RunScaleStallPhase(store, config, dir, out); },
                     &result, nullptr);
    s = ended.status();
    if (s.ok() && !ended->empty() && result.error.empty()) {
      result.error = absl::StrCat(store, ": the stall phase's child process ", *ended);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!s.ok()) return s;
  Derive(&result);
  return result;
}

}  // namespace ringkv::bench
