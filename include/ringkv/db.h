// ringkv's public API: an embedded, durable, ordered key-value store. Open a DB on a directory;
// Put/Delete/Write change it atomically and (by default) durably; Get and Iterator read it,
// optionally at a Snapshot. Thread-safe: any number of threads may use one DB.
//
// Lifetime: delete every Iterator and release every Snapshot before Close() or deleting the DB.
// They read the DB's memory and files, which Close frees; one still alive at Close stops the
// program with a message naming what is left (a programming error, like LevelDB's).
//
//   auto db = ringkv::DB::Open(ringkv::Options(), "/var/lib/app/db");
//   if (!db.ok()) ...;
//   absl::Status s = (*db)->Put({}, "key", "value");
//   absl::StatusOr<std::string> v = (*db)->Get({}, "key");  // NotFound is a status
#ifndef RINGKV_DB_H_
#define RINGKV_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ringkv/options.h"
#include "ringkv/write_batch.h"

namespace ringkv {

// A consistent point-in-time view; from DB::GetSnapshot, released with DB::ReleaseSnapshot
// (exactly once, before the DB is closed or deleted). While it lives, the state it names stays
// readable (its memtables and tree pages are kept). Usable from any thread.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  // The newest write it sees: later writes have greater sequence numbers.
  virtual uint64_t sequence() const = 0;
};

// An ordered cursor over keys. Sees one consistent state for its whole life (the snapshot it
// was created at, or the state when it was created). Not thread-safe: one thread at a time.
// Delete it before the DB is closed or deleted; it keeps what it reads alive until then (a
// long-lived iterator holds memtables and pages that a checkpoint would otherwise free).
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual void Seek(std::string_view target) = 0;        // first key >= target
  virtual void SeekForPrev(std::string_view target) = 0;  // last key <= target
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // Valid() must be true; the views last until the iterator moves.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Not OK if the iterator stopped on an error (a corrupt page, say) rather than the end.
  virtual absl::Status status() const = 0;
};

class DB {
 public:
  // Opens (creating it if options.create_if_missing) the database in directory `path`, and
  // recovers it: loads the last checkpoint and replays the log after it. One process at a time:
  // a second Open of the same path fails with FailedPrecondition naming the LOCK file.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const Options& options, std::string_view path);

  // Closes the DB (see Close). Every iterator and snapshot must be gone by then.
  virtual ~DB() = default;

  // Sets `key` to `value`. With options.sync (the default) it returns OK only once the write is
  // durable; without, once it is in the log buffer. Readers see it once it returns (a sync
  // write possibly a little sooner, once its group is durable). Errors: InvalidArgument for a
  // key or value over the limits (ringkv/size_limits.h); FailedPrecondition after Close; after a
  // failed log write every write fails with that cause (the DB is then read-only until reopened).
  virtual absl::Status Put(const WriteOptions& options, std::string_view key,
                           std::string_view value) = 0;
  // Removes `key` (no error if it is absent); durability and errors as for Put.
  virtual absl::Status Delete(const WriteOptions& options, std::string_view key) = 0;
  // Applies every Put and Delete of `batch`, in order, as one write: all of it or none of it,
  // even across a crash, and readers never see part of it. Durability and errors as for Put.
  // `batch` may be reused or destroyed once this returns.
  virtual absl::Status Write(const WriteOptions& options, const WriteBatch& batch) = 0;
  // Returns at once; `done` runs when the write is applied (and durable, if options.sync) or
  // failed — on a ringkv I/O thread or, if the write completes at once, on the caller's thread.
  // `done` must be short and must not wait for another write.
  virtual void WriteAsync(const WriteOptions& options, WriteBatch batch,
                          absl::AnyInvocable<void(absl::Status)> done) = 0;

  // The value of `key` as of options.snapshot (or now), or NotFound. Every byte returned has
  // passed its checksum: a damaged page gives DataLoss naming the file and offset.
  // FailedPrecondition after Close.
  virtual absl::StatusOr<std::string> Get(const ReadOptions& options, std::string_view key) = 0;
  // `done` runs on a ringkv worker thread with the value or the error. Reads queued when
  // Close() is called are answered before it returns; after Close, `done` never runs.
  virtual void GetAsync(const ReadOptions& options, std::string key,
                        absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) = 0;
  // An iterator over the state as of options.snapshot (or now), within options' bounds; it
  // starts unpositioned (call a Seek). Delete it before Close() or deleting the DB. After
  // Close it is never valid and its status() is FailedPrecondition.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;

  // The current state, readable through ReadOptions::snapshot until ReleaseSnapshot. Release
  // it before Close() or deleting the DB.
  virtual const Snapshot* GetSnapshot() = 0;
  // `snapshot` came from this DB's GetSnapshot and was not released yet; it is invalid after.
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Makes every write so far durable (for writes made with sync=false).
  virtual absl::Status Flush() = 0;
  // Writes the memtable into the page store and publishes it; the log before it is dropped.
  virtual absl::Status Checkpoint() = 0;
  // Flushes, stops background work (a pending checkpoint finishes first; a memtable holding
  // over a quarter of Options::memtable_bytes is checkpointed too, so the next Open replays at
  // most that much of the log; a merge of sorted runs stops between batches), frees the
  // memtables and page store and releases the lock. Every iterator and snapshot must be gone.
  // A second call returns at once (with the DB's failure, if it failed); every other call
  // then fails with FailedPrecondition (GetAsync's `done` never runs). The destructor calls it.
  virtual absl::Status Close() = 0;

  // Checks the whole database: every page checksum, the key order of the tree, the free list.
  // OK with a one-line summary, or DataLoss naming the file, page and offset of the first fault.
  virtual absl::StatusOr<std::string> VerifyIntegrity() = 0;

  // Statistics as text ("ringkv.stats": everything; or one figure by name, e.g.
  // "ringkv.wal.bytes"); NotFound for an unknown name.
  virtual absl::StatusOr<std::string> GetProperty(std::string_view name) = 0;
};

}  // namespace ringkv

#endif  // RINGKV_DB_H_
