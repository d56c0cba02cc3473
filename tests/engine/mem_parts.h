// In-memory stand-ins for the engine's log and page store, so DBImpl's own logic (write path,
// versions, snapshots, iterators, checkpoints) is tested apart from the disk. The real ones are
// tested on disk in db_test.cc.
#ifndef RINGKV_TESTS_ENGINE_MEM_PARTS_H_
#define RINGKV_TESTS_ENGINE_MEM_PARTS_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/log.h"
#include "engine/tree_store.h"

namespace ringkv::testing {

// Shared state survives a simulated reopen: build a new MemLog/MemTreeStore on the same state.
struct MemLogState {
  absl::Mutex mu;
  std::vector<std::pair<uint64_t, std::string>> records;  // (lsn, bytes)
  uint64_t next_lsn = 0;
  uint64_t dropped_below = 0;
  // With hold_durability, records become durable only when a test calls MakeDurable: a sync
  // write can then be seen waiting.
  bool hold_durability = false;
  uint64_t durable_lsn = 0;
  std::vector<std::pair<uint64_t, absl::AnyInvocable<void(absl::Status)>>> held;
  absl::Status failed;  // once set, appends and waits fail with it (a failed log write)
  absl::AnyInvocable<void()> catch_up_hook;  // Log::SetCatchUpHook's

  // Everything appended so far becomes durable; waiting writers are woken.
  void MakeDurable() {
    std::vector<std::pair<uint64_t, absl::AnyInvocable<void(absl::Status)>>> run;
    {
      absl::MutexLock lock(&mu);
      durable_lsn = next_lsn;
      run.swap(held);
    }
    for (auto& [end, done] : run) done(absl::OkStatus());
    if (catch_up_hook && !run.empty()) catch_up_hook();  // after waking, as Wal does
  }

  // The log fails: every waiter and every later append gets `cause`.
  void Fail(absl::Status cause) {
    std::vector<std::pair<uint64_t, absl::AnyInvocable<void(absl::Status)>>> run;
    {
      absl::MutexLock lock(&mu);
      failed = cause;
      run.swap(held);
    }
    for (auto& [end, done] : run) done(cause);
  }
};

class MemLog : public Log {
 public:
  explicit MemLog(std::shared_ptr<MemLogState> state) : state_(std::move(state)) {}
  ~MemLog() override { state_->catch_up_hook = nullptr; }  // the DB that set it is closing
  absl::StatusOr<Range> Append(std::string_view record) override {
    absl::MutexLock lock(&state_->mu);
    if (!state_->failed.ok()) return state_->failed;
    Range r{state_->next_lsn, state_->next_lsn + record.size() + 8};
    state_->records.emplace_back(r.start, std::string(record));
    state_->next_lsn = r.end;
    ++stats_.records_appended;
    stats_.bytes_appended += record.size();
    return r;
  }
  absl::Status WaitDurable(uint64_t end) override {
    std::pair<MemLogState*, uint64_t> wait(state_.get(), end);
    absl::MutexLock lock(&state_->mu);
    state_->mu.Await(absl::Condition(
        +[](std::pair<MemLogState*, uint64_t>* w) {
          return !w->first->hold_durability || w->first->durable_lsn >= w->second ||
                 !w->first->failed.ok();
        },
        &wait));
    return state_->failed;
  }
  void WaitDurableAsync(uint64_t end, absl::AnyInvocable<void(absl::Status)> done) override {
    absl::Status now;
    {
      absl::MutexLock lock(&state_->mu);
      if (state_->failed.ok() && state_->hold_durability && state_->durable_lsn < end) {
        state_->held.emplace_back(end, std::move(done));
        return;
      }
      now = state_->failed;
    }
    done(now);
  }
  void SetCatchUpHook(absl::AnyInvocable<void()> hook) override {
    state_->catch_up_hook = std::move(hook);
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  uint64_t next_lsn() const override {
    absl::MutexLock lock(&state_->mu);
    return state_->next_lsn;
  }
  uint64_t durable_lsn() const override {
    absl::MutexLock lock(&state_->mu);
    return state_->hold_durability ? state_->durable_lsn : state_->next_lsn;
  }
  absl::Status Replay(uint64_t from,
                      absl::FunctionRef<absl::Status(uint64_t, std::string_view)> fn) override {
    absl::MutexLock lock(&state_->mu);
    for (const auto& [lsn, bytes] : state_->records) {
      if (lsn < from) continue;
      absl::Status s = fn(lsn, bytes);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  absl::Status DropBelow(uint64_t lsn) override {
    absl::MutexLock lock(&state_->mu);
    std::erase_if(state_->records, [lsn](const auto& r) { return r.first < lsn; });
    state_->dropped_below = lsn;
    return absl::OkStatus();
  }
  LogStats stats() const override { return stats_; }

 private:
  std::shared_ptr<MemLogState> state_;
  LogStats stats_;
};

struct MemTreeState {
  absl::Mutex mu;
  std::map<uint64_t, std::string> pages;
  uint64_t root = kNoPage;
  // The sorted runs (filters included: they survive a simulated reopen like the pages).
  std::shared_ptr<const std::vector<SortedRunRef>> runs =
      std::make_shared<const std::vector<SortedRunRef>>();
  uint64_t checkpoint_lsn = 0;
  uint64_t generation = 0;
  uint64_t next_page = 1;
  std::set<uint64_t> reusable;
  size_t payload = 4096 - 32;
};

class MemTreeStore : public TreeStore, public TreePageWriter {
 public:
  explicit MemTreeStore(std::shared_ptr<MemTreeState> state) : state_(std::move(state)) {}

  class PinnedTree : public TreeSnapshot, public TreePageReader {
   public:
    PinnedTree(MemTreeStore* store, uint64_t root,
               std::shared_ptr<const std::vector<SortedRunRef>> runs, uint64_t lsn, uint64_t gen)
        : store_(store), root_(root), runs_(std::move(runs)), lsn_(lsn), gen_(gen) {}
    ~PinnedTree() override { store_->Unpin(gen_); }
    uint64_t root() const override { return root_; }
    const std::vector<SortedRunRef>& runs() const override { return *runs_; }
    uint64_t checkpoint_lsn() const override { return lsn_; }
    uint64_t generation() const override { return gen_; }
    TreePageReader& pages() override { return *this; }
    absl::StatusOr<PageRef> Read(uint64_t id) override {
      absl::MutexLock lock(&store_->state_->mu);
      auto it = store_->state_->pages.find(id);
      if (it == store_->state_->pages.end()) return absl::DataLossError(absl::StrCat("no page ", id));
      PageRef r;
      r.id = id;
      r.data = reinterpret_cast<const uint8_t*>(it->second.data());
      r.size = it->second.size();
      return r;
    }
    size_t payload_size() const override { return store_->state_->payload; }

   private:
    MemTreeStore* store_;
    uint64_t root_;
    std::shared_ptr<const std::vector<SortedRunRef>> runs_;
    uint64_t lsn_, gen_;
  };

  std::shared_ptr<TreeSnapshot> Current() override {
    absl::MutexLock lock(&state_->mu);
    ++pins_[state_->generation];
    return std::make_shared<PinnedTree>(this, state_->root, state_->runs, state_->checkpoint_lsn,
                                        state_->generation);
  }
  absl::StatusOr<TreePageWriter*> BeginCheckpoint() override { return this; }
  absl::Status CommitCheckpoint(const TreeRoots& roots, uint64_t lsn) override {
    absl::MutexLock lock(&state_->mu);
    state_->root = roots.tree;
    state_->runs = std::make_shared<const std::vector<SortedRunRef>>(roots.runs);
    state_->checkpoint_lsn = lsn;
    pending_free_[state_->generation].insert(freed_.begin(), freed_.end());
    freed_.clear();
    ++state_->generation;
    ++commits_;
    ReleaseUnpinnedLocked();
    return absl::OkStatus();
  }
  void AbortCheckpoint() override {}
  TreeStoreStats stats() const override {
    TreeStoreStats s;
    s.page_count = state_->pages.size();
    return s;
  }
  absl::Status Verify() override { return absl::OkStatus(); }
  absl::Status ReleaseFreeSpace() override { return absl::OkStatus(); }  // no file to shrink
  uint32_t page_size() const override { return 4096; }

  absl::StatusOr<uint64_t> Allocate() override {
    absl::MutexLock lock(&state_->mu);
    if (!state_->reusable.empty()) {
      const uint64_t id = *state_->reusable.begin();
      state_->reusable.erase(state_->reusable.begin());
      return id;
    }
    return state_->next_page++;
  }
  absl::Status Write(uint64_t id, TreePageKind, absl::Span<const uint8_t> payload) override {
    absl::MutexLock lock(&state_->mu);
    state_->pages[id] = std::string(reinterpret_cast<const char*>(payload.data()), payload.size());
    return absl::OkStatus();
  }
  void Free(uint64_t id) override { freed_.insert(id); }
  size_t payload_size() const override { return state_->payload; }
  int commits() const { return commits_; }

 private:
  void Unpin(uint64_t gen) {
    absl::MutexLock lock(&state_->mu);
    if (--pins_[gen] == 0) pins_.erase(gen);
    ReleaseUnpinnedLocked();
  }
  // Pages freed by the checkpoint that left generation g are reusable once no version <= g is
  // pinned.
  void ReleaseUnpinnedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu) {
    const uint64_t oldest = pins_.empty() ? state_->generation : pins_.begin()->first;
    for (auto it = pending_free_.begin(); it != pending_free_.end() && it->first < oldest;) {
      for (uint64_t id : it->second) {
        state_->pages.erase(id);
        state_->reusable.insert(id);
      }
      it = pending_free_.erase(it);
    }
  }

  std::shared_ptr<MemTreeState> state_;
  std::set<uint64_t> freed_;
  std::map<uint64_t, std::set<uint64_t>> pending_free_;
  std::map<uint64_t, int> pins_;
  int commits_ = 0;
};

}  // namespace ringkv::testing

#endif  // RINGKV_TESTS_ENGINE_MEM_PARTS_H_
