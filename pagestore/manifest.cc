#include "pagestore/manifest.h"

#include <xxhash.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/check.h"
#include "base/coding.h"
#include "pagestore/page_format.h"
#include "uring/publish.h"

namespace ringkv::pagestore {
namespace {

// The free-list entry i's offset in the file.
constexpr uint64_t FreeEntryOffset(uint64_t i) { return kManifestFreeListOffset + 8 * i; }

// What DecodeManifest refuses as bad data, the encoder asserts: the same properties on both
// sides, so a manifest this code writes always loads.
absl::Status CheckDecodedFields(const Manifest& m, const std::string& path) {
  if (!IsValidPageSize(m.page_size)) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " names page size ", m.page_size,
                                            " at offset ", kManifestPageSizeOffset));
  }
  if (m.root != kNoRoot && m.root >= m.page_count) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " names root page ", m.root,
                                            " beyond its ", m.page_count, " pages"));
  }
  for (size_t i = 0; i < m.free_pages.size(); ++i) {
    const uint64_t p = m.free_pages[i];
    if (p >= m.page_count) {
      return absl::DataLossError(absl::StrCat("MANIFEST ", path, " lists free page ", p,
                                              " beyond its ", m.page_count, " pages (offset ",
                                              FreeEntryOffset(i), ")"));
    }
    if (i > 0 && p <= m.free_pages[i - 1]) {
      return absl::DataLossError(absl::StrCat(
          "MANIFEST ", path, " lists free page ", p, " at offset ", FreeEntryOffset(i),
          p == m.free_pages[i - 1] ? " twice" : " out of ascending order", " (after page ",
          m.free_pages[i - 1], ")"));
    }
  }
  if (m.root != kNoRoot &&
      std::binary_search(m.free_pages.begin(), m.free_pages.end(), m.root)) {
    return absl::DataLossError(
        absl::StrCat("MANIFEST ", path, " lists its root page ", m.root, " as free"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeManifest(const Manifest& m) {
  RINGKV_CHECK(IsValidPageSize(m.page_size));
  RINGKV_CHECK(m.root == kNoRoot || m.root < m.page_count);
  for (size_t i = 0; i < m.free_pages.size(); ++i) {
    RINGKV_CHECK(m.free_pages[i] < m.page_count);
    RINGKV_CHECK(i == 0 || m.free_pages[i - 1] < m.free_pages[i]);  // ascending, so unique
  }
  RINGKV_CHECK(m.root == kNoRoot ||
               !std::binary_search(m.free_pages.begin(), m.free_pages.end(), m.root));
  RINGKV_CHECK(ManifestBytes(m.free_pages.size(), m.catalog.size()) <= kMaxManifestBytes);

  std::string out(kManifestMagic, sizeof(kManifestMagic));
  PutFixed32(&out, kManifestVersion);
  PutFixed32(&out, m.page_size);
  PutFixed64(&out, m.root);
  PutFixed64(&out, m.page_count);
  PutFixed64(&out, m.checkpoint_lsn);
  PutFixed64(&out, m.generation);
  PutFixed64(&out, m.free_pages.size());
  RINGKV_DCHECK(out.size() == kManifestFreeListOffset);
  for (uint64_t p : m.free_pages) PutFixed64(&out, p);
  PutFixed64(&out, m.catalog.size());
  out.append(m.catalog);
  PutFixed64(&out, XXH3_64bits(out.data(), out.size()));
  RINGKV_DCHECK(out.size() == ManifestBytes(m.free_pages.size(), m.catalog.size()));
  return out;
}

absl::StatusOr<Manifest> DecodeManifest(std::string_view b, const std::string& path) {
  if (b.size() < kManifestIdentityBytes) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " is truncated: ", b.size(),
                                            " bytes, a manifest has at least ",
                                            kManifestMinBytes));
  }
  if (std::memcmp(b.data() + kManifestMagicOffset, kManifestMagic, sizeof(kManifestMagic)) != 0) {
    return absl::DataLossError(absl::StrCat(
        path, " is not a ringkv MANIFEST (bad magic): not a ringkv database, or damaged"));
  }
  const uint32_t version = DecodeFixed32(b.data() + kManifestVersionOffset);
  if (version != kManifestVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "MANIFEST ", path, " has format version ", version, "; this ringkv reads version ",
        kManifestVersion, (version > kManifestVersion ? " (written by a newer ringkv)" : "")));
  }
  if (b.size() < kManifestMinBytes) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " is truncated: ", b.size(),
                                            " bytes, need at least ", kManifestMinBytes));
  }
  const uint64_t free_count = DecodeFixed64(b.data() + kManifestFreeCountOffset);
  if (free_count > kMaxManifestBytes / 8 || b.size() < ManifestBytes(free_count, 0)) {
    return absl::DataLossError(absl::StrCat(
        "MANIFEST ", path, " is truncated or too long: ", b.size(), " bytes, its free list of ",
        free_count, " pages needs ", free_count > kMaxManifestBytes / 8
                                          ? absl::StrCat("over ", kMaxManifestBytes)
                                          : absl::StrCat(ManifestBytes(free_count, 0))));
  }
  const uint64_t catalog_offset = FreeEntryOffset(free_count) + kManifestCatalogLengthBytes;
  const uint64_t catalog_bytes = DecodeFixed64(b.data() + FreeEntryOffset(free_count));
  if (catalog_bytes > kMaxManifestBytes || b.size() != ManifestBytes(free_count, catalog_bytes)) {
    return absl::DataLossError(absl::StrCat(
        "MANIFEST ", path, " is truncated or too long: ", b.size(), " bytes, its catalog of ",
        catalog_bytes, " bytes at offset ", catalog_offset, " ends at ",
        catalog_offset + catalog_bytes + kManifestChecksumBytes));
  }
  const uint64_t checksum_offset = catalog_offset + catalog_bytes;
  const uint64_t stored = DecodeFixed64(b.data() + checksum_offset);
  const uint64_t actual = XXH3_64bits(b.data(), checksum_offset);
  if (stored != actual) {
    return absl::DataLossError(absl::StrFormat(
        "MANIFEST %s fails its checksum at offset %d: expected %016x, actual %016x", path,
        checksum_offset, stored, actual));
  }
  Manifest m;
  m.page_size = DecodeFixed32(b.data() + kManifestPageSizeOffset);
  m.root = DecodeFixed64(b.data() + kManifestRootOffset);
  m.page_count = DecodeFixed64(b.data() + kManifestPageCountOffset);
  m.checkpoint_lsn = DecodeFixed64(b.data() + kManifestCheckpointLsnOffset);
  m.generation = DecodeFixed64(b.data() + kManifestGenerationOffset);
  m.free_pages.resize(free_count);
  for (uint64_t i = 0; i < free_count; ++i) {
    m.free_pages[i] = DecodeFixed64(b.data() + FreeEntryOffset(i));
  }
  m.catalog.assign(b.data() + catalog_offset, catalog_bytes);
  absl::Status s = CheckDecodedFields(m, path);
  if (!s.ok()) return s;
  return m;
}

absl::StatusOr<Manifest> LoadManifest(io::IoBackend& io, const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kManifestName);
  absl::StatusOr<io::FileSlot> f = io.ReserveFile();
  if (!f.ok()) return f.status();
  io::Completion c = io.Run(io::Chain().OpenAt(f->id(), path, O_RDONLY));
  if (!c.ok()) {
    if (c.results[0] == -ENOENT) {
      return absl::NotFoundError(absl::StrCat("no MANIFEST: ", path, " does not exist"));
    }
    return c.status;
  }
  std::string bytes;
  for (;;) {
    const size_t have = bytes.size();
    bytes.resize(have + (1 << 16));
    c = io.Run(io::Chain().ReadUpTo(f->id(), bytes.data() + have, 1 << 16, have));
    if (!c.ok()) return c.status;
    RINGKV_CHECK(c.results[0] >= 0);
    RINGKV_CHECK(c.results[0] <= (1 << 16));
    bytes.resize(have + static_cast<size_t>(c.results[0]));
    if (c.results[0] == 0) break;
    if (bytes.size() > kMaxManifestBytes) {
      return absl::DataLossError(absl::StrCat("MANIFEST ", path, " is larger than ",
                                              kMaxManifestBytes, " bytes"));
    }
  }
  return DecodeManifest(bytes, path);
}

absl::Status PublishManifest(io::IoBackend& io, const std::string& dir, const Manifest& m) {
  const std::string bytes = EncodeManifest(m);
  return io::PublishFile(
      io, dir, kManifestName,
      absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace ringkv::pagestore
