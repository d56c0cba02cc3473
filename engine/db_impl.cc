#include "engine/db_impl.h"

#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"

namespace ringkv {

DBImpl::DBImpl(const Options& options, std::string path, DBParts parts)
    : options_(options),
      path_(std::move(path)),
      parts_(std::move(parts)),
      write_queue_(parts_.log.get(), this) {}

DBImpl::~DBImpl() { Close().IgnoreError(); }

void DBImpl::SetCurrent(std::shared_ptr<const ReadView> v) {
  current_ = v;
  pins_.Publish(std::move(v));
}

absl::Status DBImpl::Close() {
  {
    // A clean close leaves little log to replay: a memtable past a quarter of its budget is
    // handed to the checkpoint thread, which takes it before it stops. Replaying a nearly full
    // one costs the next Open about 0.3 s (docs/performance.md, "Fourth round"); a small one
    // stays in the log, so short sessions (a `ringkv put`) do not each leave a sorted run.
    absl::MutexLock write_lock(&write_mu_);
    bool large;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return failed_;
      // The checkpoint thread starts once recovery built the view: an Open that failed before
      // closes what it built, with neither.
      large = failed_.ok() && checkpoint_thread_.joinable() &&
              current_->mem->ApproximateBytes() >= options_.memtable_bytes / 4;
    }
    // A failure here is the DB's failure, which Close returns below.
    if (large) MakeRoomForWrite(/*force=*/true).IgnoreError();
  }
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return failed_;
    closed_ = true;
    stopping_ = true;
  }
  live_readers_.CheckNoneLeft(path_.c_str());
  // Only an Open that got as far as recovery started the thread (and has a whole tree store).
  const bool opened = checkpoint_thread_.joinable();
  if (opened) {
    BackgroundPriority::Waiting waiting(&checkpoint_priority_);
    checkpoint_thread_.join();
  }
  get_async_thread_.Stop();
  absl::Status result = FailedStatus();
  if (result.ok()) result = parts_.log->Flush();
  // Destroy in dependency order: the log and tree use the backend; the lock goes last but one.
  parts_.log.reset();
  {
    absl::MutexLock lock(&mu_);
    SetCurrent(nullptr);
  }
  // Gets still running hold views (and their tree pins) a moment longer.
  while (!pins_.Reclaim()) std::this_thread::yield();
  // A closed database takes no disk space for pages it does not use (with no pin left, every
  // free page is reusable).
  if (result.ok() && opened) result = parts_.tree->ReleaseFreeSpace();
  parts_.tree.reset();
  parts_.lock.reset();
  parts_.io.reset();
  return result;
}

std::shared_ptr<const ReadView> DBImpl::CurrentView() {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status DBImpl::FailedStatus() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

absl::Status DBImpl::Fail(const absl::Status& cause) {
  absl::MutexLock lock(&mu_);
  if (failed_.ok()) {
    failed_ = absl::Status(cause.code(),
                           absl::StrCat("database ", path_,
                                        " is read-only after a failed write (reopen it to "
                                        "recover): ", cause.message()));
    std::fprintf(stderr, "ringkv: %s\n", std::string(failed_.message()).c_str());
  }
  return failed_;
}

absl::Status DBImpl::ClosedError() const {
  return absl::FailedPreconditionError(absl::StrCat("database ", path_, " is closed"));
}

absl::Status DBImpl::CheckOpen() const {
  absl::MutexLock lock(&mu_);
  return closed_ ? ClosedError() : absl::OkStatus();
}

absl::Status DBImpl::CheckWritable() const {
  absl::MutexLock lock(&mu_);
  if (closed_) return ClosedError();
  return failed_;
}

absl::Status DBImpl::Flush() {
  absl::Status s = CheckWritable();
  if (!s.ok()) return s;
  s = parts_.log->Flush();
  return s.ok() ? s : Fail(s);
}

}  // namespace ringkv
