#include "engine/db_impl.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "engine/btree_merge.h"
#include "engine/checkpoint_steps.h"
#include "engine/run_checkpoint.h"
#include "base/check.h"

namespace ringkv {
namespace {

uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// The newest version of each key in `imm`, in key order: what the tree takes from it. The
// changes view `imm`, which must outlive them.
std::vector<TreeChange> NewestVersions(const MemTable& imm) {
  std::vector<TreeChange> changes;
  changes.reserve(imm.entries());
  MemTable::Iterator it(&imm);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    if (!changes.empty() && changes.back().key == it.key()) continue;  // an older version
    TreeChange c;
    c.key = it.key();
    c.deleted = it.type() == EntryType::kDelete;
    c.value = it.value();
    changes.push_back(c);
  }
  return changes;
}

}  // namespace

absl::Status DBImpl::Checkpoint() {
  uint64_t target;
  {
    absl::MutexLock lock(&write_mu_);
    absl::Status s = MakeRoomForWrite(/*force=*/true);
    if (!s.ok()) return s;
    absl::MutexLock l(&mu_);
    target = checkpoints_started_;
  }
  absl::MutexLock lock(&mu_);
  const auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return checkpoints_done_ >= target || !failed_.ok();
  };
  BackgroundPriority::Waiting waiting(&checkpoint_priority_);
  mu_.Await(absl::Condition(&done));
  return failed_;
}

void DBImpl::CheckpointLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (current_->imm != nullptr && failed_.ok());
      };
      if (options_.checkpoint_interval_ms > 0) {
        mu_.AwaitWithTimeout(absl::Condition(&ready),
                             absl::Milliseconds(options_.checkpoint_interval_ms));
      } else {
        mu_.Await(absl::Condition(&ready));
      }
      if (stopping_ && (current_->imm == nullptr || !failed_.ok())) return;
    }
    bool have_imm;
    {
      absl::MutexLock lock(&mu_);
      have_imm = current_->imm != nullptr;
    }
    if (!have_imm) {
      // The interval passed with no full memtable: checkpoint what there is.
      absl::MutexLock lock(&write_mu_);
      if (!MakeRoomForWrite(true).ok()) continue;
      absl::MutexLock l(&mu_);
      if (current_->imm == nullptr) continue;
    }
    checkpoint_running_ = true;
    absl::Status s = CheckpointImmutable();
    checkpoint_running_ = false;
    if (!s.ok()) Fail(s).IgnoreError();  // every later write reports it
  }
}

absl::Status DBImpl::CheckpointImmutable() {
  absl::Status s = CheckpointWaitingImmutable();
  if (!s.ok()) return s;
  // Merging the runs takes a while (it rewrites most of the tree): memtables that fill in the
  // meantime are written as runs between its batches, so writers wait at most for a batch.
  // Those runs may call for the next merge at once (a run of deletions written during a merge
  // gives back space only when merged), so the test runs again after each merge.
  while (RunsCallForMerge()) {
    const uint64_t start_us = NowMicros();
    // Close stops a merge between batches: every published state is whole, and the next open
    // merges the runs again.
    bool stopped = false;
    const auto between = [this, &stopped]() -> absl::Status {
      absl::Status s = CheckpointWaitingImmutable();
      if (!s.ok()) return s;
      absl::MutexLock lock(&mu_);
      stopped = stopping_;
      return stopped ? absl::CancelledError("closing") : absl::OkStatus();
    };
    absl::StatusOr<TreeMergeStats> merged = MergeRunsIntoTree(
        *parts_.tree, StepPages(), between,
        [this](std::shared_ptr<TreeSnapshot> next) { PublishTree(std::move(next)); });
    if (stopped) return absl::OkStatus();
    if (!merged.ok()) return merged.status();
    RecordCheckpoint(NowMicros() - start_us, merged->pages_written);
    run_merges_.fetch_add(1);
    // The merge freed about the runs' pages: the runs written next take many checkpoints to
    // fill them again, and until then they would only hold disk space.
    s = parts_.tree->ReleaseFreeSpace();
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

bool DBImpl::RunsCallForMerge() const {
  std::shared_ptr<TreeSnapshot> tree = parts_.tree->Current();
  if (tree->runs().empty()) return false;
  const auto tree_pages = static_cast<double>(MainTreePages(*parts_.tree, *tree));
  const auto run_pages = static_cast<double>(RunPages(tree->runs()));
  const auto replaced_pages =
      static_cast<double>(ReplacedPages(tree->runs(), parts_.tree->page_size()));
  return tree->runs().size() > options_.max_sorted_runs ||
         run_pages >= options_.run_merge_ratio * tree_pages ||
         (options_.run_overwrite_ratio > 0 &&
          replaced_pages >= options_.run_overwrite_ratio * tree_pages);
}

uint64_t DBImpl::StepPages() const {
  // The store's own page size: an existing database keeps the one it was created with.
  return std::max<uint64_t>(1, options_.checkpoint_step_bytes / parts_.tree->page_size());
}

void DBImpl::PublishTree(std::shared_ptr<TreeSnapshot> tree) {
  absl::MutexLock lock(&mu_);
  auto next = std::make_shared<ReadView>(*current_);
  next->tree = std::move(tree);
  SetCurrent(std::move(next));
}

absl::Status DBImpl::CheckpointWaitingImmutable() {
  const uint64_t start_us = NowMicros();
  std::shared_ptr<MemTable> imm;
  uint64_t end_lsn;
  {
    absl::MutexLock lock(&mu_);
    imm = current_->imm;
    end_lsn = imm_end_lsn_;
  }
  if (imm == nullptr) return absl::OkStatus();
  const std::vector<TreeChange> changes = NewestVersions(*imm);
  // The checkpoint claims every record below end_lsn; the log must hold them durably first, or
  // a crash could leave the log ending before the checkpoint and new records below it.
  absl::Status s = parts_.log->WaitDurable(end_lsn);
  if (!s.ok()) return s;
  // Readers see each published tree or run under the immutable memtable, which still answers
  // for every key it holds, so what they read does not change while the checkpoint lands.
  std::shared_ptr<TreeSnapshot> tree = parts_.tree->Current();
  const uint64_t tree_bytes = MainTreePages(*parts_.tree, *tree) * parts_.tree->page_size();
  // While the tree is small next to a memtable, merging into it costs little: runs pay once
  // a merge would rewrite much more than the memtable holds.
  const bool as_run =
      options_.run_merge_ratio > 0 &&
      (!tree->runs().empty() || static_cast<double>(imm->ApproximateBytes()) <
                                    options_.run_merge_ratio * static_cast<double>(tree_bytes));
  tree.reset();
  uint64_t pages_written = 0;
  std::shared_ptr<TreeSnapshot> with_run;  // published together with the memtable's removal
  if (as_run) {
    absl::StatusOr<uint64_t> written = PublishSortedRun(*parts_.tree, changes, end_lsn);
    if (!written.ok()) return written.status();
    pages_written = *written;
    with_run = parts_.tree->Current();
  } else {
    absl::StatusOr<TreeMergeStats> merged = CheckpointInSteps(
        *parts_.tree, changes, end_lsn, StepPages(),
        [this](std::shared_ptr<TreeSnapshot> next) { PublishTree(std::move(next)); });
    if (!merged.ok()) return merged.status();
    pages_written = merged->pages_written;
  }
  {
    absl::MutexLock lock(&mu_);
    RINGKV_CHECK(current_->imm == imm);
    auto next = std::make_shared<ReadView>(*current_);
    next->imm = nullptr;
    // The run holds every key of the memtable: one view swaps one for the other.
    if (with_run != nullptr) next->tree = std::move(with_run);
    SetCurrent(std::move(next));
    ++checkpoints_done_;
  }
  s = parts_.log->DropBelow(end_lsn);
  RecordCheckpoint(NowMicros() - start_us, pages_written);
  return s;
}

void DBImpl::RecordCheckpoint(uint64_t micros, uint64_t pages_written) {
  checkpoint_count_.fetch_add(1);
  checkpoint_micros_total_.fetch_add(micros);
  checkpoint_micros_last_.store(micros);
  checkpoint_pages_written_.fetch_add(pages_written);
}

}  // namespace ringkv
