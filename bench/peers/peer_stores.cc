// The peers, each behind its own RINGKV_HAVE_* switch (set by meson when its package exists).
// Each is made durable its own documented way: RocksDB and LevelDB WriteOptions::sync; LMDB's
// default synchronous commits (MDB_NOSYNC toggled on for sync=false); SQLite in WAL mode with
// synchronous=FULL (NORMAL for sync=false).
#include <sys/stat.h>

#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "bench/peers/kv_store.h"

#ifdef RINGKV_HAVE_ROCKSDB
#include <rocksdb/db.h>
#endif
#ifdef RINGKV_HAVE_LEVELDB
#include <leveldb/db.h>
#endif
#ifdef RINGKV_HAVE_LMDB
#include <lmdb.h>
#endif
#ifdef RINGKV_HAVE_SQLITE
#include <sqlite3.h>
#endif

namespace ringkv::bench {

absl::StatusOr<std::unique_ptr<KvStore>> OpenRingkv(const std::string& dir,
                                                    const StoreOptions& options);

namespace {

#ifdef RINGKV_HAVE_ROCKSDB
class RocksStore final : public KvStore {
 public:
  static absl::StatusOr<std::unique_ptr<KvStore>> Open(const std::string& dir) {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(o, dir, &db);
    if (!s.ok()) return absl::InternalError(absl::StrCat("rocksdb: ", s.ToString()));
    return std::unique_ptr<KvStore>(new RocksStore(db));
  }
  std::string name() const override { return "rocksdb"; }
  absl::Status Put(std::string_view k, std::string_view v, bool sync) override {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    rocksdb::Status s = db_->Put(wo, rocksdb::Slice(k.data(), k.size()), rocksdb::Slice(v.data(), v.size()));
    return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
  }
  absl::StatusOr<std::string> Get(std::string_view k) override {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(k.data(), k.size()), &v);
    if (s.IsNotFound()) return absl::NotFoundError("not found");
    if (!s.ok()) return absl::InternalError(s.ToString());
    return v;
  }
  absl::StatusOr<size_t> Scan(std::string_view start, size_t n) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    size_t got = 0;
    for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid() && got < n; it->Next()) ++got;
    return got;
  }
  absl::StatusOr<bool> BackgroundWorkRunning() override {
    uint64_t flushes = 0, compactions = 0;
    if (!db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningFlushes, &flushes) ||
        !db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &compactions)) {
      return absl::InternalError("rocksdb: no num-running-flushes/compactions property");
    }
    return flushes + compactions > 0;
  }
  std::string BackgroundWorkName() const override { return "a flush or compaction"; }
  absl::Status Close() override {
    rocksdb::Status s = db_->Close();
    db_.reset();
    return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
  }

 private:
  explicit RocksStore(rocksdb::DB* db) : db_(db) {}
  std::unique_ptr<rocksdb::DB> db_;
};
#endif

#ifdef RINGKV_HAVE_LEVELDB
class LevelStore final : public KvStore {
 public:
  static absl::StatusOr<std::unique_ptr<KvStore>> Open(const std::string& dir) {
    leveldb::Options o;
    o.create_if_missing = true;
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(o, dir, &db);
    if (!s.ok()) return absl::InternalError(absl::StrCat("leveldb: ", s.ToString()));
    return std::unique_ptr<KvStore>(new LevelStore(db));
  }
  std::string name() const override { return "leveldb"; }
  absl::Status Put(std::string_view k, std::string_view v, bool sync) override {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    leveldb::Status s = db_->Put(wo, leveldb::Slice(k.data(), k.size()), leveldb::Slice(v.data(), v.size()));
    return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
  }
  absl::StatusOr<std::string> Get(std::string_view k) override {
    std::string v;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), leveldb::Slice(k.data(), k.size()), &v);
    if (s.IsNotFound()) return absl::NotFoundError("not found");
    if (!s.ok()) return absl::InternalError(s.ToString());
    return v;
  }
  absl::StatusOr<size_t> Scan(std::string_view start, size_t n) override {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    size_t got = 0;
    for (it->Seek(leveldb::Slice(start.data(), start.size())); it->Valid() && got < n; it->Next()) ++got;
    return got;
  }
  absl::Status Close() override {
    db_.reset();
    return absl::OkStatus();
  }

 private:
  explicit LevelStore(leveldb::DB* db) : db_(db) {}
  std::unique_ptr<leveldb::DB> db_;
};
#endif

#ifdef RINGKV_HAVE_LMDB
class LmdbStore final : public KvStore {
 public:
  static absl::StatusOr<std::unique_ptr<KvStore>> Open(const std::string& dir) {
    ::mkdir(dir.c_str(), 0755);
    MDB_env* env = nullptr;
    int rc = mdb_env_create(&env);
    if (rc == 0) rc = mdb_env_set_mapsize(env, size_t{16} << 30);
    if (rc == 0) rc = mdb_env_set_maxreaders(env, 256);
    if (rc == 0) rc = mdb_env_open(env, dir.c_str(), MDB_NORDAHEAD, 0644);
    MDB_txn* txn = nullptr;
    MDB_dbi dbi = 0;
    if (rc == 0) rc = mdb_txn_begin(env, nullptr, 0, &txn);
    if (rc == 0) rc = mdb_dbi_open(txn, nullptr, 0, &dbi);
    if (rc == 0) rc = mdb_txn_commit(txn);
    if (rc != 0) return absl::InternalError(absl::StrCat("lmdb: ", mdb_strerror(rc)));
    return std::unique_ptr<KvStore>(new LmdbStore(env, dbi));
  }
  std::string name() const override { return "lmdb"; }
  absl::Status Put(std::string_view k, std::string_view v, bool sync) override {
    // One write transaction at a time (LMDB's rule); each commit syncs unless NOSYNC. MDB_NOSYNC
    // is the environment's, so the lock spans the commit: a sync put beside a non-sync one (the
    // scale workload's stall phase) must not commit under the other's flag.
    std::lock_guard<std::mutex> lock(write_mu_);
    if (sync == nosync_) {
      mdb_env_set_flags(env_, MDB_NOSYNC, sync ? 0 : 1);
      nosync_ = !sync;
    }
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    MDB_val key{k.size(), const_cast<char*>(k.data())};
    MDB_val val{v.size(), const_cast<char*>(v.data())};
    if (rc == 0) rc = mdb_put(txn, dbi_, &key, &val, 0);
    if (rc == 0) {
      rc = mdb_txn_commit(txn);
    } else if (txn != nullptr) {
      mdb_txn_abort(txn);
    }
    return rc == 0 ? absl::OkStatus() : absl::InternalError(mdb_strerror(rc));
  }
  absl::StatusOr<std::string> Get(std::string_view k) override {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) return absl::InternalError(mdb_strerror(rc));
    MDB_val key{k.size(), const_cast<char*>(k.data())};
    MDB_val val;
    rc = mdb_get(txn, dbi_, &key, &val);
    std::string out;
    if (rc == 0) out.assign(static_cast<const char*>(val.mv_data), val.mv_size);
    mdb_txn_abort(txn);
    if (rc == MDB_NOTFOUND) return absl::NotFoundError("not found");
    if (rc != 0) return absl::InternalError(mdb_strerror(rc));
    return out;
  }
  absl::StatusOr<size_t> Scan(std::string_view start, size_t n) override {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) return absl::InternalError(mdb_strerror(rc));
    MDB_cursor* cur = nullptr;
    mdb_cursor_open(txn, dbi_, &cur);
    MDB_val key{start.size(), const_cast<char*>(start.data())};
    MDB_val val;
    size_t got = 0;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0 && got < n;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
      ++got;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return got;
  }
  absl::Status Close() override {
    if (env_ != nullptr) {
      mdb_env_sync(env_, 1);
      mdb_env_close(env_);
      env_ = nullptr;
    }
    return absl::OkStatus();
  }
  ~LmdbStore() override { Close().IgnoreError(); }

 private:
  LmdbStore(MDB_env* env, MDB_dbi dbi) : env_(env), dbi_(dbi) {}
  MDB_env* env_;
  MDB_dbi dbi_;
  std::mutex write_mu_;
  bool nosync_ = false;  // guarded by write_mu_
};
#endif

#ifdef RINGKV_HAVE_SQLITE
class SqliteStore final : public KvStore {
 public:
  static absl::StatusOr<std::unique_ptr<KvStore>> Open(const std::string& dir) {
    ::mkdir(dir.c_str(), 0755);
    auto store = std::unique_ptr<SqliteStore>(new SqliteStore());
    const std::string file = dir + "/db.sqlite";
    if (sqlite3_open_v2(file.c_str(), &store->db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      return absl::InternalError(absl::StrCat("sqlite: cannot open ", file));
    }
    absl::Status s = store->Exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID;");
    if (!s.ok()) return s;
    return std::unique_ptr<KvStore>(std::move(store));
  }
  std::string name() const override { return "sqlite"; }
  absl::Status Put(std::string_view k, std::string_view v, bool sync) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (sync != synchronous_) {
      absl::Status s = Exec(sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      if (!s.ok()) return s;
      synchronous_ = sync;
    }
    sqlite3_stmt* st = Prepared(&put_, "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
    sqlite3_bind_blob(st, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? absl::OkStatus() : absl::InternalError(sqlite3_errmsg(db_));
  }
  absl::StatusOr<std::string> Get(std::string_view k) override {
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3_stmt* st = Prepared(&get_, "SELECT v FROM kv WHERE k = ?");
    sqlite3_bind_blob(st, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(st);
    std::string out;
    if (rc == SQLITE_ROW) {
      out.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)), sqlite3_column_bytes(st, 0));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return absl::NotFoundError("not found");
    if (rc != SQLITE_ROW) return absl::InternalError(sqlite3_errmsg(db_));
    return out;
  }
  absl::StatusOr<size_t> Scan(std::string_view start, size_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3_stmt* st = Prepared(&scan_, "SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?");
    sqlite3_bind_blob(st, 1, start.data(), static_cast<int>(start.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(n));
    size_t got = 0;
    while (sqlite3_step(st) == SQLITE_ROW) ++got;
    sqlite3_reset(st);
    return got;
  }
  absl::Status Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    for (sqlite3_stmt** st : {&put_, &get_, &scan_}) {
      if (*st != nullptr) sqlite3_finalize(*st);
      *st = nullptr;
    }
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
    return absl::OkStatus();
  }
  ~SqliteStore() override { Close().IgnoreError(); }

 private:
  SqliteStore() = default;
  absl::Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      absl::Status s = absl::InternalError(absl::StrCat("sqlite: ", err ? err : "error"));
      sqlite3_free(err);
      return s;
    }
    return absl::OkStatus();
  }
  sqlite3_stmt* Prepared(sqlite3_stmt** slot, const char* sql) {
    if (*slot == nullptr) sqlite3_prepare_v2(db_, sql, -1, slot, nullptr);
    return *slot;
  }
  std::mutex mu_;  // one connection: serialize (FULLMUTEX would too, but statements are shared)
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* scan_ = nullptr;
  bool synchronous_ = true;
};
#endif

}  // namespace

std::vector<PeerInfo> KnownStores() {
  return {
      {"ringkv", true},
#ifdef RINGKV_HAVE_ROCKSDB
      {"rocksdb", true},
#else
      {"rocksdb", false},
#endif
#ifdef RINGKV_HAVE_LEVELDB
      {"leveldb", true},
#else
      {"leveldb", false},
#endif
#ifdef RINGKV_HAVE_LMDB
      {"lmdb", true},
#else
      {"lmdb", false},
#endif
#ifdef RINGKV_HAVE_SQLITE
      {"sqlite", true},
#else
      {"sqlite", false},
#endif
  };
}

absl::StatusOr<std::unique_ptr<KvStore>> OpenStore(const std::string& name, const std::string& dir,
                                                   const StoreOptions& options) {
  if (name == "ringkv") return OpenRingkv(dir, options);
#ifdef RINGKV_HAVE_ROCKSDB
  if (name == "rocksdb") return RocksStore::Open(dir);
#endif
#ifdef RINGKV_HAVE_LEVELDB
  if (name == "leveldb") return LevelStore::Open(dir);
#endif
#ifdef RINGKV_HAVE_LMDB
  if (name == "lmdb") return LmdbStore::Open(dir);
#endif
#ifdef RINGKV_HAVE_SQLITE
  if (name == "sqlite") return SqliteStore::Open(dir);
#endif
  return absl::NotFoundError(absl::StrCat(
      "store '", name, "' is not built in (install its Debian -dev package: scripts/setup.sh "
      "--peers, then rebuild)"));
}

}  // namespace ringkv::bench
