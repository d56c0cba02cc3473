// BackgroundPriority runs one thread at SCHED_IDLE while nobody waits on it and raises it
// while somebody does, without touching any other thread: what keeps sync puts fast beside a
// checkpoint and a checkpoint that writers wait for from starving.
#include "base/background_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <optional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace ringkv {
namespace {

int NiceOf(pid_t tid) {
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  EXPECT_EQ(errno, 0);
  return nice;
}

int PolicyOf(pid_t tid) {
  const int policy = sched_getscheduler(tid);
  EXPECT_GE(policy, 0) << "sched_getscheduler(" << tid << ") errno " << errno;
  return policy;
}

// A thread that calls Start, then Stop when told, and stays alive until the fixture ends, so
// its policy can be read from outside at every step.
class BackgroundPriorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (NiceOf(gettid()) >= BackgroundPriority::kBackgroundNice) {
      GTEST_SKIP() << "the test already runs at nice " << NiceOf(gettid());
    }
    caller_policy_ = PolicyOf(gettid());
    caller_nice_ = NiceOf(gettid());
  }

  void StartThread() {
    thread_.emplace([this] {
      tid_ = gettid();
      mode_ = priority_.Start();
      started_.Notify();
      stop_.WaitForNotification();
      priority_.Stop();
      stopped_.Notify();
      exit_.WaitForNotification();
    });
    started_.WaitForNotification();
  }

  void StopThread() {
    stop_.Notify();
    stopped_.WaitForNotification();
  }

  void TearDown() override {
    if (!thread_) return;
    if (!stop_.HasBeenNotified()) StopThread();
    exit_.Notify();
    thread_->join();
    // The caller's own priority never moved.
    EXPECT_EQ(PolicyOf(gettid()), caller_policy_);
    EXPECT_EQ(NiceOf(gettid()), caller_nice_);
  }

  bool Idles() const { return mode_ == BackgroundPriority::Mode::kIdleUnlessWaited; }

  BackgroundPriority priority_;
  std::atomic<pid_t> tid_{0};
  BackgroundPriority::Mode mode_ = BackgroundPriority::Mode::kUnchanged;
  int caller_policy_ = -1;
  int caller_nice_ = 0;

 private:
  std::optional<std::thread> thread_;
  absl::Notification started_, stop_, stopped_, exit_;
};

TEST_F(BackgroundPriorityTest, StartLowersTheBackgroundThreadOnly) {
  StartThread();
  ASSERT_NE(mode_, BackgroundPriority::Mode::kUnchanged);
  EXPECT_EQ(NiceOf(tid_), BackgroundPriority::kBackgroundNice);
  EXPECT_EQ(PolicyOf(tid_), Idles() ? SCHED_IDLE : caller_policy_);
  EXPECT_EQ(PolicyOf(gettid()), caller_policy_);
  EXPECT_EQ(NiceOf(gettid()), caller_nice_);
}

TEST_F(BackgroundPriorityTest, RaisedWhileAnyoneWaits) {
  StartThread();
  if (!Idles()) GTEST_SKIP() << "SCHED_IDLE could not be left here (no CAP_SYS_NICE)";
  {
    BackgroundPriority::Waiting first(&priority_);
    EXPECT_EQ(PolicyOf(tid_), SCHED_OTHER);
    EXPECT_EQ(NiceOf(tid_), BackgroundPriority::kBackgroundNice);
    {
      BackgroundPriority::Waiting second(&priority_);
      EXPECT_EQ(PolicyOf(tid_), SCHED_OTHER);
    }
    EXPECT_EQ(PolicyOf(tid_), SCHED_OTHER) << "lowered while a waiter was left";
  }
  EXPECT_EQ(PolicyOf(tid_), SCHED_IDLE);
  EXPECT_EQ(NiceOf(tid_), BackgroundPriority::kBackgroundNice);
}

TEST_F(BackgroundPriorityTest, AWaiterBeforeStartKeepsTheThreadRaised) {
  std::optional<BackgroundPriority::Waiting> early;
  early.emplace(&priority_);
  StartThread();
  if (!Idles()) GTEST_SKIP() << "SCHED_IDLE could not be left here (no CAP_SYS_NICE)";
  EXPECT_EQ(PolicyOf(tid_), SCHED_OTHER);
  early.reset();
  EXPECT_EQ(PolicyOf(tid_), SCHED_IDLE);
}

TEST_F(BackgroundPriorityTest, WaitersAfterStopChangeNothing) {
  StartThread();
  if (!Idles()) GTEST_SKIP() << "SCHED_IDLE could not be left here (no CAP_SYS_NICE)";
  StopThread();
  BackgroundPriority::Waiting late(&priority_);
  EXPECT_EQ(PolicyOf(tid_), SCHED_IDLE);
}

}  // namespace
}  // namespace ringkv
