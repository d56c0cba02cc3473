// PageStore is the copy-on-write page file with its MANIFEST: readers pin a published version
// and read its pages through a shared read-only mmap (default; each page checksummed before
// its first use) or through the ring into a bounded, checksum-verified cache; one checkpoint at a time stages new page versions, writes
// them in batches, fsyncs, and publishes a new manifest. Freed pages are reused only once the
// manifest that dropped them is durable and no pinned version can reach them.
#ifndef RINGKV_PAGESTORE_PAGE_STORE_H_
#define RINGKV_PAGESTORE_PAGE_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "pagestore/manifest.h"
#include "pagestore/page_cache.h"
#include "pagestore/page_mapping.h"
#include "pagestore/verified_pages.h"
#include "uring/io_backend.h"

namespace ringkv::pagestore {

struct PageStoreOptions {
  uint32_t page_size = 4096;        // of a new store
  uint32_t expected_page_size = 0;  // if set, an existing store of another size is an error
  bool use_mmap = true;             // else (or if mmap fails) reads go through the ring
  size_t cache_bytes = 64u << 20;   // page cache of the pread path
  uint64_t max_file_bytes = 1ull << 36;  // address space reserved for the mapping (64 GiB)
  // Memory the process may fill, page cache included; the mapping stops reading ahead once the
  // page file outgrows half of it (pagestore/memory_limit.h). 0: ProcessMemoryLimitBytes().
  uint64_t memory_limit_bytes = 0;
};

struct PageView {
  const uint8_t* payload = nullptr;  // the bytes after the page header
  size_t size = 0;
  std::shared_ptr<const void> pin;  // holds a cached copy alive (pread path)
};

// Receives the views of a batch read, in the order the ids were given, or the first error.
using PagesCallback = absl::AnyInvocable<void(absl::StatusOr<std::vector<PageView>>)>;

struct PageStoreStats {
  uint64_t page_count = 0;
  uint64_t free_pages = 0;
  uint64_t pages_written = 0;
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  bool mmap = false;
  bool mapping_reads_ahead = false;  // mapped, and faults read around the faulted page
};

class PageStore {
 public:
  // The pages of one published manifest (root, page count, checkpoint LSN), pinned while this
  // object lives: none of them is reused until it is gone.
  class PinnedPages {
   public:
    ~PinnedPages();
    uint64_t root() const { return m_.root; }
    uint64_t checkpoint_lsn() const { return m_.checkpoint_lsn; }
    uint64_t generation() const { return m_.generation; }
    uint64_t page_count() const { return m_.page_count; }
    const std::string& catalog() const { return m_.catalog; }
    // DataLoss if `id` is outside this version or the page fails its checks.
    absl::StatusOr<PageView> Read(uint64_t id) const;
    // Many pages in one round trip: on the pread path every page not in the cache is read by
    // one unlinked batch of ring reads (all in flight at once), checksummed and cached; on the
    // mmap path the views are immediate. DataLoss naming the page id and file offset of the
    // first page (in `ids` order) that is outside this version, unreadable or corrupt.
    absl::StatusOr<std::vector<PageView>> ReadPages(absl::Span<const uint64_t> ids) const;
    // The same without waiting: `done` runs exactly once, on a ring thread (see IoBackend's
    // Callback rules: short, no waiting on this store's I/O) or, if nothing had to be read,
    // on this thread before ReadPagesAsync returns. The caller keeps this PinnedPages alive until
    // `done` has run (its pin keeps the pages from being reused while they are read).
    void ReadPagesAsync(absl::Span<const uint64_t> ids, PagesCallback done) const;

   private:
    friend class PageStore;
    PinnedPages(PageStore* store, Manifest m) : store_(store), m_(std::move(m)) {}
    PageStore* store_;
    Manifest m_;
  };

  // Opens the store in `dir` (page file `pages.db` + MANIFEST), creating an empty one if there
  // is no MANIFEST. Before mapping anything it checks that the page file holds every page the
  // MANIFEST lists: a missing or truncated file is DataLoss naming it, never a SIGBUS later.
  static absl::StatusOr<std::unique_ptr<PageStore>> Open(io::IoBackend& io, std::string dir,
                                                         const PageStoreOptions& options);
  ~PageStore();

  std::shared_ptr<PinnedPages> Current();
  uint32_t page_size() const { return page_size_; }
  uint32_t payload_size() const;
  // True when reads go through the mapping (else through the ring and the cache).
  bool mapped() const { return map_ != nullptr; }

  // One checkpoint at a time: Allocate/Stage/Free, then Commit or Abort. Stage only pages this
  // checkpoint allocated; Free pages of the published version.
  absl::StatusOr<uint64_t> Allocate();
  absl::Status Stage(uint64_t id, uint8_t type, absl::Span<const uint8_t> payload);
  void Free(uint64_t id);
  // Writes the staged pages (batched through the ring), fsyncs the page file, publishes the
  // manifest; then Current() is the new version. `checkpoint_lsn` is at least the published
  // one's. DataLoss, with the checkpoint aborted and nothing published, if its frees show a
  // damaged tree: a page freed twice, freed while free (or reused by this checkpoint), or
  // beyond the file.
  absl::Status Commit(uint64_t root, uint64_t checkpoint_lsn, std::string catalog = {});
  void Abort();

  // Gives the filesystem back the blocks of the free pages that are reusable now (punches holes,
  // the file keeps its size), so they take no disk space until a checkpoint reuses them; those
  // are reused last. Only between checkpoints, on the checkpointing thread. A filesystem that
  // cannot punch holes keeps them (OK); any other failure of the fallocate is returned.
  absl::Status ReleaseFreeSpace();

  // Reads every page the published version uses (pinned meanwhile) and checks it; DataLoss
  // naming the first bad page and offset.
  absl::Status Verify();
  PageStoreStats stats() const;

 private:
  struct BatchRead;
  // Checkpoint writes go through registered buffers: kWriteBuffers of kWriteChunkBytes, so one
  // batch of writes carries up to kWriteBuffers runs of consecutive pages.
  static constexpr size_t kWriteChunkBytes = 256u << 10;
  static constexpr size_t kWriteBuffers = 8;

  PageStore(io::IoBackend& io, std::string dir, const PageStoreOptions& options);
  absl::Status Init();
  // page_store_read.cc: one page, from the mapping, the cache or the disk.
  absl::StatusOr<PageView> ReadPage(uint64_t id) const;
  PageView MappedView(uint64_t id) const;
  PageView CachedView(PageCache::Page page) const;
  absl::StatusOr<std::string> ReadFromDisk(uint64_t id) const;
  absl::Status CheckPage(uint64_t id, const uint8_t* page) const;
  // The mapped path's check: the page's checksum on its first read after open (or after its
  // slot was rewritten), one bit test after that.
  absl::Status VerifyMapped(uint64_t id) const;
  // page_store.cc: before anything is mapped, the page file must hold every page the manifest
  // lists (a mapping of a shorter file would fault with SIGBUS, not fail).
  absl::Status CheckPageFileSize(const Manifest& m);
  // page_store_batch_read.cc: Prepare fills what the mapping or the cache has and builds the
  // read chains for the rest; Finish checks and caches what the chains read and delivers the
  // views.
  std::shared_ptr<BatchRead> PrepareBatch(absl::Span<const uint64_t> ids) const;
  absl::StatusOr<std::vector<PageView>> FinishBatch(BatchRead& batch) const;
  void SubmitBatchAsync(std::shared_ptr<BatchRead> batch, PagesCallback done) const;
  // page_store.cc: pins of published versions.
  std::shared_ptr<PinnedPages> PinLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unpin(uint64_t generation);
  void ReleaseUnpinnedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Turns the mapping's readahead off once the published file outgrows the memory limit
  // (checked where versions are pinned, so growth by checkpoints is seen). Never back on: a
  // file rarely shrinks, and flapping would cost a madvise per pin.
  void AdviseMappingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // page_store_checkpoint.cc.
  void AbortLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The manifest this checkpoint would publish, and whether the tree's frees are consistent
  // (DataLoss naming the page: freed twice, freed while free, or reused and freed).
  Manifest NextManifestLocked(uint64_t root, uint64_t checkpoint_lsn, std::string catalog) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckNextManifestLocked(const Manifest& next) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the staged pages (growing the file first if they lie beyond it) and forgets them;
  // with `sync`, then fdatasyncs the page file.
  absl::Status WriteStaged(bool sync);

  io::IoBackend& io_;
  const std::string dir_;
  const std::string path_;
  const PageStoreOptions options_;
  uint32_t page_size_ = 0;
  io::FileSlot read_file_;
  io::FileSlot write_file_;
  std::unique_ptr<PageMapping> map_;  // null on the pread path
  uint64_t memory_limit_bytes_ = 0;   // options_.memory_limit_bytes, or what open found
  std::unique_ptr<VerifiedPages> verified_;  // of the mapped path
  std::unique_ptr<PageCache> cache_;  // of the pread path
  std::unique_ptr<io::BufferPool> write_pool_;

  mutable absl::Mutex mu_;
  Manifest published_ ABSL_GUARDED_BY(mu_);
  uint64_t file_pages_ ABSL_GUARDED_BY(mu_) = 0;  // pages the file has room for
  std::vector<uint64_t> free_ ABSL_GUARDED_BY(mu_);  // reusable now
  std::vector<uint64_t> holes_ ABSL_GUARDED_BY(mu_);  // reusable now, their blocks given back
  bool holes_unsupported_ = false;  // the filesystem refused to punch one (checkpoint thread)
  // Pages dropped by the checkpoint that left generation g: reusable once nothing <= g is pinned.
  std::map<uint64_t, std::vector<uint64_t>> pending_free_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, int> pins_ ABSL_GUARDED_BY(mu_);  // generation -> pinned versions
  // The checkpoint being built.
  std::map<uint64_t, std::string> staged_ ABSL_GUARDED_BY(mu_);  // id -> whole page
  std::vector<uint64_t> staged_free_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> taken_from_free_ ABSL_GUARDED_BY(mu_);  // in allocation order
  absl::flat_hash_set<uint64_t> reused_ ABSL_GUARDED_BY(mu_);    // the same, to look up
  absl::Status checkpoint_error_ ABSL_GUARDED_BY(mu_);  // the first damage Free saw
  uint64_t next_page_count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t pages_written_ ABSL_GUARDED_BY(mu_) = 0;
  bool mapping_reads_ahead_ ABSL_GUARDED_BY(mu_) = true;
  // Bytes of staged pages written since the page file's last fdatasync (checkpoint thread only).
  uint64_t unsynced_bytes_ = 0;
  // The checkpointing thread's mark for ForegroundWrites::BackgroundBudget.
  io::ForegroundWrites::BackgroundMark foreground_seen_;

  // Asynchronous batch reads in flight: the destructor waits for them (they use the file and
  // the cache).
  mutable absl::Mutex async_mu_;
  mutable int async_inflight_ ABSL_GUARDED_BY(async_mu_) = 0;
};

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_PAGE_STORE_H_
