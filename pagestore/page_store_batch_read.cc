// PageStore: batch reads. On the pread path every page not in the cache is read by unlinked
// chains of ring reads, all in flight at once; the mapped path answers at once (each page
// checksummed on its first read).
#include <atomic>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "pagestore/page_store.h"

namespace ringkv::pagestore {
namespace {

// Reads per chain of a batch read: well below the ring's queue depth (256 by default), so one
// batch never has to wait for submission-queue room; larger batches submit several chains.
constexpr size_t kMaxReadsPerChain = 64;

}  // namespace

struct PageStore::BatchRead {
  std::vector<uint64_t> ids;
  std::vector<PageView> views;  // filled at once for mapped and cached pages
  // Per id: the page being read from disk (null if mapped or cached), and which chain and op
  // of that chain read it.
  std::vector<std::shared_ptr<std::string>> loading;
  std::vector<std::pair<uint32_t, uint32_t>> op_of;
  std::vector<io::Chain> chains;
  std::vector<io::Completion> completions;  // per chain, once it completed
};

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
    if (PageCache::Page p = cache_->Lookup(id)) {
      b->views[k] = CachedView(std::move(p));
      continue;
    }
    if (b->chains.empty() || b->chains.back().size() == kMaxReadsPerChain) {
      b->chains.emplace_back();
      b->chains.back().set_linked(false);  // independent reads, all in flight together
    }
    auto page = std::make_shared<std::string>(page_size_, '\0');
    b->op_of[k] = {static_cast<uint32_t>(b->chains.size() - 1),
                   static_cast<uint32_t>(b->chains.back().size())};
    b->chains.back().Read(read_file_.id(), page->data(), page_size_, id * page_size_);
    b->loading[k] = std::move(page);
  }
  b->completions.resize(b->chains.size());
  RINGKV_DCHECK(map_ == nullptr || b->chains.empty());
  return b;
}

absl::StatusOr<std::vector<PageView>> PageStore::FinishBatch(BatchRead& b) const {
  for (size_t k = 0; k < b.ids.size(); ++k) {
    const uint64_t id = b.ids[k];
    if (map_ != nullptr) {
      absl::Status s = VerifyMapped(id);
      if (!s.ok()) return s;
      b.views[k] = MappedView(id);
      continue;
    }
    if (b.loading[k] == nullptr) continue;  // was cached
    const auto [chain, op] = b.op_of[k];
    RINGKV_DCHECK(chain < b.completions.size());
    const io::Completion& c = b.completions[chain];
    RINGKV_DCHECK(op < c.results.size());  // every chain completed before FinishBatch
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
    absl::Status s = CheckPage(id, reinterpret_cast<const uint8_t*>(b.loading[k]->data()));
    if (!s.ok()) return s;
    cache_->Insert(id, b.loading[k]);
    b.views[k] = CachedView(b.loading[k]);
  }
  return std::move(b.views);
}

absl::StatusOr<std::vector<PageView>> PageStore::PinnedPages::ReadPages(
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

void PageStore::PinnedPages::ReadPagesAsync(absl::Span<const uint64_t> ids,
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
    absl::MutexLock lock(&async_mu_);
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
      absl::MutexLock lock(&async_mu_);
      RINGKV_CHECK(async_inflight_ > 0);
      --async_inflight_;
    });
  }
}

}  // namespace ringkv::pagestore
