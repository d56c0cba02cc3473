// What the B+tree needs from the page store, as two small interfaces: reading pages of a pinned
// tree snapshot, and writing the pages of a new one. engine/page_tree_store.cc implements them
// on pagestore/; tests implement them in memory.
#ifndef RINGKV_ENGINE_TREE_PAGES_H_
#define RINGKV_ENGINE_TREE_PAGES_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ringkv {

inline constexpr uint64_t kNoPage = ~0ull;

// Kinds of tree pages; stored in the page store's page-type field.
enum class TreePageKind : uint8_t { kLeaf = 1, kInternal = 2, kOverflow = 3 };

// A page's payload (the bytes after the page store's header), valid while `pin` is held.
struct PageRef {
  uint64_t id = kNoPage;
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> pin;  // empty when the bytes need no pin (mmap of a pinned version)
};

class TreePageReader {
 public:
  virtual ~TreePageReader() = default;
  // DataLoss if the page fails its checksum (the node decoder checks the kind).
  virtual absl::StatusOr<PageRef> Read(uint64_t id) = 0;
  // A hint that these pages will be read soon: a reader whose reads cost a round trip (the
  // page store's pread path) starts reading them all at once in the background. Errors are
  // left for the Read that needs the page. The default does nothing (memory, mmap).
  virtual void Prefetch(absl::Span<const uint64_t> ids) {}
  // Bytes of payload per page.
  virtual size_t payload_size() const = 0;
};

class TreePageWriter {
 public:
  virtual ~TreePageWriter() = default;
  virtual absl::StatusOr<uint64_t> Allocate() = 0;
  // Queues the page; the caller learns of durability from the checkpoint that owns the writer.
  virtual absl::Status Write(uint64_t id, TreePageKind kind, absl::Span<const uint8_t> payload) = 0;
  // The page leaves the new version; it is reused once no reader can reach it.
  virtual void Free(uint64_t id) = 0;
  virtual size_t payload_size() const = 0;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_TREE_PAGES_H_
