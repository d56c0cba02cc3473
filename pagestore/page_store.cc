#include "pagestore/page_store.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pagestore/page_format.h"
#include "base/check.h"
#include "uring/dio_alignment.h"

namespace ringkv::pagestore {
namespace {

constexpr char kPageFileName[] = "pages.db";
constexpr size_t kWriteChunk = 256u << 10;
constexpr size_t kWriteBuffers = 8;
// The file grows in large steps: at least this many pages, or a quarter of its size.
constexpr uint64_t kMinGrowthPages = 256;
// Reads per chain of a batch read: well below the ring's queue depth (256 by default), so one
// batch never has to wait for submission-queue room; larger batches submit several chains.
constexpr size_t kMaxReadsPerChain = 64;

}  // namespace

struct PageStore::CachedPage {
  std::string bytes;  // the whole page
};

struct PageStore::BatchRead {
  std::vector<uint64_t> ids;
  std::vector<PageView> views;  // filled at once for mapped and cached pages
  // Per id: the page being read from disk (null if mapped or cached), and which chain and op
  // of that chain read it.
  std::vector<std::shared_ptr<CachedPage>> loading;
  std::vector<std::pair<uint32_t, uint32_t>> op_of;
  std::vector<io::Chain> chains;
  std::vector<io::Completion> completions;  // per chain, once it completed
};

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
    if (ps < kMinPageSize || ps > kMaxPageSize || (ps & (ps - 1)) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("page size ", ps, " must be a power of two from 512 to 65536"));
    }
    Manifest initial;
    initial.page_size = ps;
    m = initial;
    fresh = true;
  } else if (options_.expected_page_size != 0 && m->page_size != options_.expected_page_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page size mismatch: ", dir_, "/MANIFEST says ", m->page_size,
        "-byte pages, but ", options_.expected_page_size, " were asked for"));
  }
  page_size_ = m->page_size;

  // The page file: one descriptor to write (direct where the page size allows), one to read.
  absl::StatusOr<io::FileSlot> w = io_.ReserveFile();
  absl::StatusOr<io::FileSlot> r = io_.ReserveFile();
  if (!w.ok()) return w.status();
  if (!r.ok()) return r.status();
  write_file_ = std::move(*w);
  read_file_ = std::move(*r);
  const io::DioAlignment align = io::DirectIoAlignment(dir_);
  direct_ = align.supported && page_size_ % align.offset_bytes == 0 && page_size_ >= 4096;
  io::Completion c = io_.Run(io::Chain().OpenAt(write_file_.id(), path_,
                                                O_RDWR | O_CREAT | (direct_ ? O_DIRECT : 0), 0644));
  if (!c.ok() && direct_ && c.results[0] == -EINVAL) {
    direct_ = false;
    c = io_.Run(io::Chain().OpenAt(write_file_.id(), path_, O_RDWR | O_CREAT, 0644));
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
  absl::StatusOr<int> fd = io_.NativeFd(read_file_.id());
  if (options_.use_mmap && fd.ok()) {
    // Reserve the whole address range once: growth never moves the mapping, so a reader's
    // pointer stays valid. Only pages below the pinned version's count are ever touched.
    void* p = ::mmap(nullptr, options_.max_file_bytes, PROT_READ, MAP_SHARED | MAP_NORESERVE,
                     *fd, 0);
    if (p != MAP_FAILED) map_ = static_cast<uint8_t*>(p);
  }
  absl::StatusOr<std::unique_ptr<io::BufferPool>> pool =
      io_.CreateBufferPool(kWriteBuffers, kWriteChunk, 4096);
  if (!pool.ok()) return pool.status();
  write_pool_ = std::move(*pool);

  absl::MutexLock lock(&mu_);
  published_ = std::move(*m);
  file_pages_ = published_.page_count;
  next_page_count_ = published_.page_count;
  free_ = published_.free_pages;
  // Lowest ids first, so the file stays dense.
  std::sort(free_.rbegin(), free_.rend());
  return absl::OkStatus();
}

PageStore::~PageStore() {
  {
    absl::MutexLock lock(&cache_mu_);
    cache_mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &async_inflight_));
  }
  if (map_ != nullptr) ::munmap(map_, options_.max_file_bytes);
}

std::shared_ptr<PageStore::Version> PageStore::Current() {
  absl::MutexLock lock(&mu_);
  ++pins_[published_.generation];
  Manifest m = published_;
  m.free_pages.clear();  // readers do not need it
  return std::shared_ptr<Version>(new Version(this, std::move(m)));
}

PageStore::Version::~Version() { store_->Unpin(m_.generation); }

void PageStore::Unpin(uint64_t generation) {
  absl::MutexLock lock(&mu_);
  if (--pins_[generation] == 0) pins_.erase(generation);
  ReleaseUnpinnedLocked();
}

void PageStore::ReleaseUnpinnedLocked() {
  const uint64_t oldest = pins_.empty() ? published_.generation : pins_.begin()->first;
  while (!pending_free_.empty() && pending_free_.begin()->first < oldest) {
    for (uint64_t id : pending_free_.begin()->second) free_.push_back(id);
    pending_free_.erase(pending_free_.begin());
  }
}

absl::Status PageStore::CheckPage(uint64_t id, const uint8_t* page) const {
  const PageHeader h = DecodePageHeader(page);
  const uint64_t actual = PageChecksum(page, page_size_);
  if (h.checksum != actual) {
    return absl::DataLossError(absl::StrFormat(
        "page %d of %s at offset %d fails its checksum: expected %016x, actual %016x", id, path_,
        id * page_size_, h.checksum, actual));
  }
  if (h.page_id != id) {
    return absl::DataLossError(absl::StrFormat("page %d of %s at offset %d says it is page %d",
                                               id, path_, id * page_size_, h.page_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PageStore::ReadFromDisk(uint64_t id) const {
  std::string page(page_size_, '\0');
  io::Completion c = io_.Run(
      io::Chain().Read(read_file_.id(), page.data(), page_size_, id * page_size_));
  if (!c.ok()) return c.status;
  return page;
}

absl::StatusOr<PageView> PageStore::Version::Read(uint64_t id) const {
  if (id >= m_.page_count) {
    return absl::DataLossError(absl::StrCat("page ", id, " is beyond the ", m_.page_count,
                                            " pages of generation ", m_.generation, " in ",
                                            store_->path_));
  }
  return store_->ReadPage(id);
}

PageView PageStore::MappedView(uint64_t id) const {
  return PageView{map_ + id * page_size_ + kPageHeaderBytes, payload_size(), nullptr};
}

std::shared_ptr<PageStore::CachedPage> PageStore::CacheLookup(uint64_t id) const {
  absl::MutexLock lock(&cache_mu_);
  auto it = cache_.find(id);
  if (it == cache_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second.second);
  return it->second.first;
}

void PageStore::CacheInsert(uint64_t id, std::shared_ptr<CachedPage> page) const {
  absl::MutexLock lock(&cache_mu_);
  const size_t capacity = std::max<size_t>(16, options_.cache_bytes / page_size_);
  if (cache_.find(id) != cache_.end()) return;
  lru_.push_front(id);
  cache_.emplace(id, std::make_pair(std::move(page), lru_.begin()));
  while (cache_.size() > capacity) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

absl::StatusOr<PageView> PageStore::ReadPage(uint64_t id) const {
  if (map_ != nullptr) {
    const uint8_t* page = map_ + id * page_size_;
    // The full checksum is Verify's job on this path; a misplaced page is caught cheaply here.
    if (DecodePageHeader(page).page_id != id) {
      return absl::DataLossError(absl::StrFormat("page %d of %s at offset %d says it is page %d",
                                                 id, path_, id * page_size_,
                                                 DecodePageHeader(page).page_id));
    }
    return MappedView(id);
  }
  if (std::shared_ptr<CachedPage> p = CacheLookup(id)) {
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(p->bytes.data());
    return PageView{bytes + kPageHeaderBytes, payload_size(), std::move(p)};
  }
  absl::StatusOr<std::string> bytes = ReadFromDisk(id);
  if (!bytes.ok()) return bytes.status();
  absl::Status s = CheckPage(id, reinterpret_cast<const uint8_t*>(bytes->data()));
  if (!s.ok()) return s;
  auto entry = std::make_shared<CachedPage>();
  entry->bytes = std::move(*bytes);
  CacheInsert(id, entry);
  const uint8_t* data = reinterpret_cast<const uint8_t*>(entry->bytes.data());
  return PageView{data + kPageHeaderBytes, payload_size(), std::move(entry)};
}

std::shared_ptr<PageStore::BatchRead> PageStore::PrepareBatch(
    absl::Span<const uint64_t> ids) const {
  auto b = std::make_shared<BatchRead>();
  b->ids.assign(ids.begin(), ids.end());
  b->views.resize(ids.size());
  b->loading.resize(ids.size());
  b->op_of.resize(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    const uint64_t id = ids[k];
    if (map_ != nullptr) continue;  // FinishBatch checks the mapped pages
    if (std::shared_ptr<CachedPage> p = CacheLookup(id)) {
      b->views[k] = PageView{reinterpret_cast<const uint8_t*>(p->bytes.data()) + kPageHeaderBytes,
                             payload_size(), std::move(p)};
      continue;
    }
    if (b->chains.empty() || b->chains.back().size() == kMaxReadsPerChain) {
      b->chains.emplace_back();
      b->chains.back().set_linked(false);  // independent reads, all in flight together
    }
    auto page = std::make_shared<CachedPage>();
    page->bytes.resize(page_size_);
    b->op_of[k] = {static_cast<uint32_t>(b->chains.size() - 1),
                   static_cast<uint32_t>(b->chains.back().size())};
    b->chains.back().Read(read_file_.id(), page->bytes.data(), page_size_, id * page_size_);
    b->loading[k] = std::move(page);
  }
  b->completions.resize(b->chains.size());
  return b;
}

absl::StatusOr<std::vector<PageView>> PageStore::FinishBatch(BatchRead& b) const {
  for (size_t k = 0; k < b.ids.size(); ++k) {
    const uint64_t id = b.ids[k];
    if (map_ != nullptr) {
      const uint64_t says = DecodePageHeader(map_ + id * page_size_).page_id;
      if (says != id) {
        return absl::DataLossError(absl::StrFormat(
            "page %d of %s at offset %d says it is page %d", id, path_, id * page_size_, says));
      }
      b.views[k] = MappedView(id);
      continue;
    }
    if (b.loading[k] == nullptr) continue;  // was cached
    const auto [chain, op] = b.op_of[k];
    const io::Completion& c = b.completions[chain];
    const int32_t res = c.results[op];
    const io::Op read_op = [&] {
      io::Op o;
      o.type = io::OpType::kRead;
      o.len = page_size_;
      o.offset = id * page_size_;
      return o;
    }();
    if (!io::OpSucceeded(read_op, res)) {
      const absl::Status st = io::OpStatus(read_op, res, path_);
      return absl::Status(st.code() == absl::StatusCode::kOk ? absl::StatusCode::kDataLoss
                                                             : st.code(),
                          absl::StrCat("page ", id, ": ", st.message()));
    }
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(b.loading[k]->bytes.data());
    absl::Status s = CheckPage(id, bytes);
    if (!s.ok()) return s;
    CacheInsert(id, b.loading[k]);
    b.views[k] = PageView{bytes + kPageHeaderBytes, payload_size(), b.loading[k]};
  }
  return std::move(b.views);
}

absl::StatusOr<std::vector<PageView>> PageStore::Version::ReadPages(
    absl::Span<const uint64_t> ids) const {
  for (uint64_t id : ids) {
    if (id >= m_.page_count) return Read(id).status();  // the "beyond the version" error
  }
  std::shared_ptr<BatchRead> b = store_->PrepareBatch(ids);
  std::vector<io::Ticket> tickets;
  tickets.reserve(b->chains.size());
  for (io::Chain& c : b->chains) {
    tickets.push_back(store_->io_.Submit(std::move(c), nullptr, /*caller_waits=*/true));
  }
  for (size_t i = 0; i < tickets.size(); ++i) {
    store_->io_.Wait(tickets[i]);
    b->completions[i] = tickets[i]->completion;
  }
  return store_->FinishBatch(*b);
}

void PageStore::Version::ReadPagesAsync(absl::Span<const uint64_t> ids,
                                        PagesCallback done) const {
  for (uint64_t id : ids) {
    if (id >= m_.page_count) {
      done(Read(id).status());
      return;
    }
  }
  store_->SubmitBatchAsync(store_->PrepareBatch(ids), std::move(done));
}

void PageStore::SubmitBatchAsync(std::shared_ptr<BatchRead> b, PagesCallback done) const {
  if (b->chains.empty()) {
    done(FinishBatch(*b));
    return;
  }
  struct Shared {
    std::atomic<size_t> remaining;
    PagesCallback done;
  };
  auto shared = std::make_shared<Shared>();
  shared->remaining.store(b->chains.size());
  shared->done = std::move(done);
  {
    absl::MutexLock lock(&cache_mu_);
    ++async_inflight_;
  }
  std::vector<io::Chain> chains = std::move(b->chains);
  for (size_t i = 0; i < chains.size(); ++i) {
    io_.Submit(std::move(chains[i]), [this, b, shared, i](const io::Completion& c) {
      b->completions[i] = c;
      if (shared->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      {
        // Run and destroy the caller's callback before the store may go away: it may hold the
        // last pin of a version, whose destructor unpins in this store.
        PagesCallback d = std::move(shared->done);
        d(FinishBatch(*b));
      }
      absl::MutexLock lock(&cache_mu_);
      --async_inflight_;
    });
  }
}

absl::StatusOr<uint64_t> PageStore::Allocate() {
  absl::MutexLock lock(&mu_);
  if (!free_.empty()) {
    const uint64_t id = free_.back();
    free_.pop_back();
    taken_from_free_.push_back(id);
    return id;
  }
  if ((next_page_count_ + 1) * page_size_ > options_.max_file_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        path_, " would exceed its ", options_.max_file_bytes, "-byte limit (max_file_bytes)"));
  }
  return next_page_count_++;
}

absl::Status PageStore::Stage(uint64_t id, uint8_t type, absl::Span<const uint8_t> payload) {
  if (payload.size() > payload_size()) {
    return absl::InvalidArgumentError(absl::StrCat("page payload of ", payload.size(),
                                                   " bytes exceeds ", payload_size()));
  }
  std::string page(page_size_, '\0');
  std::memcpy(page.data() + kPageHeaderBytes, payload.data(), payload.size());
  absl::MutexLock lock(&mu_);
  PageHeader h;
  h.page_id = id;
  h.generation = published_.generation + 1;
  h.type = type;
  uint8_t* p = reinterpret_cast<uint8_t*>(page.data());
  EncodePageHeader(h, p);
  h.checksum = PageChecksum(p, page_size_);
  EncodePageHeader(h, p);
  staged_[id] = std::move(page);
  return absl::OkStatus();
}

void PageStore::Free(uint64_t id) {
  absl::MutexLock lock(&mu_);
  staged_free_.push_back(id);
}

void PageStore::Abort() {
  absl::MutexLock lock(&mu_);
  for (uint64_t id : taken_from_free_) free_.push_back(id);
  taken_from_free_.clear();
  staged_.clear();
  staged_free_.clear();
  next_page_count_ = published_.page_count;
}

absl::Status PageStore::WriteStaged() {
  // Staged pages are only touched by the checkpointing thread; the lock guards the members.
  std::map<uint64_t, std::string> staged;
  uint64_t new_count, file_pages;
  {
    absl::MutexLock lock(&mu_);
    staged.swap(staged_);
    new_count = next_page_count_;
    file_pages = file_pages_;
  }
  if (new_count > file_pages) {
    // Grow in large steps (fallocate), not page by page.
    const uint64_t grown = std::max({new_count, file_pages + kMinGrowthPages,
                                     file_pages + file_pages / 4});
    const uint64_t target = std::min(grown, options_.max_file_bytes / page_size_);
    io::Completion c = io_.Run(io::Chain().Fallocate(write_file_.id(), 0, 0, target * page_size_));
    if (!c.ok()) return c.status;
    absl::MutexLock lock(&mu_);
    file_pages_ = target;
  }
  // Runs of consecutive pages become one write each; up to kWriteBuffers writes per batch.
  auto it = staged.begin();
  while (it != staged.end()) {
    io::Chain batch;
    batch.set_linked(false);
    std::vector<io::IoBuffer> used;
    while (it != staged.end() && used.size() < kWriteBuffers) {
      io::IoBuffer b = write_pool_->Acquire();
      const uint64_t first = it->first;
      size_t n = 0;
      while (it != staged.end() && it->first == first + n && (n + 1) * page_size_ <= b.size) {
        std::memcpy(b.data + n * page_size_, it->second.data(), page_size_);
        ++n;
        ++it;
      }
      batch.Write(write_file_.id(), b.data, n * page_size_, first * page_size_, b.index);
      used.push_back(b);
    }
    io::Completion c = io_.Run(std::move(batch));
    for (const io::IoBuffer& b : used) write_pool_->Release(b);
    if (!c.ok()) return c.status;
  }
  io::Completion c = io_.Run(io::Chain().Fdatasync(write_file_.id()));
  if (!c.ok()) return c.status;
  absl::MutexLock lock(&cache_mu_);
  for (const auto& [id, page] : staged) {
    // A reused id must not be served stale from the cache.
    auto e = cache_.find(id);
    if (e != cache_.end()) {
      lru_.erase(e->second.second);
      cache_.erase(e);
    }
  }
  absl::MutexLock l(&mu_);
  pages_written_ += staged.size();
  return absl::OkStatus();
}

absl::Status PageStore::Commit(uint64_t root, uint64_t checkpoint_lsn) {
  absl::Status s = WriteStaged();
  if (!s.ok()) return s;
  Manifest next;
  {
    absl::MutexLock lock(&mu_);
    next.page_size = page_size_;
    next.root = root;
    next.page_count = next_page_count_;
    next.checkpoint_lsn = checkpoint_lsn;
    next.generation = published_.generation + 1;
    // Every page the new root cannot reach, whether reusable now or still pinned.
    next.free_pages = free_;
    for (const auto& [gen, pages] : pending_free_) {
      next.free_pages.insert(next.free_pages.end(), pages.begin(), pages.end());
    }
    next.free_pages.insert(next.free_pages.end(), staged_free_.begin(), staged_free_.end());
    std::sort(next.free_pages.begin(), next.free_pages.end());
  }
  s = PublishManifest(io_, dir_, next);
  if (!s.ok()) return s;
  absl::MutexLock lock(&mu_);
  pending_free_[published_.generation].insert(pending_free_[published_.generation].end(),
                                              staged_free_.begin(), staged_free_.end());
  staged_free_.clear();
  taken_from_free_.clear();
  published_ = std::move(next);
  ReleaseUnpinnedLocked();
  return absl::OkStatus();
}

absl::Status PageStore::Verify() {
  Manifest m;
  {
    absl::MutexLock lock(&mu_);
    m = published_;
  }
  std::set<uint64_t> free(m.free_pages.begin(), m.free_pages.end());
  if (free.size() != m.free_pages.size()) {
    return absl::DataLossError(absl::StrCat(dir_, "/MANIFEST lists a free page twice"));
  }
  if (m.root != kNoRoot && free.count(m.root)) {
    return absl::DataLossError(absl::StrCat(dir_, "/MANIFEST lists the root page ", m.root,
                                            " as free"));
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
  }
  absl::MutexLock lock(&cache_mu_);
  s.cache_hits = hits_;
  s.cache_misses = misses_;
  s.mmap = map_ != nullptr;
  return s;
}

}  // namespace ringkv::pagestore
