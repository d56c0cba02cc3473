// LowerThisThreadsPriority lowers the calling thread alone: the checkpoint thread runs at
// kBackgroundNice while the writers keep theirs.
#include "base/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "gtest/gtest.h"

namespace ringkv {
namespace {

int NiceOf(pid_t tid) {
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  EXPECT_EQ(errno, 0);
  return nice;
}

TEST(ThreadPriorityTest, LowersTheCallingThreadOnly) {
  const int before = NiceOf(gettid());
  if (before >= kBackgroundNice) GTEST_SKIP() << "the test already runs at nice " << before;
  int lowered = 0;
  bool ok = false;
  std::thread background([&] {
    ok = LowerThisThreadsPriority();
    lowered = NiceOf(gettid());
  });
  background.join();
  ASSERT_TRUE(ok);
  EXPECT_EQ(lowered, kBackgroundNice);
  EXPECT_EQ(NiceOf(gettid()), before);
}

}  // namespace
}  // namespace ringkv
