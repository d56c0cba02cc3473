#include "pagestore/manifest.h"

#include <xxhash.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/coding.h"
#include "uring/publish.h"

namespace ringkv::pagestore {
namespace {

constexpr char kMagic[8] = {'R', 'K', 'V', 'M', 'A', 'N', 'I', 'F'};
// magic 8, version u32, page size u32, root, page count, checkpoint LSN, generation, free count.
constexpr size_t kFixedBytes = 8 + 4 + 4 + 8 * 5;
constexpr size_t kMaxManifestBytes = 1u << 30;

}  // namespace

std::string EncodeManifest(const Manifest& m) {
  std::string out(kMagic, 8);
  PutFixed32(&out, kManifestVersion);
  PutFixed32(&out, m.page_size);
  PutFixed64(&out, m.root);
  PutFixed64(&out, m.page_count);
  PutFixed64(&out, m.checkpoint_lsn);
  PutFixed64(&out, m.generation);
  PutFixed64(&out, m.free_pages.size());
  for (uint64_t p : m.free_pages) PutFixed64(&out, p);
  PutFixed64(&out, XXH3_64bits(out.data(), out.size()));
  return out;
}

absl::StatusOr<Manifest> DecodeManifest(std::string_view b, const std::string& path) {
  if (b.size() < 12) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " is truncated: ", b.size(),
                                            " bytes, a manifest has at least ",
                                            kFixedBytes + 8));
  }
  if (std::memcmp(b.data(), kMagic, 8) != 0) {
    return absl::DataLossError(absl::StrCat(
        path, " is not a ringkv MANIFEST (bad magic): not a ringkv database, or damaged"));
  }
  const uint32_t version = DecodeFixed32(b.data() + 8);
  if (version != kManifestVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "MANIFEST ", path, " has format version ", version, "; this ringkv reads version ",
        kManifestVersion, (version > kManifestVersion ? " (written by a newer ringkv)" : "")));
  }
  if (b.size() < kFixedBytes + 8) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " is truncated: ", b.size(),
                                            " bytes, need at least ", kFixedBytes + 8));
  }
  const uint64_t free_count = DecodeFixed64(b.data() + kFixedBytes - 8);
  const uint64_t want = kFixedBytes + 8 * free_count + 8;
  if (free_count > kMaxManifestBytes / 8 || b.size() != want) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " is truncated or too long: ",
                                            b.size(), " bytes, its free list needs ", want));
  }
  const uint64_t stored = DecodeFixed64(b.data() + want - 8);
  const uint64_t actual = XXH3_64bits(b.data(), want - 8);
  if (stored != actual) {
    return absl::DataLossError(absl::StrFormat(
        "MANIFEST %s fails its checksum at offset %d: expected %016x, actual %016x", path,
        want - 8, stored, actual));
  }
  Manifest m;
  m.page_size = DecodeFixed32(b.data() + 12);
  m.root = DecodeFixed64(b.data() + 16);
  m.page_count = DecodeFixed64(b.data() + 24);
  m.checkpoint_lsn = DecodeFixed64(b.data() + 32);
  m.generation = DecodeFixed64(b.data() + 40);
  m.free_pages.resize(free_count);
  for (uint64_t i = 0; i < free_count; ++i) {
    m.free_pages[i] = DecodeFixed64(b.data() + kFixedBytes + 8 * i);
  }
  if (m.page_size < 512 || m.page_size > 65536 || (m.page_size & (m.page_size - 1)) != 0) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " names page size ", m.page_size));
  }
  if (m.root != kNoRoot && m.root >= m.page_count) {
    return absl::DataLossError(absl::StrCat("MANIFEST ", path, " names root page ", m.root,
                                            " beyond its ", m.page_count, " pages"));
  }
  for (uint64_t p : m.free_pages) {
    if (p >= m.page_count) {
      return absl::DataLossError(absl::StrCat("MANIFEST ", path, " lists free page ", p,
                                              " beyond its ", m.page_count, " pages"));
    }
  }
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
    bytes.resize(have + static_cast<size_t>(c.results[0]));
    if (c.results[0] == 0) break;
    if (bytes.size() > kMaxManifestBytes) {
      return absl::DataLossError(absl::StrCat("MANIFEST ", path, " is larger than 1 GiB"));
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
