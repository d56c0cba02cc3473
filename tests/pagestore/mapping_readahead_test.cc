// The mapped read path against the memory limit: a page file larger than half of
// PageStoreOptions::memory_limit_bytes is mapped without readahead (the kernel shows the
// mapping as random-read, "rr" in /proc/self/smaps), one that fits keeps the kernel's default
// until checkpoints grow it past the line, and without readahead every page still reads back
// its bytes and a damaged page is still caught by its checksum.
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pagestore/page_store.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"

namespace ringkv::pagestore {
namespace {

using ::ringkv::testing::BackendParam;
using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;
using ::testing::HasSubstr;

constexpr uint32_t kPage = 4096;

std::string Payload(uint64_t id, size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (id * 7 + i) % 19);
  return s;
}

// The VmFlags of the mapping of `file` in /proc/self/smaps ("" if it is not mapped).
std::string VmFlagsOf(const std::string& file) {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool in_mapping = false;
  while (std::getline(in, line)) {
    const bool header = !line.empty() && line.find(':') != std::string::npos &&
                        line.find('-') < line.find(' ');
    if (header) in_mapping = absl::EndsWith(line, " " + file);
    if (in_mapping && absl::StartsWith(line, "VmFlags:")) return line;
  }
  return "";
}

bool ReadsAheadPerKernel(const std::string& file) {
  const std::string flags = VmFlagsOf(file);
  EXPECT_FALSE(flags.empty()) << file << " is not mapped";
  return !absl::StrContains(flags + " ", " rr ");
}

class MappingReadaheadTest : public ::testing::TestWithParam<io::BackendKind> {
 protected:
  void SetUp() override {
    io_ = ringkv::testing::MakeBackend(BackendParam{GetParam(), false});
    ASSERT_NE(io_, nullptr);
  }
  std::unique_ptr<PageStore> Open(uint64_t memory_limit_bytes) {
    PageStoreOptions o;
    o.use_mmap = true;
    o.memory_limit_bytes = memory_limit_bytes;
    auto s = PageStore::Open(*io_, dir_.path(), o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::vector<uint64_t> WritePages(PageStore& s, int n, uint64_t lsn) {
    std::vector<uint64_t> ids;
    for (int i = 0; i < n; ++i) {
      auto id = s.Allocate();
      EXPECT_TRUE(id.ok());
      ids.push_back(*id);
      const std::string p = Payload(*id, s.payload_size());
      EXPECT_TRUE(
          s.Stage(*id, 1, {reinterpret_cast<const uint8_t*>(p.data()), p.size()}).ok());
    }
    EXPECT_TRUE(s.Commit(ids[0], lsn).ok());
    return ids;
  }
  void ExpectPages(PageStore& s, const std::vector<uint64_t>& ids) {
    auto v = s.Current();
    for (uint64_t id : ids) {
      auto p = v->Read(id);
      ASSERT_TRUE(p.ok()) << p.status();
      ASSERT_EQ(std::memcmp(p->payload, Payload(id, s.payload_size()).data(), p->size), 0)
          << "page " << id;
    }
    auto batch = v->ReadPages(ids);
    ASSERT_TRUE(batch.ok()) << batch.status();
    for (size_t k = 0; k < ids.size(); ++k) {
      ASSERT_EQ(std::memcmp((*batch)[k].payload, Payload(ids[k], s.payload_size()).data(),
                            (*batch)[k].size),
                0);
    }
  }
  std::string file() const { return dir_.Join("pages.db"); }
  TempDir dir_;
  std::unique_ptr<io::IoBackend> io_;
};

TEST_P(MappingReadaheadTest, AFileLargerThanHalfTheLimitIsReadWithoutReadahead) {
  std::vector<uint64_t> ids;
  {
    auto s = Open(/*memory_limit_bytes=*/1ull << 40);
    ASSERT_NE(s, nullptr);
    ids = WritePages(*s, 64, 1);  // 256 KiB
  }
  auto s = Open(/*memory_limit_bytes=*/256 << 10);  // the file is all of it
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->mapped());
  EXPECT_FALSE(s->stats().mapping_reads_ahead);
  EXPECT_FALSE(ReadsAheadPerKernel(file()));
  ExpectPages(*s, ids);
}

TEST_P(MappingReadaheadTest, AFileThatFitsReadsAheadUntilCheckpointsGrowIt) {
  auto s = Open(/*memory_limit_bytes=*/1 << 20);  // readahead while the file is <= 512 KiB
  ASSERT_NE(s, nullptr);
  std::vector<uint64_t> ids = WritePages(*s, 100, 1);
  s->Current();
  EXPECT_TRUE(s->stats().mapping_reads_ahead);
  EXPECT_TRUE(ReadsAheadPerKernel(file()));
  for (uint64_t id : WritePages(*s, 100, 2)) ids.push_back(id);  // 800 KiB
  ExpectPages(*s, ids);  // pins the grown version
  EXPECT_FALSE(s->stats().mapping_reads_ahead);
  EXPECT_FALSE(ReadsAheadPerKernel(file()));
  ExpectPages(*s, ids);
}

TEST_P(MappingReadaheadTest, WithoutReadaheadADamagedPageIsStillCaught) {
  {
    auto s = Open(1ull << 40);
    ASSERT_NE(s, nullptr);
    WritePages(*s, 64, 1);
  }
  std::string bytes = ReadFileOrDie(file());
  bytes[9 * kPage + 300] ^= 0x20;
  WriteFileOrDie(file(), bytes);
  auto s = Open(64 << 10);
  ASSERT_NE(s, nullptr);
  ASSERT_FALSE(s->stats().mapping_reads_ahead);
  auto v = s->Current();
  EXPECT_TRUE(v->Read(8).ok());
  for (const absl::Status& st : {v->Read(9).status(), v->ReadPages({8, 9, 10}).status()}) {
    EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(st.message()), HasSubstr("page 9"));
    EXPECT_THAT(std::string(st.message()), HasSubstr(absl::StrCat("offset ", 9 * kPage)));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, MappingReadaheadTest,
                         ::testing::Values(io::BackendKind::kUring, io::BackendKind::kPosix),
                         [](const ::testing::TestParamInfo<io::BackendKind>& info) {
                           return info.param == io::BackendKind::kPosix ? "Posix" : "Uring";
                         });

}  // namespace
}  // namespace ringkv::pagestore
