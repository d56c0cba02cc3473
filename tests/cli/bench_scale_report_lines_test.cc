// The lines a scale child sends its parent: every figure written arrives in the ScaleResult,
// chunks become rates and write amplification, and a child that dies midway leaves what it
// wrote before.
#include "bench/scale/scale_report_lines.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringkv::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Writes through a pipe, as a child does, and applies what the reading end gets.
class ScaleLinesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  void TearDown() override { ::close(fds_[0]); }
  ScaleResult ReadAll() {
    ::close(fds_[1]);
    std::string text;
    char buf[256];
    for (ssize_t n; (n = ::read(fds_[0], buf, sizeof(buf))) > 0;) text.append(buf, n);
    ScaleResult r;
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) ApplyScaleLine(line, &r);
    return r;
  }
  int fds_[2];
};

TEST_F(ScaleLinesTest, FiguresAndChunksArrive) {
  ScaleLineWriter out(fds_[1]);
  out.Chunk(1000, 0.5, 232'000, 116'000);
  out.Chunk(2000, 0.25, 696'000, 232'000);
  out.Figure("disk_bytes", 123456789012.0);
  out.Figure("reopen_seconds", 0.125);
  out.Figure("warm_hit_rate", 1);
  out.Note("gets under a memory limit skipped: no cgroup");
  ScaleResult r = ReadAll();
  ASSERT_EQ(r.chunks.size(), 2u);
  EXPECT_EQ(r.chunks[0].ops, 1000u);
  EXPECT_DOUBLE_EQ(r.chunks[0].ops_per_sec, 2000);  // 1000 ops in 0.5 s
  EXPECT_DOUBLE_EQ(r.chunks[0].write_amp, 2);
  EXPECT_DOUBLE_EQ(r.chunks[1].ops_per_sec, 4000);  // the second chunk's own 1000 ops
  EXPECT_DOUBLE_EQ(r.chunks[1].write_amp, 3);       // so far: 696,000 / 232,000
  EXPECT_EQ(r.disk_bytes, 123456789012u);
  EXPECT_DOUBLE_EQ(r.reopen_seconds, 0.125);
  EXPECT_DOUBLE_EQ(r.warm_hit_rate, 1);
  EXPECT_THAT(r.notes, ElementsAre("gets under a memory limit skipped: no cgroup"));
  EXPECT_TRUE(r.error.empty());
}

TEST_F(ScaleLinesTest, TheStallPhaseFiguresArrive) {
  ScaleLineWriter out(fds_[1]);
  out.Text("stall_during", "a checkpoint running");
  out.Figure("stall_idle_samples", 300);
  out.Figure("stall_idle_p50_us", 150.5);
  out.Figure("stall_idle_p99_us", 400);
  out.Figure("stall_busy_samples", 120);
  out.Figure("stall_busy_p50_us", 900);
  out.Figure("stall_busy_p99_us", 1200);
  out.Figure("stall_background_puts", 450000);
  out.Figure("stall_background_runs", 2);
  out.Figure("stall_seconds", 4.5);
  ScaleResult r = ReadAll();
  EXPECT_EQ(r.stall_during, "a checkpoint running");
  EXPECT_EQ(r.stall_idle_samples, 300u);
  EXPECT_DOUBLE_EQ(r.stall_idle_p50_us, 150.5);
  EXPECT_DOUBLE_EQ(r.stall_idle_p99_us, 400);
  EXPECT_EQ(r.stall_busy_samples, 120u);
  EXPECT_DOUBLE_EQ(r.stall_busy_p50_us, 900);
  EXPECT_DOUBLE_EQ(r.stall_busy_p99_us, 1200);
  EXPECT_EQ(r.stall_background_puts, 450000u);
  EXPECT_EQ(r.stall_background_runs, 2u);
  EXPECT_DOUBLE_EQ(r.stall_seconds, 4.5);
  EXPECT_TRUE(r.notes.empty()) << r.notes[0];
}

TEST_F(ScaleLinesTest, AnErrorAndGarbageAreKeptNotLost) {
  ScaleLineWriter out(fds_[1]);
  out.Figure("seconds", 2);
  out.Error("rocksdb put: IO error: No space left on device");
  ASSERT_EQ(::write(fds_[1], "chunk twelve\n", 13), 13);
  ScaleResult r = ReadAll();
  EXPECT_DOUBLE_EQ(r.seconds, 2);
  EXPECT_EQ(r.error, "rocksdb put: IO error: No space left on device");
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], HasSubstr("chunk twelve"));
  EXPECT_TRUE(r.chunks.empty());
}

}  // namespace
}  // namespace ringkv::bench
