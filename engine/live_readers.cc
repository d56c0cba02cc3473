#include "engine/live_readers.h"

#include <cstdio>
#include <cstdlib>

namespace ringkv {

void LiveReaders::CheckNoneLeft(const char* path) const {
  const int64_t iterators = iterators_.load(std::memory_order_relaxed);
  const int64_t snapshots = snapshots_.load(std::memory_order_relaxed);
  if (iterators == 0 && snapshots == 0) [[likely]] return;
  // Going on would free what they read: the next Next() or Get() at the snapshot would read
  // freed memory. A programming error, so it stops the program (as RINGKV_CHECK does).
  std::fprintf(stderr,
               "ringkv: DB %s closed or destroyed with %lld iterator(s) and %lld snapshot(s) "
               "still alive: delete every Iterator and ReleaseSnapshot every Snapshot before "
               "DB::Close() or deleting the DB\n",
               path, static_cast<long long>(iterators), static_cast<long long>(snapshots));
  std::abort();
}

}  // namespace ringkv
