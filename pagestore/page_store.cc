// PageStore: opening the store (manifest, page file, mapping, cache), pins of published
// versions and the reuse of pages freed under them, Verify and stats.
#include "pagestore/page_store.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "pagestore/memory_limit.h"
#include "pagestore/page_format.h"
#include "uring/dio_alignment.h"

namespace ringkv::pagestore {

PageStore::PageStore(io::IoBackend& io, std::string dir, const PageStoreOptions& options)
    : io_(io),
      dir_(std::move(dir)),
      path_(absl::StrCat(dir_, "/", kPageFileName)),
      options_(options) {}

uint32_t PageStore::payload_size() const { return page_size_ - kPageHeaderBytes; }

absl::StatusOr<std::unique_ptr<PageStore>> PageStore::Open(io::IoBackend& io, std::string dir,
                                                           const PageStoreOptions& options) {
  std::unique_ptr<PageStore> s(new PageStore(io, std::move(dir), options));
  absl::Status st = s->Init();
  if (!st.ok()) return st;
  return s;
}

absl::Status PageStore::Init() {
  absl::StatusOr<Manifest> m = LoadManifest(io_, dir_);
  bool fresh = false;
  if (!m.ok()) {
    if (!absl::IsNotFound(m.status())) return m.status();
    const uint32_t ps = options_.page_size;
    if (!IsValidPageSize(ps)) {
      return absl::InvalidArgumentError(absl::StrCat("page size ", ps,
                                                     " must be a power of two from ",
                                                     kMinPageSize, " to ", kMaxPageSize));
    }
    Manifest initial;
    initial.page_size = ps;
    m = initial;
    fresh = true;
  } else if (options_.expected_page_size != 0 && m->page_size != options_.expected_page_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page size mismatch: ", dir_, "/", kManifestName, " says ", m->page_size,
        "-byte pages, but ", options_.expected_page_size, " were asked for"));
  }
  page_size_ = m->page_size;
  RINGKV_CHECK(IsValidPageSize(page_size_));  // checked for a new store, decoded for an old one

  // The page file: one descriptor to write (O_DIRECT where the page size allows), one to read.
  // Buffered writes were tried and dropped (docs/performance.md, "The engine at scale"): a
  // checkpoint writes single pages into free slots all over the file, and where the page cache
  // holds the file in large folios (the mapping's readahead makes them) each 4 KiB write
  // dirtied, and wrote back, a whole folio.
  absl::StatusOr<io::FileSlot> w = io_.ReserveFile();
  absl::StatusOr<io::FileSlot> r = io_.ReserveFile();
  if (!w.ok()) return w.status();
  if (!r.ok()) return r.status();
  write_file_ = std::move(*w);
  read_file_ = std::move(*r);
  const io::DioAlignment align = io::DirectIoAlignment(dir_);
  bool direct = align.supported && page_size_ % align.offset_bytes == 0 && page_size_ >= 4096;
  // Only a new store creates its page file: a missing one under a MANIFEST is damage, and an
  // empty file in its place would turn into a mapping of nothing.
  const int flags = O_RDWR | (fresh ? O_CREAT : 0);
  io::Completion c =
      io_.Run(io::Chain().OpenAt(write_file_.id(), path_, flags | (direct ? O_DIRECT : 0), 0644));
  if (!c.ok() && direct && c.results[0] == -EINVAL) {
    direct = false;  // a filesystem without O_DIRECT (tmpfs): buffered writes + fdatasync
    c = io_.Run(io::Chain().OpenAt(write_file_.id(), path_, flags, 0644));
  }
  if (!c.ok() && !fresh && c.results[0] == -ENOENT) {
    return absl::DataLossError(absl::StrCat("page file ", path_, " is missing, but ", dir_,
                                            "/MANIFEST lists ", m->page_count, " pages in it"));
  }
  if (!c.ok()) return c.status;
  if (fresh) {
    // The page file's name is durable before the manifest that makes this a database.
    absl::StatusOr<io::FileSlot> d = io_.ReserveFile();
    if (!d.ok()) return d.status();
    c = io_.Run(io::Chain().Fdatasync(write_file_.id()).FsyncDir(d->id(), dir_));
    if (!c.ok()) return c.status;
    absl::Status s = PublishManifest(io_, dir_, *m);
    if (!s.ok()) return s;
  }
  c = io_.Run(io::Chain().OpenAtNative(read_file_.id(), path_, O_RDONLY));
  if (!c.ok()) return c.status;
  absl::Status size_ok = CheckPageFileSize(*m);
  if (!size_ok.ok()) return size_ok;
  absl::StatusOr<int> fd = io_.NativeFd(read_file_.id());
  if (options_.use_mmap && fd.ok()) {
    // Reserve the whole address range once: growth never moves the mapping, so a reader's
    // pointer stays valid. Only pages below the pinned version's count are ever touched.
    map_ = PageMapping::Map(*fd, options_.max_file_bytes, page_size_);
    if (map_ != nullptr) {
      verified_ = std::make_unique<VerifiedPages>(options_.max_file_bytes / page_size_);
    }
  }
  if (map_ != nullptr) {
    memory_limit_bytes_ = options_.memory_limit_bytes != 0 ? options_.memory_limit_bytes
                                                           : ProcessMemoryLimitBytes();
  }
  cache_ = std::make_unique<PageCache>(std::max<size_t>(16, options_.cache_bytes / page_size_));
  absl::StatusOr<std::unique_ptr<io::BufferPool>> pool =
      io_.CreateBufferPool(kWriteBuffers, kWriteChunkBytes, 4096);
  if (!pool.ok()) return pool.status();
  write_pool_ = std::move(*pool);

  absl::MutexLock lock(&mu_);
  published_ = std::move(*m);
  file_pages_ = published_.page_count;
  next_page_count_ = published_.page_count;
  free_ = published_.free_pages;
  // Lowest ids first, so the file stays dense.
  std::sort(free_.rbegin(), free_.rend());
  RINGKV_DCHECK(free_.empty() || free_.front() < published_.page_count);
  AdviseMappingLocked();
  return absl::OkStatus();
}

void PageStore::AdviseMappingLocked() {
  if (map_ == nullptr || !mapping_reads_ahead_) return;
  if (ReadaheadPays(published_.page_count * page_size_, memory_limit_bytes_)) return;
  map_->SetReadahead(false);
  mapping_reads_ahead_ = false;
}

absl::Status PageStore::CheckPageFileSize(const Manifest& m) {
  if (m.page_count == 0) return absl::OkStatus();
  // The I/O seam has no stat: read the last page the manifest lists (fallocated room beyond
  // it is normal).
  std::string last(page_size_, '\0');
  const uint64_t offset = (m.page_count - 1) * page_size_;
  io::Completion c =
      io_.Run(io::Chain().ReadUpTo(read_file_.id(), last.data(), page_size_, offset));
  if (!c.ok()) return c.status;
  if (static_cast<uint64_t>(c.results[0]) == page_size_) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "page file ", path_, " is truncated: it ends before offset ", offset + page_size_,
      ", but ", dir_, "/MANIFEST lists ", m.page_count, " pages of ", page_size_,
      " bytes (page ", m.page_count - 1, " at offset ", offset, " is ",
      c.results[0] == 0 ? "missing" : "short", ")"));
}

PageStore::~PageStore() {
  {
    absl::MutexLock lock(&async_mu_);
    async_mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &async_inflight_));
  }
}

std::shared_ptr<PageStore::PinnedPages> PageStore::Current() {
  absl::MutexLock lock(&mu_);
  return PinLocked();
}

std::shared_ptr<PageStore::PinnedPages> PageStore::PinLocked() {
  RINGKV_CHECK(published_.root == kNoRoot || published_.root < published_.page_count);
  AdviseMappingLocked();
  ++pins_[published_.generation];
  Manifest m = published_;
  m.free_pages.clear();  // readers do not need it
  return std::shared_ptr<PinnedPages>(new PinnedPages(this, std::move(m)));
}

PageStore::PinnedPages::~PinnedPages() { store_->Unpin(m_.generation); }

void PageStore::Unpin(uint64_t generation) {
  absl::MutexLock lock(&mu_);
  auto it = pins_.find(generation);
  RINGKV_CHECK(it != pins_.end());  // every PinnedPages pinned its generation in Current()
  RINGKV_CHECK(it->second > 0);
  if (--it->second == 0) pins_.erase(it);
  ReleaseUnpinnedLocked();
}

void PageStore::ReleaseUnpinnedLocked() {
  const uint64_t oldest = pins_.empty() ? published_.generation : pins_.begin()->first;
  while (!pending_free_.empty() && pending_free_.begin()->first < oldest) {
    for (uint64_t id : pending_free_.begin()->second) {
      RINGKV_DCHECK(id < published_.page_count);
      free_.push_back(id);
    }
    pending_free_.erase(pending_free_.begin());
  }
}

absl::Status PageStore::Verify() {
  // The version is pinned while it is read: a checkpoint meanwhile frees its pages, and
  // unpinned they would be punched or rewritten under the reads.
  Manifest m;
  std::shared_ptr<PinnedPages> pin;
  {
    absl::MutexLock lock(&mu_);
    m = published_;
    pin = PinLocked();
  }
  std::set<uint64_t> free(m.free_pages.begin(), m.free_pages.end());
  if (free.size() != m.free_pages.size()) {
    return absl::DataLossError(absl::StrCat(dir_, "/", kManifestName, " lists a free page twice"));
  }
  if (m.root != kNoRoot && free.count(m.root)) {
    return absl::DataLossError(absl::StrCat(dir_, "/", kManifestName, " lists the root page ",
                                            m.root, " as free"));
  }
  for (uint64_t id = 0; id < m.page_count; ++id) {
    if (free.count(id)) continue;
    absl::StatusOr<std::string> page = ReadFromDisk(id);
    if (!page.ok()) return page.status();
    absl::Status s = CheckPage(id, reinterpret_cast<const uint8_t*>(page->data()));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

PageStoreStats PageStore::stats() const {
  PageStoreStats s;
  {
    absl::MutexLock lock(&mu_);
    s.page_count = published_.page_count;
    s.free_pages = published_.free_pages.size();
    s.pages_written = pages_written_;
    s.mapping_reads_ahead = map_ != nullptr && mapping_reads_ahead_;
  }
  s.cache_hits = cache_->hits();
  s.cache_misses = cache_->misses();
  s.mmap = map_ != nullptr;
  return s;
}

}  // namespace ringkv::pagestore
