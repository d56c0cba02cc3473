// WalLog: the engine's Log interface (engine/log.h) on top of the write-ahead log, wal::Wal.
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/storage_factory.h"
#include "wal/wal.h"

namespace ringkv {
namespace {

class WalLog final : public Log {
 public:
  explicit WalLog(std::unique_ptr<wal::Wal> wal) : wal_(std::move(wal)) {}
  // The engine closes the log by destroying it: seal it first. A seal that fails loses only
  // the evidence it adds (the records before it are durable already, or the log has failed).
  ~WalLog() override { wal_->Seal().IgnoreError(); }

  absl::StatusOr<Range> Append(std::string_view record) override { return wal_->Append(record); }
  absl::Status WaitDurable(uint64_t end) override { return wal_->WaitDurable(end); }
  void WaitDurableAsync(uint64_t end, absl::AnyInvocable<void(absl::Status)> done) override {
    wal_->WaitDurableAsync(end, std::move(done));
  }
  void SetCatchUpHook(absl::AnyInvocable<void()> hook) override {
    wal_->SetCatchUpHook(std::move(hook));
  }
  absl::Status Flush() override { return wal_->Flush(); }
  uint64_t next_lsn() const override { return wal_->next_lsn(); }
  uint64_t durable_lsn() const override { return wal_->durable_lsn(); }
  absl::Status Replay(
      uint64_t from,
      absl::FunctionRef<absl::Status(uint64_t lsn, std::string_view record)> fn) override {
    return wal_->Replay(from, fn);
  }
  absl::Status DropBelow(uint64_t lsn) override { return wal_->DropBelow(lsn); }
  LogStats stats() const override {
    const wal::WalStats s = wal_->stats();
    LogStats out;
    out.bytes_appended = s.bytes_appended;
    out.records_appended = s.records_appended;
    out.durable_writes = s.durable_writes;
    out.syncs = s.syncs;
    out.max_inflight = s.max_writes_in_flight;
    out.avg_inflight =
        s.durable_writes ? static_cast<double>(s.writes_in_flight_sum) / s.durable_writes : 0;
    out.skips = s.skips;
    out.avg_group_records =
        s.durable_writes ? static_cast<double>(s.records_made_durable) / s.durable_writes : 0;
    return out;
  }

 private:
  std::unique_ptr<wal::Wal> wal_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Log>> OpenWalLog(io::IoBackend& io, const std::string& dir,
                                                const Options& options, uint64_t min_lsn) {
  wal::WalOptions wo;
  wo.segment_bytes = options.wal_segment_bytes;
  wo.max_writes_in_flight = options.wal_max_writes_in_flight;
  absl::StatusOr<std::unique_ptr<wal::Wal>> w =
      wal::Wal::Open(io, absl::StrCat(dir, "/wal"), wo, min_lsn);
  if (!w.ok()) return w.status();
  return std::unique_ptr<Log>(std::make_unique<WalLog>(std::move(*w)));
}

}  // namespace ringkv
