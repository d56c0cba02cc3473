// OfflinePages reads a page file that no PageStore has open, for the checker and salvage: every
// page through the ring (pread), checksum and id verified before its bytes are handed out.
// Reads only; the caller holds the database's lock so nothing writes the file meanwhile.
#ifndef RINGKV_ENGINE_OFFLINE_PAGES_H_
#define RINGKV_ENGINE_OFFLINE_PAGES_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/tree_pages.h"
#include "uring/io_backend.h"

namespace ringkv {

class OfflinePages final : public TreePageReader {
 public:
  // Pages [0, page_count) of `path` are readable; NotFound if the file is missing.
  static absl::StatusOr<std::unique_ptr<OfflinePages>> Open(io::IoBackend& io, std::string path,
                                                            uint32_t page_size,
                                                            uint64_t page_count);

  // DataLoss naming the file, page and offset if the page is beyond the count, short, or fails
  // its checksum or id.
  absl::StatusOr<PageRef> Read(uint64_t id) override;
  // The whole page, header included, verified like Read.
  absl::StatusOr<std::shared_ptr<const std::string>> ReadWhole(uint64_t id);
  size_t payload_size() const override;
  uint64_t page_count() const { return page_count_; }
  // Bytes in the file (pages beyond them read as missing).
  uint64_t file_bytes() const { return file_bytes_; }
  const std::string& path() const { return path_; }

 private:
  OfflinePages(io::IoBackend& io, io::FileSlot file, std::string path, uint32_t page_size,
               uint64_t page_count, uint64_t file_bytes)
      : io_(io), file_(std::move(file)), path_(std::move(path)), page_size_(page_size),
        page_count_(page_count), file_bytes_(file_bytes) {}

  io::IoBackend& io_;
  io::FileSlot file_;
  const std::string path_;
  const uint32_t page_size_;
  const uint64_t page_count_;
  const uint64_t file_bytes_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_OFFLINE_PAGES_H_
