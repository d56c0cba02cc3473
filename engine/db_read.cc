#include "engine/db_impl.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

#include "engine/btree.h"
#include "engine/db_iterator.h"
#include "ringkv/size_limits.h"

namespace ringkv {
namespace {

class SnapshotImpl final : public Snapshot {
 public:
  SnapshotImpl(uint64_t seq, std::shared_ptr<const Version> version, LiveReaders::Token token)
      : seq_(seq), version_(std::move(version)), token_(std::move(token)) {}
  uint64_t sequence() const override { return seq_; }
  const std::shared_ptr<const Version>& version() const { return version_; }

 private:
  uint64_t seq_;
  // What was current then: reads need its parts. Null if taken after Close.
  std::shared_ptr<const Version> version_;
  LiveReaders::Token token_;  // the DB checks at Close that no snapshot is left
};

absl::Status ClosedError(const std::string& path) {
  return absl::FailedPreconditionError(absl::StrCat("database ", path, " is closed"));
}

}  // namespace

absl::StatusOr<std::string> DBImpl::Get(const ReadOptions& options, std::string_view key) {
  absl::Status s = CheckKey(key);
  if (!s.ok()) return s;
  const Version* version;
  uint64_t seq;
  std::optional<VersionPins::Pin> pin;
  if (options.snapshot != nullptr) {
    const auto* snap = static_cast<const SnapshotImpl*>(options.snapshot);
    version = snap->version().get();
    seq = snap->sequence();
    if (version == nullptr) return ClosedError(path_);
  } else {
    // Sequence before version: a version read later holds everything up to the sequence.
    seq = last_sequence_.load(std::memory_order_acquire);
    pin.emplace(pins_.Acquire());
    version = pin->get();
    if (version == nullptr) return ClosedError(path_);
  }
  std::string value;
  // Raw pointers: the pinned version keeps both alive, and copying the shared_ptrs would make
  // every Get write the memtables' shared reference counts.
  for (const MemTable* m : {version->mem.get(), version->imm.get()}) {
    if (m == nullptr) continue;
    switch (m->Get(key, seq, &value)) {
      case MemTable::Lookup::kFound:
        return value;
      case MemTable::Lookup::kDeleted:
        return absl::NotFoundError("key not found");
      case MemTable::Lookup::kAbsent:
        break;
    }
  }
  absl::StatusOr<bool> found =
      BTreeGet(version->tree->pages(), version->tree->root(), key, &value);
  if (!found.ok()) return found.status();
  if (!*found) return absl::NotFoundError("key not found");
  return value;
}

void DBImpl::GetAsync(const ReadOptions& options, std::string key,
                      absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) {
  get_async_thread_.Post([this, options, key = std::move(key), done = std::move(done)]() mutable {
    done(Get(options, key));
  });
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  std::shared_ptr<const Version> version;
  uint64_t seq;
  if (options.snapshot != nullptr) {
    const auto* snap = static_cast<const SnapshotImpl*>(options.snapshot);
    version = snap->version();
    seq = snap->sequence();
  } else {
    seq = last_sequence_.load(std::memory_order_acquire);
    version = CurrentVersion();
  }
  if (version == nullptr) return NewErrorIterator(ClosedError(path_));
  return NewDBIterator(std::move(version), seq, options,
                       LiveReaders::Token(&live_readers_, LiveReaders::Kind::kIterator));
}

const Snapshot* DBImpl::GetSnapshot() {
  const uint64_t seq = last_sequence_.load(std::memory_order_acquire);
  return new SnapshotImpl(seq, CurrentVersion(),
                          LiveReaders::Token(&live_readers_, LiveReaders::Kind::kSnapshot));
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  delete static_cast<const SnapshotImpl*>(snapshot);
}

}  // namespace ringkv
