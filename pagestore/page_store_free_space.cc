// PageStore: giving the blocks of free pages back to the filesystem. A merge of sorted runs
// frees about as many pages as the runs held, and the runs written after it take many
// checkpoints to refill them: until then they would only take disk space.
#include <algorithm>
#include <cerrno>

#include <fcntl.h>
#include <linux/falloc.h>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "pagestore/page_store.h"

namespace ringkv::pagestore {
namespace {

// Ranges shorter than this stay allocated: a punch costs the filesystem an extent split, and a
// page or two between used ones give little back.
constexpr uint64_t kMinHolePages = 1;
// Punches per ring submission.
constexpr size_t kPunchesPerBatch = 64;

}  // namespace

absl::Status PageStore::ReleaseFreeSpace() {
  std::vector<uint64_t> pages;
  uint64_t page_count, file_pages;
  {
    absl::MutexLock lock(&mu_);
    RINGKV_CHECK(staged_.empty() && taken_from_free_.empty());  // between checkpoints
    if (holes_unsupported_) return absl::OkStatus();
    pages.swap(free_);
    page_count = published_.page_count;
    file_pages = file_pages_;
  }
  std::sort(pages.begin(), pages.end());
  // The ranges of consecutive free pages long enough to punch.
  struct Range {
    uint64_t first, count;
  };
  std::vector<Range> ranges;
  for (size_t i = 0; i < pages.size();) {
    size_t j = i + 1;
    while (j < pages.size() && pages[j] == pages[j - 1] + 1) ++j;
    if (j - i >= kMinHolePages) ranges.push_back({pages[i], j - i});
    i = j;
  }
  // The room the file grew by past its last page (fallocate reserves it ahead of use) too: it
  // is no page yet, so it is in no list, and writing there later allocates it again.
  const bool tail = file_pages > page_count;
  if (tail) ranges.push_back({page_count, file_pages - page_count});
  absl::Status result;
  std::vector<bool> punched(ranges.size(), false);
  for (size_t first = 0; first < ranges.size() && result.ok() && !holes_unsupported_;
       first += kPunchesPerBatch) {
    io::Chain batch;
    batch.set_linked(false);
    const size_t end = std::min(ranges.size(), first + kPunchesPerBatch);
    for (size_t i = first; i < end; ++i) {
      batch.Fallocate(write_file_.id(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      ranges[i].first * page_size_, ranges[i].count * page_size_);
    }
    io::Completion c = io_.Run(std::move(batch));
    RINGKV_CHECK(c.results.size() == end - first);
    for (size_t i = first; i < end; ++i) {
      const int32_t res = c.results[i - first];
      punched[i] = res == 0;
      // A filesystem without holes: the pages stay as they are, and no more punches are tried.
      if (res == -EOPNOTSUPP) holes_unsupported_ = true;
    }
    if (!c.ok() && !holes_unsupported_) {
      result = absl::Status(c.status.code(), absl::StrCat("giving free pages of ", path_,
                                                          " back to the filesystem: ",
                                                          c.status.message()));
    }
  }
  // Pages of punched ranges become holes; the rest (short ranges, failed punches) stay free:
  // either kind is reusable.
  absl::MutexLock lock(&mu_);
  size_t r = 0;
  if (tail) ranges.pop_back();  // not free pages
  for (uint64_t id : pages) {
    while (r < ranges.size() && ranges[r].first + ranges[r].count <= id) ++r;
    const bool hole = r < ranges.size() && id >= ranges[r].first && punched[r];
    (hole ? holes_ : free_).push_back(id);
  }
  return result;
}

}  // namespace ringkv::pagestore
