#include "engine/db_impl.h"

#include <optional>

#include "engine/btree.h"
#include "engine/published_lookup.h"
#include "engine/db_iterator.h"
#include "ringkv/size_limits.h"

namespace ringkv {
namespace {

class SnapshotImpl final : public Snapshot {
 public:
  SnapshotImpl(uint64_t seq, std::shared_ptr<const ReadView> view, LiveReaders::Token token)
      : seq_(seq), view_(std::move(view)), token_(std::move(token)) {}
  uint64_t sequence() const override { return seq_; }
  const std::shared_ptr<const ReadView>& view() const { return view_; }

 private:
  uint64_t seq_;
  // What was current then: reads need its parts. Null if taken after Close.
  std::shared_ptr<const ReadView> view_;
  LiveReaders::Token token_;  // the DB checks at Close that no snapshot is left
};

}  // namespace

absl::StatusOr<std::string> DBImpl::Get(const ReadOptions& options, std::string_view key) {
  absl::Status s = CheckKey(key);
  if (!s.ok()) return s;
  const ReadView* view;
  uint64_t seq;
  std::optional<ReadViewPins::Pin> pin;
  if (options.snapshot != nullptr) {
    const auto* snap = static_cast<const SnapshotImpl*>(options.snapshot);
    view = snap->view().get();
    seq = snap->sequence();
    if (view == nullptr) return ClosedError();
  } else {
    // Sequence before view: a view read later holds everything up to the sequence.
    seq = last_sequence_.load(std::memory_order_acquire);
    pin.emplace(pins_.Acquire());
    view = pin->get();
    if (view == nullptr) return ClosedError();
  }
  std::string value;
  // Raw pointers: the pinned view keeps both alive, and copying the shared_ptrs would make
  // every Get write the memtables' shared reference counts.
  for (const MemTable* m : {view->mem.get(), view->imm.get()}) {
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
  absl::StatusOr<TreeLookup> found = LookupPublished(*view->tree, key, &value);
  if (!found.ok()) return found.status();
  if (*found != TreeLookup::kFound) return absl::NotFoundError("key not found");
  return value;
}

void DBImpl::GetAsync(const ReadOptions& options, std::string key,
                      absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) {
  get_async_thread_.Post([this, options, key = std::move(key), done = std::move(done)]() mutable {
    done(Get(options, key));
  });
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  std::shared_ptr<const ReadView> view;
  uint64_t seq;
  if (options.snapshot != nullptr) {
    const auto* snap = static_cast<const SnapshotImpl*>(options.snapshot);
    view = snap->view();
    seq = snap->sequence();
  } else {
    seq = last_sequence_.load(std::memory_order_acquire);
    view = CurrentView();
  }
  if (view == nullptr) return NewErrorIterator(ClosedError());
  return NewDBIterator(std::move(view), seq, options,
                       LiveReaders::Token(&live_readers_, LiveReaders::Kind::kIterator));
}

const Snapshot* DBImpl::GetSnapshot() {
  const uint64_t seq = last_sequence_.load(std::memory_order_acquire);
  return new SnapshotImpl(seq, CurrentView(),
                          LiveReaders::Token(&live_readers_, LiveReaders::Kind::kSnapshot));
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  delete static_cast<const SnapshotImpl*>(snapshot);
}

}  // namespace ringkv
