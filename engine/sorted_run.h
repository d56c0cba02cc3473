// A sorted run is a memtable written as its own packed B+tree in the page file (deletions as
// tombstones) with a Bloom filter, read after the memtables and before the main tree, newest
// run first. Runs let a checkpoint write each memtable once, sequentially, and merge many of
// them into the main tree together, so the tree is rewritten once per many memtables, not once
// per memtable. The published runs are listed, newest first, in the MANIFEST's catalog bytes.
#ifndef RINGKV_ENGINE_SORTED_RUN_H_
#define RINGKV_ENGINE_SORTED_RUN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/run_filter.h"
#include "engine/tree_pages.h"

namespace ringkv {

struct SortedRun {
  uint64_t root = kNoPage;    // its B+tree (kNoPage: no entries)
  uint64_t filter = kNoPage;  // first page of the filter's overflow chain
  uint32_t filter_bytes = 0;
  bool has_overflow = false;  // some entry has an overflow chain (freeing must read leaves)
  uint64_t entries = 0;
  uint64_t pages = 0;         // tree, overflow and filter pages
  uint64_t id = 0;            // unique, increasing: newer runs have larger ids
  // Of `entries`, about how many replace a version of their key (or a tombstone) that the
  // tree or an older run holds: estimated when the run is written, from a sample of its keys.
  // Until a merge, both versions take space.
  uint64_t replaced = 0;
  // About how many bytes those older versions take (entries and slots, as a node stores them,
  // or their overflow chains): a tombstone is small, the version it deletes may not be.
  uint64_t replaced_bytes = 0;
  // Set while a merge into the tree is under way: keys below it are in the tree already, and
  // the leaves holding only such keys are freed (readers must not look below it).
  std::string merged_below;
};

// A published run with its filter in memory (loaded once, shared by every snapshot).
struct SortedRunRef {
  SortedRun run;
  std::shared_ptr<const RunFilter> filter;
};

// The catalog bytes for `runs` (newest first), and their decoder: DataLoss naming `where` and
// the offset if the bytes are damaged, a run refers to a page at or beyond `page_count`, or the
// ids are not decreasing.
std::string EncodeRunCatalog(const std::vector<SortedRun>& runs);
// `damaged_at` (if given) receives the offset in `bytes` of the damaged record (0: the header).
absl::StatusOr<std::vector<SortedRun>> DecodeRunCatalog(std::string_view bytes,
                                                        uint64_t page_count,
                                                        const std::string& where,
                                                        uint64_t* damaged_at = nullptr);
// Pages in use by `runs`.
uint64_t RunPages(const std::vector<SortedRunRef>& runs);
// About how many pages of `page_size` the older versions that `runs` replace take: the space a
// merge of the runs would give back.
uint64_t ReplacedPages(const std::vector<SortedRunRef>& runs, uint64_t page_size);
// The offset in the catalog of run i's record.
uint64_t RunRecordOffset(const std::vector<SortedRun>& runs, size_t i);

// Every page of `run` still in use (tree, overflow chains, filter chain; not the leaves freed
// below merged_below), for freeing it once it is merged; DataLoss if that is not run.pages.
absl::Status CollectRunPages(TreePageReader& reader, const SortedRun& run,
                             std::vector<uint64_t>* pages);

// The leaves of a run's tree in key order, each with the lower bound of its keys (the first
// has none: empty), read from its internal nodes only.
struct RunLeaf {
  uint64_t page;
  std::string lo;
};
absl::StatusOr<std::vector<RunLeaf>> ListRunLeaves(TreePageReader& reader, const SortedRun& run);

// How many of `leaves`, from the first, hold only keys below `bound` (a leaf's upper bound, the
// next leaf's lower bound, is at or below it): the leaves a merge that reached `bound` has
// freed. The last leaf is never among them; an empty bound frees none.
size_t FreedLeafCount(const std::vector<RunLeaf>& leaves, std::string_view bound);

// The pages of leaf `page` and of its overflow chains.
absl::Status CollectLeafPages(TreePageReader& reader, uint64_t page, bool has_overflow,
                              std::vector<uint64_t>* pages);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_SORTED_RUN_H_
