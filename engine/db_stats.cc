#include "engine/db_impl.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/btree.h"

namespace ringkv {
namespace {

// A run's keys ascend, its filter holds every one, and it has the entries its record says.
absl::Status VerifyRun(TreePageReader& pages, const SortedRunRef& r) {
  BTreeIterator it(&pages, r.run.root, r.run.merged_below);
  std::string prev;
  uint64_t n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
    if (n > 0 && !(prev < it.key())) {
      return absl::DataLossError(absl::StrCat("sorted run ", r.run.id, ": key #", n,
                                              " does not follow the one before"));
    }
    if (!r.filter->MayContain(RunFilter::Hash(it.key()))) {
      return absl::DataLossError(absl::StrCat("sorted run ", r.run.id, ": key #", n,
                                              " is missing from its filter"));
    }
    prev.assign(it.key().data(), it.key().size());
  }
  if (!it.status().ok()) return it.status();
  // Part-merged, the run holds fewer than it was written with.
  if (r.run.merged_below.empty() ? n != r.run.entries : n > r.run.entries) {
    return absl::DataLossError(absl::StrCat("sorted run ", r.run.id, " holds ", n,
                                            " entries; its record says ", r.run.entries));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> DBImpl::VerifyIntegrity() {
  absl::Status s = CheckOpen();
  if (!s.ok()) return s;
  s = parts_.tree->Verify();
  if (!s.ok()) return s;
  std::shared_ptr<const ReadView> v = CurrentView();
  BTreeIterator it(&v->tree->pages(), v->tree->root());
  std::string prev;
  std::string lookup;
  uint64_t keys = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++keys) {
    if (keys > 0 && !(prev < it.key())) {
      return absl::DataLossError(absl::StrCat("B+tree keys out of order in ", path_,
                                              ": key #", keys, " does not follow the one before"));
    }
    prev.assign(it.key().data(), it.key().size());
    absl::StatusOr<std::string_view> value = it.value();
    if (!value.ok()) return value.status();
    // A point lookup takes another path through the nodes (separators, key hints): it must
    // find the same entry.
    absl::StatusOr<bool> found = BTreeGet(v->tree->pages(), v->tree->root(), prev, &lookup);
    if (!found.ok()) return found.status();
    if (!*found || lookup != *value) {
      return absl::DataLossError(absl::StrCat("B+tree in ", path_, ": key #", keys,
                                              " is in a scan but a lookup ",
                                              *found ? "reads another value" : "misses it"));
    }
  }
  if (!it.status().ok()) return it.status();
  uint64_t run_entries = 0;
  for (const SortedRunRef& r : v->tree->runs()) {
    s = VerifyRun(v->tree->pages(), r);
    if (!s.ok()) return s;
    run_entries += r.run.entries;
  }
  const TreeStoreStats stats = parts_.tree->stats();
  return absl::StrCat("ok: ", keys, " keys in the tree, ", run_entries, " entries in ",
                      v->tree->runs().size(), " sorted runs, ", v->mem->entries(),
                      " entries in the memtable, ", stats.page_count, " pages (",
                      stats.free_pages, " free)");
}

absl::StatusOr<std::string> DBImpl::GetProperty(std::string_view name) {
  if (absl::Status s = CheckOpen(); !s.ok()) return s;
  const LogStats log = parts_.log->stats();
  const TreeStoreStats tree = parts_.tree->stats();
  std::shared_ptr<const ReadView> v = CurrentView();
  const uint64_t checkpoints = checkpoint_count_.load();
  const std::vector<std::pair<std::string, std::string>> figures = {
      {"ringkv.wal.bytes", absl::StrCat(log.bytes_appended)},
      {"ringkv.wal.records", absl::StrCat(log.records_appended)},
      {"ringkv.wal.durable_writes", absl::StrCat(log.durable_writes)},
      {"ringkv.wal.syncs", absl::StrCat(log.syncs)},
      {"ringkv.wal.avg_group_records", absl::StrFormat("%.2f", log.avg_group_records)},
      {"ringkv.wal.max_inflight_writes", absl::StrCat(log.max_inflight)},
      {"ringkv.wal.avg_inflight_writes", absl::StrFormat("%.2f", log.avg_inflight)},
      {"ringkv.wal.skips", absl::StrCat(log.skips)},
      {"ringkv.memtable.bytes", absl::StrCat(v->mem->ApproximateBytes())},
      {"ringkv.memtable.entries", absl::StrCat(v->mem->entries())},
      {"ringkv.memtable.immutable_bytes", absl::StrCat(v->imm ? v->imm->ApproximateBytes() : 0)},
      {"ringkv.checkpoints", absl::StrCat(checkpoints)},
      {"ringkv.checkpoint.last_micros", absl::StrCat(checkpoint_micros_last_.load())},
      {"ringkv.checkpoint.avg_micros",
       absl::StrCat(checkpoints ? checkpoint_micros_total_.load() / checkpoints : 0)},
      {"ringkv.checkpoint.pages_written", absl::StrCat(checkpoint_pages_written_.load())},
      {"ringkv.checkpoint.lsn", absl::StrCat(v->tree->checkpoint_lsn())},
      // 1 from the rotation that fills `imm` until the checkpoint, and any merge of runs it
      // starts, ends.
      {"ringkv.checkpoint.running", (checkpoint_running_.load() || v->imm) ? "1" : "0"},
      {"ringkv.runs.count", absl::StrCat(v->tree->runs().size())},
      {"ringkv.runs.pages", absl::StrCat(RunPages(v->tree->runs()))},
      {"ringkv.runs.replaced_pages",
       absl::StrCat(ReplacedPages(v->tree->runs(), parts_.tree->page_size()))},
      {"ringkv.runs.merges", absl::StrCat(run_merges_.load())},
      {"ringkv.pages.count", absl::StrCat(tree.page_count)},
      {"ringkv.pages.free", absl::StrCat(tree.free_pages)},
      {"ringkv.pages.cache_hits", absl::StrCat(tree.cache_hits)},
      {"ringkv.pages.cache_misses", absl::StrCat(tree.cache_misses)},
      {"ringkv.sequence", absl::StrCat(last_sequence_.load())},
  };
  if (name == "ringkv.stats") {
    std::string out;
    for (const auto& [k, val] : figures) absl::StrAppend(&out, k, " ", val, "\n");
    return out;
  }
  for (const auto& [k, val] : figures) {
    if (k == name) return val;
  }
  return absl::NotFoundError(absl::StrCat("no property '", std::string(name),
                                          "' (ringkv.stats lists them all)"));
}

}  // namespace ringkv
