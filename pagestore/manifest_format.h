// The on-disk layout of the MANIFEST (docs/format.md, "Manifest"): its name, magic, version,
// field offsets and limits. Its encoder and decoder (pagestore/manifest.cc) both use these.
#ifndef RINGKV_PAGESTORE_MANIFEST_FORMAT_H_
#define RINGKV_PAGESTORE_MANIFEST_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace ringkv::pagestore {

inline constexpr char kManifestName[] = "MANIFEST";
inline constexpr char kManifestMagic[8] = {'R', 'K', 'V', 'M', 'A', 'N', 'I', 'F'};
// The format version of the MANIFEST and of the page file it describes (pages carry none).
// Version 2 added the catalog (the engine's sorted runs) after the free list.
inline constexpr uint32_t kManifestVersion = 2;
// The root page id of the empty tree.
inline constexpr uint64_t kNoRoot = ~0ull;

// Field offsets, in the order docs/format.md's table lists them.
inline constexpr size_t kManifestMagicOffset = 0;
inline constexpr size_t kManifestVersionOffset = 8;           // u32
inline constexpr size_t kManifestPageSizeOffset = 12;         // u32
inline constexpr size_t kManifestRootOffset = 16;             // u64
inline constexpr size_t kManifestPageCountOffset = 24;        // u64
inline constexpr size_t kManifestCheckpointLsnOffset = 32;    // u64
inline constexpr size_t kManifestGenerationOffset = 40;       // u64
inline constexpr size_t kManifestFreeCountOffset = 48;        // u64
inline constexpr size_t kManifestFreeListOffset = 56;         // u64 per free page, ascending
// After the free list: the catalog's length (u64), then its bytes (opaque to the page store:
// the engine's list of sorted runs, docs/format.md "Sorted runs"), then the checksum.
inline constexpr size_t kManifestCatalogLengthBytes = 8;
inline constexpr size_t kManifestChecksumBytes = 8;           // XXH3-64 of all bytes before it
// Enough to hold the magic and the version: what is needed to say which format a file is.
inline constexpr size_t kManifestIdentityBytes = kManifestPageSizeOffset;
// A manifest with an empty free list and an empty catalog.
inline constexpr size_t kManifestMinBytes =
    kManifestFreeListOffset + kManifestCatalogLengthBytes + kManifestChecksumBytes;
// A longer file is damaged (its free list would describe a page file of over 100 TiB).
inline constexpr size_t kMaxManifestBytes = size_t{1} << 30;

// The size of a manifest listing `free_count` free pages, with `catalog_bytes` of catalog.
constexpr uint64_t ManifestBytes(uint64_t free_count, uint64_t catalog_bytes) {
  return kManifestMinBytes + 8 * free_count + catalog_bytes;
}

static_assert(sizeof(kManifestMagic) == kManifestVersionOffset - kManifestMagicOffset);
static_assert(kManifestPageSizeOffset == kManifestVersionOffset + 4);
static_assert(kManifestRootOffset == kManifestPageSizeOffset + 4);
static_assert(kManifestPageCountOffset == kManifestRootOffset + 8);
static_assert(kManifestCheckpointLsnOffset == kManifestPageCountOffset + 8);
static_assert(kManifestGenerationOffset == kManifestCheckpointLsnOffset + 8);
static_assert(kManifestFreeCountOffset == kManifestGenerationOffset + 8);
static_assert(kManifestFreeListOffset == kManifestFreeCountOffset + 8);
static_assert(kManifestMinBytes == 72);
static_assert(kManifestRootOffset % 8 == 0, "u64 fields are 8-byte aligned");

}  // namespace ringkv::pagestore

#endif  // RINGKV_PAGESTORE_MANIFEST_FORMAT_H_
