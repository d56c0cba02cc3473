// The engine's TreeStore on top of pagestore::PageStore.
#include <memory>

#include "engine/storage_factory.h"
#include "pagestore/page_store.h"

namespace ringkv {
namespace {

class PageTreeSnapshot final : public TreeSnapshot, public TreePageReader {
 public:
  PageTreeSnapshot(std::shared_ptr<pagestore::PageStore::PinnedPages> v, size_t payload,
                  bool prefetch)
      : v_(std::move(v)), payload_(payload), prefetch_(prefetch) {}
  uint64_t root() const override { return v_->root(); }
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
  size_t payload_;
  bool prefetch_;  // reads cost a round trip (the pread path): prefetching pays
};

class PageTreeStore final : public TreeStore, public TreePageWriter {
 public:
  explicit PageTreeStore(std::unique_ptr<pagestore::PageStore> store)
      : store_(std::move(store)) {}

  std::shared_ptr<TreeSnapshot> Current() override {
    return std::make_shared<PageTreeSnapshot>(store_->Current(), store_->payload_size(),
                                             !store_->mapped());
  }
  absl::StatusOr<TreePageWriter*> BeginCheckpoint() override { return this; }
  absl::Status CommitCheckpoint(uint64_t root, uint64_t checkpoint_lsn) override {
    return store_->Commit(root, checkpoint_lsn);
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

  absl::StatusOr<uint64_t> Allocate() override { return store_->Allocate(); }
  absl::Status Write(uint64_t id, TreePageKind kind, absl::Span<const uint8_t> payload) override {
    return store_->Stage(id, static_cast<uint8_t>(kind), payload);
  }
  void Free(uint64_t id) override { store_->Free(id); }
  size_t payload_size() const override { return store_->payload_size(); }

 private:
  std::unique_ptr<pagestore::PageStore> store_;
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
  return std::unique_ptr<TreeStore>(std::make_unique<PageTreeStore>(std::move(*s)));
}

}  // namespace ringkv
