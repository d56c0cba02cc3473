// The engine's TreeStore on top of pagestore::PageStore. The sorted runs are the manifest's
// catalog bytes; their filters are read once (at open, or handed over by the checkpoint that
// wrote them) and shared by every snapshot.
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/check.h"
#include "engine/btree_node.h"
#include "engine/storage_factory.h"
#include "pagestore/manifest_format.h"
#include "pagestore/page_store.h"

namespace ringkv {
namespace {

class PageTreeSnapshot final : public TreeSnapshot, public TreePageReader {
 public:
  PageTreeSnapshot(std::shared_ptr<pagestore::PageStore::PinnedPages> v,
                   std::shared_ptr<const std::vector<SortedRunRef>> runs, size_t payload,
                   bool prefetch)
      : v_(std::move(v)), runs_(std::move(runs)), payload_(payload), prefetch_(prefetch) {}
  uint64_t root() const override { return v_->root(); }
  const std::vector<SortedRunRef>& runs() const override { return *runs_; }
  uint64_t checkpoint_lsn() const override { return v_->checkpoint_lsn(); }
  uint64_t generation() const override { return v_->generation(); }
  TreePageReader& pages() override { return *this; }
  absl::StatusOr<PageRef> Read(uint64_t id) override {
    absl::StatusOr<pagestore::PageView> p = v_->Read(id);
    if (!p.ok()) return p.status();
    PageRef r;
    r.id = id;
    r.data = p->payload;
    r.size = p->size;
    r.pin = std::move(p->pin);
    return r;
  }
  size_t payload_size() const override { return payload_; }
  void Prefetch(absl::Span<const uint64_t> ids) override {
    if (!prefetch_ || ids.empty()) return;
    // The callback holds the version, so its pages cannot be reused while they are read.
    v_->ReadPagesAsync(ids, [pin = v_](absl::StatusOr<std::vector<pagestore::PageView>>) {});
  }

 private:
  std::shared_ptr<pagestore::PageStore::PinnedPages> v_;
  std::shared_ptr<const std::vector<SortedRunRef>> runs_;
  size_t payload_;
  bool prefetch_;  // reads cost a round trip (the pread path): prefetching pays
};

class PageTreeStore final : public TreeStore, public TreePageWriter {
 public:
  explicit PageTreeStore(std::unique_ptr<pagestore::PageStore> store)
      : store_(std::move(store)) {}

  // Decodes the published catalog and reads every run's filter: a damaged catalog or filter is
  // an error at open, never at a read. Errors name the MANIFEST in `dir` (the catalog is its
  // bytes) and the page.
  absl::Status LoadRuns(const std::string& dir) {
    std::shared_ptr<pagestore::PageStore::PinnedPages> v = store_->Current();
    const std::string where = absl::StrCat(dir, "/", pagestore::kManifestName, " (generation ",
                                           v->generation(), ")");
    absl::StatusOr<std::vector<SortedRun>> runs =
        DecodeRunCatalog(v->catalog(), v->page_count(), where);
    if (!runs.ok()) return runs.status();
    PageTreeSnapshot reader(v, std::make_shared<std::vector<SortedRunRef>>(),
                            store_->payload_size(), false);
    auto refs = std::make_shared<std::vector<SortedRunRef>>();
    for (const SortedRun& r : *runs) {
      const std::string filter_where =
          absl::StrCat("page ", r.filter, " of ", dir, "/pages.db (sorted run ", r.id,
                       " of ", where, ")");
      std::string bytes;
      absl::Status s = ReadOverflow(reader, r.filter, r.filter_bytes, &bytes);
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("the filter at ", filter_where, ": ",
                                                   s.message()));
      }
      absl::StatusOr<std::unique_ptr<RunFilter>> f = RunFilter::Decode(bytes, filter_where);
      if (!f.ok()) return f.status();
      refs->push_back(SortedRunRef{r, std::shared_ptr<const RunFilter>(std::move(*f))});
    }
    absl::MutexLock lock(&mu_);
    runs_ = std::move(refs);
    runs_generation_ = v->generation();
    return absl::OkStatus();
  }

  std::shared_ptr<TreeSnapshot> Current() override {
    // The pinned version and the runs must be of the same commit: both are read under mu_,
    // which CommitCheckpoint holds while it publishes.
    absl::MutexLock lock(&mu_);
    std::shared_ptr<pagestore::PageStore::PinnedPages> v = store_->Current();
    RINGKV_CHECK(v->generation() == runs_generation_);
    return std::make_shared<PageTreeSnapshot>(std::move(v), runs_, store_->payload_size(),
                                              !store_->mapped());
  }
  absl::StatusOr<TreePageWriter*> BeginCheckpoint() override { return this; }
  absl::Status CommitCheckpoint(const TreeRoots& roots, uint64_t checkpoint_lsn) override {
    std::vector<SortedRun> runs;
    runs.reserve(roots.runs.size());
    for (const SortedRunRef& r : roots.runs) {
      RINGKV_CHECK(r.filter != nullptr);
      runs.push_back(r.run);
    }
    auto refs = std::make_shared<const std::vector<SortedRunRef>>(roots.runs);
    absl::MutexLock lock(&mu_);
    absl::Status s = store_->Commit(roots.tree, checkpoint_lsn, EncodeRunCatalog(runs));
    if (!s.ok()) return s;
    runs_ = std::move(refs);
    runs_generation_ = store_->Current()->generation();
    return absl::OkStatus();
  }
  void AbortCheckpoint() override { store_->Abort(); }
  TreeStoreStats stats() const override {
    const pagestore::PageStoreStats s = store_->stats();
    TreeStoreStats out;
    out.page_count = s.page_count;
    out.free_pages = s.free_pages;
    out.pages_written = s.pages_written;
    out.cache_hits = s.cache_hits;
    out.cache_misses = s.cache_misses;
    return out;
  }
  absl::Status Verify() override { return store_->Verify(); }
  absl::Status ReleaseFreeSpace() override { return store_->ReleaseFreeSpace(); }
  uint32_t page_size() const override { return store_->page_size(); }

  absl::StatusOr<uint64_t> Allocate() override { return store_->Allocate(); }
  absl::Status Write(uint64_t id, TreePageKind kind, absl::Span<const uint8_t> payload) override {
    return store_->Stage(id, static_cast<uint8_t>(kind), payload);
  }
  void Free(uint64_t id) override { store_->Free(id); }
  size_t payload_size() const override { return store_->payload_size(); }

 private:
  std::unique_ptr<pagestore::PageStore> store_;
  absl::Mutex mu_;
  std::shared_ptr<const std::vector<SortedRunRef>> runs_ ABSL_GUARDED_BY(mu_);
  uint64_t runs_generation_ ABSL_GUARDED_BY(mu_) = 0;  // the commit runs_ belongs to
};

}  // namespace

absl::StatusOr<std::unique_ptr<TreeStore>> OpenPageTreeStore(io::IoBackend& io,
                                                             const std::string& dir,
                                                             const Options& options) {
  pagestore::PageStoreOptions po;
  po.page_size = options.page_size;
  po.use_mmap = options.read_path == ReadPath::kMmap;
  po.cache_bytes = options.page_cache_bytes;
  po.memory_limit_bytes = options.memory_limit_bytes;
  absl::StatusOr<std::unique_ptr<pagestore::PageStore>> s = pagestore::PageStore::Open(io, dir, po);
  if (!s.ok()) return s.status();
  auto store = std::make_unique<PageTreeStore>(std::move(*s));
  absl::Status loaded = store->LoadRuns(dir);
  if (!loaded.ok()) return loaded;
  return std::unique_ptr<TreeStore>(std::move(store));
}

}  // namespace ringkv
