#include "uring/io_backend.h"

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "uring/posix_backend.h"
#include "uring/uring_backend.h"

namespace ringkv::io {

FileSlot& FileSlot::operator=(FileSlot&& other) noexcept {
  if (this != &other) {
    Reset();
    backend_ = std::exchange(other.backend_, nullptr);
    id_ = std::exchange(other.id_, {});
  }
  return *this;
}

void FileSlot::Reset() {
  if (backend_ == nullptr) return;
  if (backend_->files().IsOpen(id_)) {
    // Closing cannot lose data that a completed fsync made durable, and nothing may rely on
    // close() for durability, so a failed close here only leaves the slot marked closed.
    Completion c = backend_->Run(Chain().Close(id_));
    if (!c.ok()) backend_->files().MarkClosed(id_);
  }
  backend_->files().Release(id_);
  backend_ = nullptr;
  id_ = {};
}

Completion IoBackend::Run(Chain chain) {
  Ticket t = Submit(std::move(chain), nullptr, /*caller_waits=*/true);
  Wait(t);
  return std::move(t->completion);
}

absl::StatusOr<FileSlot> IoBackend::ReserveFile() {
  absl::StatusOr<FileId> id = files().Reserve();
  if (!id.ok()) return id.status();
  return FileSlot(this, *id);
}

absl::StatusOr<int> IoBackend::NativeFd(FileId id) const {
  const int fd = files().FdOf(id);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "file slot ", id.index, " (", files().PathOf(id),
        ") has no ordinary descriptor; open it with Chain::OpenAtNative"));
  }
  return fd;
}

void IoBackend::CheckChain(const Chain& chain) {
  RINGKV_CHECK(!chain.empty());
  if (!chain.linked()) return;
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    const Op& op = chain.ops()[i];
    // io_uring breaks the link after a short read; a native open's descriptor is registered
    // only after it completes, too late for the ops linked behind it.
    RINGKV_CHECK(!op.allow_short);
    RINGKV_CHECK(!(op.type == OpType::kOpenAt && op.native_fd));
  }
}

void IoBackend::DescribeCompletion(PendingChain& p) const {
  const std::vector<Op>& ops = p.chain.ops();
  RINGKV_DCHECK(p.completion.results.size() == ops.size());
  p.completion.status = absl::OkStatus();
  for (size_t i = 0; i < ops.size(); ++i) {
    const int32_t res = p.completion.results[i];
    if (OpSucceeded(ops[i], res)) continue;
    // A cancelled op only matters if nothing before it explains the cancellation.
    p.completion.status = OpStatus(ops[i], res, files().PathOf(ops[i].file));
    return;
  }
}

absl::StatusOr<std::unique_ptr<IoBackend>> OpenBackend(const IoOptions& options) {
  switch (options.backend) {
    case BackendKind::kUring: {
      absl::StatusOr<std::unique_ptr<UringBackend>> b = UringBackend::Open(options);
      if (!b.ok()) return b.status();
      return std::unique_ptr<IoBackend>(std::move(*b));
    }
    case BackendKind::kPosix:
      return std::unique_ptr<IoBackend>(std::make_unique<PosixBackend>(options));
  }
  return absl::InvalidArgumentError("unknown I/O backend kind");
}

}  // namespace ringkv::io
