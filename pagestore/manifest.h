// The MANIFEST names the published version of the page file: root page, page count, free list,
// checkpoint LSN, generation, page size. It is replaced atomically (uring/publish.h); loading
// checks everything and says precisely what is wrong. Layout: pagestore/manifest_format.h.
#ifndef RINGKV_PAGESTORE_MANIFEST_H_
#define RINGKV_PAGESTORE_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pagestore/manifest_format.h"
#include "uring/io_backend.h"

namespace ringkv::pagestore {

struct Manifest {
  uint32_t page_size = 4096;
  uint64_t root = kNoRoot;
  uint64_t page_count = 0;      // pages [0, page_count) exist in the file
  uint64_t checkpoint_lsn = 0;  // WAL records below this are in the tree
  uint64_t generation = 0;
  std::vector<uint64_t> free_pages;  // pages below page_count no version reaches
  // The engine's catalog of sorted runs (their roots and filters); the page store only keeps it.
  std::string catalog;
};

std::string EncodeManifest(const Manifest& m);
// `path` only names the file in messages.
absl::StatusOr<Manifest> DecodeManifest(std::string_view bytes, const std::string& path);

// Reads and decodes `dir`/MANIFEST: NotFound if missing, DataLoss if truncated or its checksum
// is wrong, FailedPrecondition for an unknown version.
absl::StatusOr<Manifest> LoadManifest(io::IoBackend& io, const std::string& dir);
absl::Status PublishManifest(io::IoBackend& io, const std::string& dir, const Manifest& m);

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_MANIFEST_H_
