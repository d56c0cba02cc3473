// The Workload base's defaults (small DB options, a full scan as the state) and the default
// workload `ringkv crash` runs: puts, deletes and batches over 40 keys, some checkpoints, most
// writes sync, a third of those asynchronous with up to four unacknowledged at once.
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "ringkv/crashtest.h"

namespace ringkv::crash {
namespace {

// The history and the stamps of one run. Acknowledgements of asynchronous writes arrive on an
// I/O thread, so one mutex orders every stamp and every history update.
class RunLog {
 public:
  RunLog(absl::FunctionRef<uint64_t()> stamp, History* history)
      : stamp_(stamp), history_(history) {}

  // A checkpoint, bracketed by stamps; false once the DB has failed.
  bool Checkpoint(DB& db) {
    Stamp();
    if (!db.Checkpoint().ok()) return false;
    Stamp();
    return true;
  }

  // A write that returns when it is acknowledged; false once the DB has failed (it then refuses
  // the rest anyway).
  bool Write(DB& db, HistoryOp op, const WriteBatch& batch) {
    const bool sync = op.sync;
    const size_t index = Begin(std::move(op));
    const absl::Status s = db.Write(WriteOptions{.sync = sync}, batch);
    End(index, s.ok());
    return s.ok();
  }

  // A sync write acknowledged through a callback, once fewer than kMaxOutstanding are
  // unacknowledged.
  void WriteAsync(DB& db, HistoryOp op, WriteBatch batch) {
    WaitOutstandingBelow(kMaxOutstanding);
    size_t index;
    {
      absl::MutexLock lock(&mu_);
      op.begin = stamp_();
      index = history_->Begin(std::move(op));
      ++outstanding_;
    }
    // The callback may run right here (a failed DB) or on an I/O completion thread.
    db.WriteAsync(WriteOptions{.sync = true}, std::move(batch), [this, index](absl::Status s) {
      absl::MutexLock lock(&mu_);
      history_->End(index, stamp_(), s.ok());
      --outstanding_;
      drained_.SignalAll();
    });
  }

  // Every acknowledgement is in the history before the DB closes.
  void WaitForAll() { WaitOutstandingBelow(1); }

 private:
  // Several writes in flight in the WAL may land in any order: the riskiest case for recovery.
  static constexpr int kMaxOutstanding = 4;

  void Stamp() {
    absl::MutexLock lock(&mu_);
    stamp_();
  }
  size_t Begin(HistoryOp op) {
    absl::MutexLock lock(&mu_);
    op.begin = stamp_();
    return history_->Begin(std::move(op));
  }
  void End(size_t index, bool ok) {
    absl::MutexLock lock(&mu_);
    history_->End(index, stamp_(), ok);
  }
  void WaitOutstandingBelow(int limit) {
    absl::MutexLock lock(&mu_);
    while (outstanding_ >= limit) drained_.Wait(&mu_);
  }

  absl::FunctionRef<uint64_t()> stamp_;
  History* history_;
  absl::Mutex mu_;
  absl::CondVar drained_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
};

class DefaultWorkload final : public Workload {
 public:
  DefaultWorkload(uint64_t seed, size_t ops) : seed_(seed), ops_(ops) {}

  absl::Status Run(DB& db, absl::FunctionRef<uint64_t()> stamp, History* history) override {
    std::mt19937_64 rng(seed_);
    RunLog log(stamp, history);
    for (size_t i = 0; i < ops_; ++i) {
      const uint64_t r = rng() % 100;
      if (r < 8) {
        if (!log.Checkpoint(db)) break;  // the DB failed: the history so far is checked
        continue;
      }
      WriteBatch batch;
      HistoryOp op = DrawWrite(rng, r, i, &batch);
      op.sync = rng() % 5 != 0;
      if (op.sync && rng() % 3 == 0) {
        log.WriteAsync(db, std::move(op), std::move(batch));
      } else if (!log.Write(db, std::move(op), batch)) {
        break;
      }
    }
    log.WaitForAll();
    return absl::OkStatus();
  }

 private:
  // Write number `i` for the draw `r` (8..99): a put, a delete or a batch of 2-5 of them,
  // also added to `batch`.
  static HistoryOp DrawWrite(std::mt19937_64& rng, uint64_t r, size_t i, WriteBatch* batch) {
    auto key = [&] { return absl::StrCat("key", rng() % 40); };
    auto value = [&](size_t n) {
      // Mostly small values, now and then one that spans several WAL blocks.
      const size_t len = rng() % 10 == 0 ? 1000 + rng() % 9000 : 1 + rng() % 120;
      return absl::StrCat("v", n, "-", std::string(len, static_cast<char>('a' + n % 26)));
    };
    HistoryOp op;
    if (r < 60) {
      HistoryEntry e{false, key(), value(i)};
      batch->Put(e.key, e.value);
      op.entries.push_back(std::move(e));
    } else if (r < 75) {
      HistoryEntry e{true, key(), ""};
      batch->Delete(e.key);
      op.entries.push_back(std::move(e));
    } else {
      const int n = 2 + static_cast<int>(rng() % 4);
      for (int k = 0; k < n; ++k) {
        HistoryEntry e{rng() % 4 == 0, key(), ""};
        if (e.deleted) {
          batch->Delete(e.key);
        } else {
          e.value = value(i * 10 + k);
          batch->Put(e.key, e.value);
        }
        op.entries.push_back(std::move(e));
      }
    }
    return op;
  }

  uint64_t seed_;
  size_t ops_;
};

}  // namespace

Options Workload::DbOptions() const {
  Options o;
  o.memtable_bytes = 64 << 10;
  o.wal_segment_bytes = 64 << 10;
  o.page_size = 4096;
  // Not the default (1), but the WAL's riskiest mode: writes in flight together may land in
  // any order, and recovery must still keep only a prefix.
  o.wal_max_writes_in_flight = 4;
  // One-page checkpoint steps: every checkpoint of more than a few pages publishes the tree
  // several times, so crash points fall between and inside the steps.
  o.checkpoint_step_bytes = 4096;
  // Sorted runs from the first checkpoints on, merged whenever there are more than two: crash
  // points fall inside run writes, inside merge batches and at the merge's final publication.
  o.run_merge_ratio = 4;
  o.max_sorted_runs = 2;
  return o;
}

absl::StatusOr<KvState> Workload::ReadState(DB& db) {
  KvState state;
  std::unique_ptr<Iterator> it = db.NewIterator({});
  for (it->SeekToFirst(); it->Valid(); it->Next()) state.emplace(it->key(), it->value());
  if (!it->status().ok()) return it->status();
  return state;
}

std::unique_ptr<Workload> MakeDefaultWorkload(uint64_t seed, size_t ops) {
  return std::make_unique<DefaultWorkload>(seed, ops);
}

}  // namespace ringkv::crash
