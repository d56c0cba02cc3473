// The CPU priority of one background thread (the checkpoint thread): SCHED_IDLE while nobody
// waits on its work, SCHED_OTHER at kBackgroundNice while somebody does (a Waiting is held).
// Start and Stop run on that thread, first and last; Waiting on any thread, any number at once.
//
// Why idle: on a machine with few cores a foreground thread that wakes (a sync put whose log
// write completed) must get a CPU at once. A waking SCHED_OTHER thread always preempts a
// SCHED_IDLE one; at nice 10 it still waited out part of the checkpoint's slice, and sync-put
// p99 during a checkpoint was 10-15x the idle p99 (docs/performance.md, "Sixth round").
// Why raised while waited on: at SCHED_IDLE any busy thread, the application's or another
// process's, would starve a checkpoint the writers are blocked behind.
// Leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE that allows nice kBackgroundNice - 1;
// without either the thread stays at kBackgroundNice throughout (Start probes which it is).
#ifndef RINGKV_BASE_BACKGROUND_PRIORITY_H_
#define RINGKV_BASE_BACKGROUND_PRIORITY_H_

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ringkv {

class BackgroundPriority {
 public:
  // The nice value the thread has outside SCHED_IDLE: a waking nice-0 thread preempts it, and
  // it keeps a share of a core beside writers that keep one busy.
  static constexpr int kBackgroundNice = 10;

  enum class Mode {
    kUnchanged,  // setpriority refused (a seccomp filter, say): the writers' priority
    kNice,       // kBackgroundNice always: SCHED_IDLE could not be left again
    kIdleUnlessWaited,
  };

  // On the background thread, before its work. Best effort, as the modes say.
  Mode Start() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    const pid_t tid = gettid();
    // On Linux setpriority(PRIO_PROCESS, tid) sets one thread's nice value, not the process's.
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kBackgroundNice) != 0) {
      return mode_ = Mode::kUnchanged;
    }
    // Leaving SCHED_IDLE is allowed on the terms that lowering the nice value is; probe with a
    // step that can be undone, since SCHED_IDLE entered without them could not.
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kBackgroundNice - 1) != 0 ||
        setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kBackgroundNice) != 0) {
      return mode_ = Mode::kNice;
    }
    tid_ = tid;
    mode_ = Mode::kIdleUnlessWaited;
    if (waiters_ == 0) SetPolicy(SCHED_IDLE);
    return mode_;
  }

  // On the background thread as its last step: later Waitings change nothing (once the
  // thread is gone its id may name another).
  void Stop() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mode_ = Mode::kUnchanged;
    tid_ = 0;
  }

  // Held by a thread while it waits on the background thread's work.
  class Waiting {
   public:
    explicit Waiting(BackgroundPriority* p) : p_(p) { p_->AddWaiter(); }
    ~Waiting() { p_->RemoveWaiter(); }
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;

   private:
    BackgroundPriority* const p_;
  };

 private:
  void AddWaiter() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (waiters_++ == 0 && mode_ == Mode::kIdleUnlessWaited) SetPolicy(SCHED_OTHER);
  }
  void RemoveWaiter() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (--waiters_ == 0 && mode_ == Mode::kIdleUnlessWaited) SetPolicy(SCHED_IDLE);
  }
  // Refused (the thread gone, a policy changed under us), the priority stays as it was: a
  // slower checkpoint or slower sync puts, nothing wrong. The nice value survives both ways.
  void SetPolicy(int policy) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const sched_param param{};
    (void)sched_setscheduler(tid_, policy, &param);
  }

  absl::Mutex mu_;
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kUnchanged;
  pid_t tid_ ABSL_GUARDED_BY(mu_) = 0;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ringkv

#endif  // RINGKV_BASE_BACKGROUND_PRIORITY_H_
