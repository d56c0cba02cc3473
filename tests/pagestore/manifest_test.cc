// The MANIFEST's encoding: what the encoder writes the decoder reads back, and the decoder
// refuses (DataLoss naming the file and offset) every free list the encoder would refuse to
// write: unsorted, listing a page twice, beyond the page count, or holding the root.
#include "pagestore/manifest.h"

#include <xxhash.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pagestore/manifest_format.h"

namespace ringkv::pagestore {
namespace {

using ::testing::HasSubstr;

Manifest Sample() {
  Manifest m;
  m.page_size = 8192;
  m.root = 7;
  m.page_count = 20;
  m.checkpoint_lsn = 4096;
  m.generation = 3;
  m.free_pages = {2, 5, 11};
  m.catalog = "runs";
  return m;
}

// The encoding of `m` with its free list replaced by `free` (as damage on disk would leave it,
// with a checksum that matches, so only the field checks can catch it).
std::string EncodeWithFreeList(Manifest m, const std::vector<uint64_t>& free) {
  m.free_pages.clear();
  std::string bytes = EncodeManifest(m);
  bytes.resize(kManifestFreeCountOffset);
  PutFixed64(&bytes, free.size());
  for (uint64_t p : free) PutFixed64(&bytes, p);
  PutFixed64(&bytes, m.catalog.size());
  bytes.append(m.catalog);
  PutFixed64(&bytes, XXH3_64bits(bytes.data(), bytes.size()));
  return bytes;
}

TEST(ManifestTest, EncodedFieldsSitWhereTheFormatSays) {
  const Manifest m = Sample();
  const std::string b = EncodeManifest(m);
  ASSERT_EQ(b.size(), ManifestBytes(3, 4));
  EXPECT_EQ(b.substr(kManifestMagicOffset, 8), "RKVMANIF");
  EXPECT_EQ(DecodeFixed32(b.data() + kManifestVersionOffset), kManifestVersion);
  EXPECT_EQ(DecodeFixed32(b.data() + kManifestPageSizeOffset), 8192u);
  EXPECT_EQ(DecodeFixed64(b.data() + kManifestRootOffset), 7u);
  EXPECT_EQ(DecodeFixed64(b.data() + kManifestPageCountOffset), 20u);
  EXPECT_EQ(DecodeFixed64(b.data() + kManifestCheckpointLsnOffset), 4096u);
  EXPECT_EQ(DecodeFixed64(b.data() + kManifestGenerationOffset), 3u);
  EXPECT_EQ(DecodeFixed64(b.data() + kManifestFreeCountOffset), 3u);
  EXPECT_EQ(DecodeFixed64(b.data() + kManifestFreeListOffset + 8), 5u);
  EXPECT_EQ(DecodeFixed64(b.data() + kManifestFreeListOffset + 24), 4u);  // catalog length
  EXPECT_EQ(b.substr(kManifestFreeListOffset + 32, 4), "runs");
}

TEST(ManifestTest, DecodeReadsBackWhatEncodeWrote) {
  const Manifest m = Sample();
  absl::StatusOr<Manifest> d = DecodeManifest(EncodeManifest(m), "dir/MANIFEST");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->page_size, m.page_size);
  EXPECT_EQ(d->root, m.root);
  EXPECT_EQ(d->page_count, m.page_count);
  EXPECT_EQ(d->checkpoint_lsn, m.checkpoint_lsn);
  EXPECT_EQ(d->generation, m.generation);
  EXPECT_EQ(d->free_pages, m.free_pages);
  EXPECT_EQ(d->catalog, m.catalog);
}

TEST(ManifestTest, DecodeRefusesAFreeListOutOfOrder) {
  absl::StatusOr<Manifest> d = DecodeManifest(EncodeWithFreeList(Sample(), {2, 11, 5}), "m");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("free page 5"));
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("out of ascending order"));
  EXPECT_THAT(std::string(d.status().message()),
              HasSubstr(absl::StrCat("offset ", kManifestFreeListOffset + 16)));
}

TEST(ManifestTest, DecodeRefusesAFreePageListedTwice) {
  absl::StatusOr<Manifest> d = DecodeManifest(EncodeWithFreeList(Sample(), {2, 5, 5}), "m");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("free page 5"));
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("twice"));
}

TEST(ManifestTest, DecodeRefusesAFreePageBeyondThePageCount) {
  absl::StatusOr<Manifest> d = DecodeManifest(EncodeWithFreeList(Sample(), {2, 20}), "m");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("free page 20 beyond its 20 pages"));
}

TEST(ManifestTest, DecodeRefusesTheRootAsAFreePage) {
  absl::StatusOr<Manifest> d = DecodeManifest(EncodeWithFreeList(Sample(), {2, 7}), "m");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("root page 7 as free"));
}

TEST(ManifestTest, DecodeRefusesARootBeyondThePageCount) {
  Manifest m = Sample();
  m.root = 3;
  std::string b = EncodeManifest(m);
  EncodeFixed64(b.data() + kManifestRootOffset, 20);
  EncodeFixed64(b.data() + b.size() - kManifestChecksumBytes,
                XXH3_64bits(b.data(), b.size() - kManifestChecksumBytes));
  absl::StatusOr<Manifest> d = DecodeManifest(b, "m");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("root page 20 beyond"));
}

TEST(ManifestDeathTest, EncodeRefusesWhatDecodeWouldRefuse) {
  Manifest unsorted = Sample();
  unsorted.free_pages = {5, 2};
  EXPECT_DEATH(EncodeManifest(unsorted), "RINGKV_CHECK failed");
  Manifest twice = Sample();
  twice.free_pages = {2, 2};
  EXPECT_DEATH(EncodeManifest(twice), "RINGKV_CHECK failed");
  Manifest root_free = Sample();
  root_free.free_pages = {7};
  EXPECT_DEATH(EncodeManifest(root_free), "RINGKV_CHECK failed");
  Manifest beyond = Sample();
  beyond.free_pages = {20};
  EXPECT_DEATH(EncodeManifest(beyond), "RINGKV_CHECK failed");
}

}  // namespace
}  // namespace ringkv::pagestore
