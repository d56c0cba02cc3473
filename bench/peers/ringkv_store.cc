#include "bench/peers/kv_store.h"
#include "ringkv/db.h"
#include "absl/strings/str_cat.h"

namespace ringkv::bench {

class RingkvStore final : public KvStore {
 public:
  explicit RingkvStore(std::unique_ptr<DB> db) : db_(std::move(db)) {}
  std::string name() const override { return "ringkv"; }
  absl::Status Put(std::string_view key, std::string_view value, bool sync) override {
    WriteOptions wo;
    wo.sync = sync;
    return db_->Put(wo, key, value);
  }
  absl::StatusOr<std::string> Get(std::string_view key) override { return db_->Get({}, key); }
  absl::StatusOr<size_t> Scan(std::string_view start, size_t n) override {
    std::unique_ptr<Iterator> it = db_->NewIterator({});
    size_t got = 0;
    for (it->Seek(start); it->Valid() && got < n; it->Next()) ++got;
    if (!it->status().ok()) return it->status();
    return got;
  }
  absl::Status Close() override { return db_->Close(); }
  absl::Status Checkpoint() override { return db_->Checkpoint(); }
  absl::StatusOr<std::string> Statistics() override { return db_->GetProperty("ringkv.stats"); }
  // A checkpoint: writing the immutable memtable (into the tree, or as a sorted run) and any
  // merge of the runs into the tree it goes on to.
  absl::StatusOr<bool> BackgroundWorkRunning() override {
    absl::StatusOr<std::string> running = db_->GetProperty("ringkv.checkpoint.running");
    if (!running.ok()) return running.status();
    return *running != "0";
  }
  std::string BackgroundWorkName() const override { return "a checkpoint"; }
  DB* db() { return db_.get(); }

 private:
  std::unique_ptr<DB> db_;
};

absl::StatusOr<std::unique_ptr<KvStore>> OpenRingkv(const std::string& dir,
                                                    const StoreOptions& store_options) {
  Options options;
  if (store_options.ringkv_memtable_bytes > 0) {
    options.memtable_bytes = store_options.ringkv_memtable_bytes;
  }
  if (store_options.ringkv_run_merge_ratio >= 0) {
    options.run_merge_ratio = store_options.ringkv_run_merge_ratio;
  }
  if (store_options.ringkv_run_overwrite_ratio >= 0) {
    options.run_overwrite_ratio = store_options.ringkv_run_overwrite_ratio;
  }
  auto db = DB::Open(options, dir);
  if (!db.ok()) return db.status();
  return std::unique_ptr<KvStore>(new RingkvStore(std::move(*db)));
}

}  // namespace ringkv::bench
