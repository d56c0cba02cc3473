// TaskThread runs queued tasks one after another on a thread of its own (the DB answers GetAsync
// there, so a caller's event loop never waits for a page read). The caller guarantees that
// what a task uses outlives Stop().
#ifndef RINGKV_ENGINE_TASK_THREAD_H_
#define RINGKV_ENGINE_TASK_THREAD_H_

#include <deque>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace ringkv {

class TaskThread {
 public:
  TaskThread() = default;
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;
  ~TaskThread() { Stop(); }

  void Start();
  // Queues `task`; it runs after every task queued before it. After Stop, never runs.
  void Post(absl::AnyInvocable<void()> task);
  // Runs every task queued so far, then ends the thread. Idempotent.
  void Stop();

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_TASK_THREAD_H_
