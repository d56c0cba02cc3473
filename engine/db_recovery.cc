#include "engine/db_impl.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"

namespace ringkv {

absl::StatusOr<std::unique_ptr<DB>> DBImpl::Start(const Options& options, std::string path,
                                                  DBParts parts) {
  std::unique_ptr<DBImpl> db(new DBImpl(options, std::move(path), std::move(parts)));
  absl::Status s = db->Recover();
  if (!s.ok()) return s;
  // While a log write is in flight, the log lends this thread time: it inserts what was
  // appended so far (mostly the records of that write), so the writers woken once it is
  // durable find their entries in. One whose entries are not in yet inserts them itself
  // (Write -> MakeVisible).
  db->parts_.log->SetCatchUpHook([p = db.get()] { p->InsertPending(); });
  db->checkpoint_thread_ = std::thread([p = db.get()] {
    (void)p->checkpoint_priority_.Start();
    p->CheckpointLoop();
    p->checkpoint_priority_.Stop();
  });
  db->get_async_thread_.Start();
  return std::unique_ptr<DB>(std::move(db));
}

absl::Status DBImpl::Recover() {
  auto view = std::make_shared<ReadView>();
  view->mem = std::make_shared<MemTable>(options_.memtable_bytes);
  view->tree = parts_.tree->Current();
  const uint64_t from = view->tree->checkpoint_lsn();
  uint64_t last_seq = 0;
  // Everything replayed goes into one fresh memtable, no reader sees it yet: built in one
  // sorted pass, not searched into entry by entry.
  MemTable::BulkLoad load(view->mem.get());
  absl::Status s = parts_.log->Replay(from, [&](uint64_t lsn, std::string_view record) {
    WriteBatch batch = WriteBatch::FromRep(std::string(record));
    uint64_t seq = FirstSequence(lsn);
    absl::Status it = batch.Iterate([&](EntryType type, std::string_view k, std::string_view v) {
      load.Add(seq++, type, k, v);
    });
    if (!it.ok()) {
      return absl::DataLossError(absl::StrCat("log record at LSN ", lsn, " in ", path_,
                                              "/wal passed its checksum but is not a write "
                                              "batch: ", it.message()));
    }
    last_seq = seq - 1;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  load.Finish();
  last_sequence_.store(last_seq);
  {
    absl::MutexLock lock(&pending_mu_);
    pending_mem_ = view->mem;
  }
  absl::MutexLock lock(&mu_);
  SetCurrent(std::move(view));
  return absl::OkStatus();
}

}  // namespace ringkv
