// PageStore: building a checkpoint (Allocate/Stage/Free), writing it in batches through the
// ring, fsyncing the page file and publishing the manifest that makes it the current version.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "pagestore/page_format.h"
#include "pagestore/page_store.h"

namespace ringkv::pagestore {
namespace {

// The file grows in steps of at least this many pages, or a 32nd of its size: large enough
// that fallocate is rare, small enough that the slack stays a few percent of the file.
constexpr uint64_t kMinGrowthPages = 1024;
constexpr uint64_t kGrowthDivisor = 32;
// Staged pages are written once this many wait, so a checkpoint's memory stays bounded
// whatever its size (they reach free or new slots no published version reaches, so writing
// them before Commit is safe).
constexpr size_t kStreamPages = 1024;
// ... and the page file is fdatasynced after about this many bytes of such writes, so Commit's
// own fdatasync does not have a whole checkpoint of dirty pages to write at once.
constexpr uint64_t kSyncEveryBytes = 64ull << 20;

}  // namespace

absl::StatusOr<uint64_t> PageStore::Allocate() {
  absl::MutexLock lock(&mu_);
  RINGKV_DCHECK(next_page_count_ >= published_.page_count);
  // Free pages with blocks first: a hole costs the filesystem an allocation when written.
  std::vector<uint64_t>& from = free_.empty() ? holes_ : free_;
  if (!from.empty()) {
    const uint64_t id = from.back();
    from.pop_back();
    RINGKV_DCHECK(id < published_.page_count);
    taken_from_free_.push_back(id);
    reused_.insert(id);
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
  // Read-integrity hook: the slot gets new bytes, so its next mapped read checksums them.
  if (verified_ != nullptr) verified_->Clear(id);
  std::string page(page_size_, '\0');
  std::memcpy(page.data() + kPageHeaderBytes, payload.data(), payload.size());
  absl::ReleasableMutexLock lock(&mu_);
  // Copy-on-write: only pages this checkpoint allocated are staged, never one the published
  // version reaches.
  RINGKV_CHECK(id < next_page_count_);
  RINGKV_CHECK(id >= published_.page_count || reused_.contains(id));
  PageHeader h;
  h.page_id = id;
  h.generation = published_.generation + 1;
  h.type = type;
  uint8_t* p = reinterpret_cast<uint8_t*>(page.data());
  EncodePageHeader(h, p);
  h.checksum = PageChecksum(p, page_size_);
  EncodePageHeader(h, p);
  staged_[id] = std::move(page);
  if (staged_.size() < kStreamPages) return absl::OkStatus();
  lock.Release();
  const bool sync = (unsynced_bytes_ += kStreamPages * page_size_) >= kSyncEveryBytes;
  if (sync) unsynced_bytes_ = 0;
  return WriteStaged(sync);
}

void PageStore::Free(uint64_t id) {
  absl::MutexLock lock(&mu_);
  // The id comes from the published tree, which on the mapped path is read without its
  // checksum: a page beyond the file is damage, reported by Commit, not a crash.
  if (id >= published_.page_count) {
    if (checkpoint_error_.ok()) {
      checkpoint_error_ = absl::DataLossError(absl::StrCat(
          "checkpoint of ", path_, " frees page ", id, " beyond the ", published_.page_count,
          " pages of generation ", published_.generation, " (a damaged tree page?)"));
    }
    return;
  }
  staged_free_.push_back(id);
}

void PageStore::Abort() {
  absl::MutexLock lock(&mu_);
  AbortLocked();
}

void PageStore::AbortLocked() {
  for (uint64_t id : taken_from_free_) free_.push_back(id);
  taken_from_free_.clear();
  reused_.clear();
  staged_.clear();
  staged_free_.clear();
  checkpoint_error_ = absl::OkStatus();
  next_page_count_ = published_.page_count;
}

Manifest PageStore::NextManifestLocked(uint64_t root, uint64_t checkpoint_lsn,
                                       std::string catalog) const {
  Manifest next;
  next.catalog = std::move(catalog);
  next.page_size = page_size_;
  next.root = root;
  next.page_count = next_page_count_;
  next.checkpoint_lsn = checkpoint_lsn;
  next.generation = published_.generation + 1;
  // Every page the new root cannot reach, whether reusable now or still pinned.
  next.free_pages = free_;
  next.free_pages.insert(next.free_pages.end(), holes_.begin(), holes_.end());
  for (const auto& [gen, pages] : pending_free_) {
    RINGKV_DCHECK(gen < published_.generation || pages.empty());
    next.free_pages.insert(next.free_pages.end(), pages.begin(), pages.end());
  }
  next.free_pages.insert(next.free_pages.end(), staged_free_.begin(), staged_free_.end());
  std::sort(next.free_pages.begin(), next.free_pages.end());
  return next;
}

absl::Status PageStore::CheckNextManifestLocked(const Manifest& next) const {
  if (!checkpoint_error_.ok()) return checkpoint_error_;
  // A page listed twice was freed twice by this checkpoint, or freed while already free: the
  // old tree reaches it twice, or reaches a free page. Either way the tree is damaged.
  const auto twice = std::adjacent_find(next.free_pages.begin(), next.free_pages.end());
  if (twice != next.free_pages.end()) {
    return absl::DataLossError(absl::StrCat(
        "checkpoint of ", path_, " frees page ", *twice, " twice, or while it is free (the tree ",
        "of generation ", published_.generation, " reaches it twice, or reaches a free page)"));
  }
  // A page this checkpoint took from the free list was free: the old tree cannot reach it.
  for (uint64_t id : staged_free_) {
    if (reused_.contains(id)) {
      return absl::DataLossError(absl::StrCat(
          "checkpoint of ", path_, " frees page ", id, ", which was free and is reused by this ",
          "checkpoint (the tree of generation ", published_.generation,
          " reaches a free page)"));
    }
  }
  if (next.root != kNoRoot &&
      std::binary_search(next.free_pages.begin(), next.free_pages.end(), next.root)) {
    return absl::DataLossError(absl::StrCat("checkpoint of ", path_, " frees its new root page ",
                                            next.root));
  }
  return absl::OkStatus();
}

absl::Status PageStore::WriteStaged(bool sync) {
  // Staged pages are only touched by the checkpointing thread; the lock guards the members.
  std::map<uint64_t, std::string> staged;
  uint64_t new_count, file_pages;
  {
    absl::MutexLock lock(&mu_);
    staged.swap(staged_);
    new_count = next_page_count_;
    file_pages = file_pages_;
  }
  RINGKV_CHECK(staged.empty() || staged.rbegin()->first < new_count);
  if (new_count > file_pages) {
    // Grow in large steps (fallocate), not page by page.
    const uint64_t grown = std::max({new_count, file_pages + kMinGrowthPages,
                                     file_pages + file_pages / kGrowthDivisor});
    const uint64_t target = std::min(grown, options_.max_file_bytes / page_size_);
    RINGKV_CHECK(target >= new_count);  // Allocate keeps the count within max_file_bytes
    // Only the new room: a range from 0 would allocate the holes ReleaseFreeSpace punched.
    io::Completion c = io_.Run(io::Chain().Fallocate(
        write_file_.id(), 0, file_pages * page_size_, (target - file_pages) * page_size_));
    if (!c.ok()) return c.status;
    absl::MutexLock lock(&mu_);
    file_pages_ = target;
  }
  // Runs of consecutive pages become one write each; up to kWriteBuffers writes per batch.
  // While sync puts wait on the device, the batches shrink to what each of their flushes can
  // carry without a stall (uring/foreground_writes.h).
  io::ForegroundWrites& foreground = io_.foreground_writes();
  auto it = staged.begin();
  while (it != staged.end()) {
    io::Chain batch;
    batch.set_linked(false);
    std::vector<io::IoBuffer> used;
    const size_t budget =
        foreground.BackgroundBudget(kWriteBuffers * kWriteChunkBytes, &foreground_seen_);
    static_assert(io::ForegroundWrites::kSmallWriteBytes % kMaxPageSize == 0);
    RINGKV_CHECK(budget > 0 && budget % page_size_ == 0);
    size_t batch_bytes = 0;
    while (it != staged.end() && used.size() < kWriteBuffers && batch_bytes < budget) {
      io::IoBuffer b = write_pool_->Acquire();
      const size_t limit = std::min(b.size, budget - batch_bytes);
      const uint64_t first = it->first;
      size_t n = 0;
      while (it != staged.end() && it->first == first + n && (n + 1) * page_size_ <= limit) {
        std::memcpy(b.data + n * page_size_, it->second.data(), page_size_);
        ++n;
        ++it;
      }
      batch.Write(write_file_.id(), b.data, n * page_size_, first * page_size_, b.index);
      batch_bytes += n * page_size_;
      used.push_back(b);
    }
    io::Completion c = io_.Run(std::move(batch));
    for (const io::IoBuffer& b : used) write_pool_->Release(b);
    if (!c.ok()) return c.status;
  }
  for (const auto& [id, page] : staged) cache_->Erase(id);
  if (sync) {
    foreground.BackgroundBudget(0, &foreground_seen_);  // holds the flush back for a waiter
    io::Completion c = io_.Run(io::Chain().Fdatasync(write_file_.id()));
    if (!c.ok()) return c.status;
  }
  absl::MutexLock l(&mu_);
  pages_written_ += staged.size();
  return absl::OkStatus();
}

absl::Status PageStore::Commit(uint64_t root, uint64_t checkpoint_lsn, std::string catalog) {
  Manifest next;
  {
    absl::MutexLock lock(&mu_);
    // The caller's contract: a checkpoint covers at least what the one before covered, and its
    // root is a page of the new version.
    RINGKV_CHECK(checkpoint_lsn >= published_.checkpoint_lsn);
    RINGKV_CHECK(root == kNoRoot || root < next_page_count_);
    next = NextManifestLocked(root, checkpoint_lsn, std::move(catalog));
    absl::Status bad = CheckNextManifestLocked(next);
    if (!bad.ok()) {
      AbortLocked();  // nothing is published: the published version stays as it is
      return bad;
    }
  }
  absl::Status s = WriteStaged(/*sync=*/true);
  unsynced_bytes_ = 0;
  if (!s.ok()) return s;
  s = PublishManifest(io_, dir_, next);
  if (!s.ok()) return s;
  absl::MutexLock lock(&mu_);
  RINGKV_CHECK(next.generation == published_.generation + 1);
  RINGKV_CHECK(next.page_count >= published_.page_count);
  pending_free_[published_.generation].insert(pending_free_[published_.generation].end(),
                                              staged_free_.begin(), staged_free_.end());
  staged_free_.clear();
  taken_from_free_.clear();
  reused_.clear();
  published_ = std::move(next);
  ReleaseUnpinnedLocked();
  return absl::OkStatus();
}

}  // namespace ringkv::pagestore
