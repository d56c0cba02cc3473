// Where a database's sorted runs lie in its files, for tests that damage them on purpose: the
// MANIFEST and its catalog decoded, and each run's pages (leaves, internal and overflow pages,
// and its filter chain) found by reading pages.db directly (no checksums: the test damages
// the file after reading it).
#ifndef RINGKV_TESTS_DAMAGE_RUN_LAYOUT_H_
#define RINGKV_TESTS_DAMAGE_RUN_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/btree_node.h"
#include "engine/sorted_run.h"
#include "gtest/gtest.h"
#include "pagestore/manifest.h"
#include "pagestore/page_format.h"
#include "tests/support/temp_dir.h"

namespace ringkv::testing {

// pages.db as bytes, read as tree pages without verifying them.
class FilePages final : public TreePageReader {
 public:
  FilePages(std::string bytes, uint32_t page_size)
      : bytes_(std::move(bytes)), page_size_(page_size) {}
  absl::StatusOr<PageRef> Read(uint64_t id) override {
    if ((id + 1) * page_size_ > bytes_.size()) return absl::DataLossError("beyond the file");
    PageRef r;
    r.id = id;
    r.data = reinterpret_cast<const uint8_t*>(bytes_.data()) + id * page_size_ +
             pagestore::kPageHeaderBytes;
    r.size = payload_size();
    return r;
  }
  size_t payload_size() const override { return page_size_ - pagestore::kPageHeaderBytes; }
  // The type byte of the page header (TreePageKind).
  uint8_t type(uint64_t id) const {
    return static_cast<uint8_t>(bytes_[id * page_size_ + pagestore::kPageTypeOffset]);
  }

 private:
  std::string bytes_;
  uint32_t page_size_;
};

struct RunPages {
  SortedRun run;
  std::vector<uint64_t> leaves, internal, overflow, filter;
};

struct RunLayout {
  pagestore::Manifest manifest;
  std::vector<RunPages> runs;  // newest first, as the catalog lists them
};

inline RunLayout ReadRunLayout(const std::string& db) {
  RunLayout out;
  absl::StatusOr<pagestore::Manifest> m =
      pagestore::DecodeManifest(ReadFileOrDie(db + "/MANIFEST"), db + "/MANIFEST");
  EXPECT_TRUE(m.ok()) << m.status();
  if (!m.ok()) return out;
  out.manifest = *m;
  absl::StatusOr<std::vector<SortedRun>> runs =
      DecodeRunCatalog(m->catalog, m->page_count, "the test");
  EXPECT_TRUE(runs.ok()) << runs.status();
  if (!runs.ok()) return out;
  FilePages pages(ReadFileOrDie(db + "/pages.db"), m->page_size);
  for (const SortedRun& r : *runs) {
    RunPages rp;
    rp.run = r;
    std::vector<uint64_t> all, filter;
    EXPECT_TRUE(CollectRunPages(pages, r, &all).ok());
    EXPECT_TRUE(CollectOverflowPages(pages, r.filter, &filter).ok());
    for (uint64_t id : all) {
      if (std::find(filter.begin(), filter.end(), id) != filter.end()) continue;
      switch (static_cast<TreePageKind>(pages.type(id))) {
        case TreePageKind::kLeaf: rp.leaves.push_back(id); break;
        case TreePageKind::kInternal: rp.internal.push_back(id); break;
        default: rp.overflow.push_back(id); break;
      }
    }
    rp.filter = filter;
    out.runs.push_back(std::move(rp));
  }
  return out;
}

// Rewrites `db`/MANIFEST with `m` (a valid checksum over whatever it holds).
inline void WriteManifest(const std::string& db, const pagestore::Manifest& m) {
  WriteFileOrDie(db + "/MANIFEST", pagestore::EncodeManifest(m));
}

}  // namespace ringkv::testing

#endif  // RINGKV_TESTS_DAMAGE_RUN_LAYOUT_H_
