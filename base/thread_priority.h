// Lowers the calling thread's CPU priority, for background work (checkpoints, merges): on a
// machine with few cores a foreground thread woken by its I/O completion then gets a CPU at
// once instead of waiting out the background thread's time slice.
// Best effort: false if refused (a seccomp filter, say), the priority then as it was.
#ifndef RINGKV_BASE_THREAD_PRIORITY_H_
#define RINGKV_BASE_THREAD_PRIORITY_H_

#include <sys/resource.h>
#include <unistd.h>

namespace ringkv {

// The nice value background threads run at: high enough that a waking nice-0 thread preempts
// them, not so high that they starve beside a writer that keeps a core busy.
inline constexpr int kBackgroundNice = 10;

inline bool LowerThisThreadsPriority() {
  // On Linux setpriority(PRIO_PROCESS, tid) sets one thread's nice value, not the process's.
  return setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice) == 0;
}

}  // namespace ringkv

#endif  // RINGKV_BASE_THREAD_PRIORITY_H_
