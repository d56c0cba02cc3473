// The crash simulator honours the crash model: synced data survives every crash state, unsynced
// data and unsynced renames can vanish, O_DSYNC writes are durable, and atomic publication
// leaves the old or new file whole at every crash point.
#include "crash/crash_state.h"

#include <fcntl.h>

#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "uring/posix_backend.h"
#include "uring/publish.h"

namespace ringkv::crash {
namespace {

using ::ringkv::testing::FileExists;
using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;

class CrashStateTest : public ::testing::Test {
 protected:
  CrashStateTest() : posix_(io::IoOptions{}), rec_(posix_) {}

  std::string Materialize(const CrashSimulator& sim, CrashPlan plan) {
    const std::string out = absl::StrCat(out_.path(), "/s", ++states_);
    std::filesystem::create_directories(out);
    auto summary = sim.Materialize(plan, out);
    EXPECT_TRUE(summary.ok()) << summary.status();
    return out;
  }

  TempDir dir_, out_;
  io::PosixBackend posix_;
  io::RecordingBackend rec_;
  int states_ = 0;
};

TEST_F(CrashStateTest, DurabilityRules) {
  auto f = rec_.ReserveFile();
  auto d = rec_.ReserveFile();
  ASSERT_TRUE(f.ok() && d.ok());
  const std::string path = dir_.Join("f");
  ASSERT_TRUE(rec_.Run(io::Chain()
                           .OpenAt(f->id(), path, O_RDWR | O_CREAT, 0644)
                           .Write(f->id(), "durable!", 8, 0)
                           .Fsync(f->id())
                           .FsyncDir(d->id(), dir_.path()))
                  .ok());
  const uint64_t after_sync = rec_.last_event();
  ASSERT_TRUE(rec_.Run(io::Chain().Write(f->id(), "volatile", 8, 8)).ok());
  ASSERT_TRUE(rec_.Run(io::Chain().RenameAt(path, dir_.Join("g"))).ok());
  CrashSimulator sim(rec_.ops(), dir_.path());

  // Everything lost that can be: the synced bytes and the synced name remain.
  const std::string lost = Materialize(sim, {rec_.last_event(), CrashMode::kAllLost, 0});
  EXPECT_EQ(ReadFileOrDie(lost + "/f"), "durable!");
  EXPECT_FALSE(FileExists(lost + "/g")) << "the rename was never made durable";
  // Everything kept: the final state.
  const std::string kept = Materialize(sim, {rec_.last_event(), CrashMode::kAllKept, 0});
  EXPECT_EQ(ReadFileOrDie(kept + "/g"), "durable!volatile");
  EXPECT_FALSE(FileExists(kept + "/f"));
  // A crash right after the sync: only the durable state.
  const std::string early = Materialize(sim, {after_sync, CrashMode::kAllKept, 0});
  EXPECT_EQ(ReadFileOrDie(early + "/f"), "durable!");
  // Random states: the durable prefix is always there, in one of the two names.
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const std::string s = Materialize(sim, {rec_.last_event(), CrashMode::kRandom, seed});
    const std::string name = FileExists(s + "/g") ? s + "/g" : s + "/f";
    ASSERT_TRUE(FileExists(name));
    EXPECT_EQ(ReadFileOrDie(name).substr(0, 8), "durable!");
  }
}

TEST_F(CrashStateTest, DsyncWritesAreDurableOnCompletion) {
  auto f = rec_.ReserveFile();
  auto d = rec_.ReserveFile();
  ASSERT_TRUE(f.ok() && d.ok());
  const std::string path = dir_.Join("log");
  ASSERT_TRUE(rec_.Run(io::Chain()
                           .OpenAt(f->id(), path, O_RDWR | O_CREAT, 0644)
                           .Fallocate(f->id(), 0, 0, 4096)
                           .Fsync(f->id())
                           .FsyncDir(d->id(), dir_.path()))
                  .ok());
  ASSERT_TRUE(rec_.Run(io::Chain().Close(f->id()).OpenAt(f->id(), path, O_WRONLY | O_DSYNC)).ok());
  ASSERT_TRUE(rec_.Run(io::Chain().Write(f->id(), "record", 6, 0)).ok());
  CrashSimulator sim(rec_.ops(), dir_.path());
  const std::string lost = Materialize(sim, {rec_.last_event(), CrashMode::kAllLost, 0});
  const std::string got = ReadFileOrDie(lost + "/log");
  ASSERT_EQ(got.size(), 4096u);
  EXPECT_EQ(got.substr(0, 6), "record");
}

TEST_F(CrashStateTest, PublicationIsOldOrNewAtEveryCrashPoint) {
  const std::string old_contents(3000, 'o');
  const std::string new_contents(5000, 'n');
  auto bytes = [](const std::string& s) {
    return absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  ASSERT_TRUE(io::PublishFile(rec_, dir_.path(), "MANIFEST", bytes(old_contents)).ok());
  const uint64_t start = rec_.last_event();
  ASSERT_TRUE(io::PublishFile(rec_, dir_.path(), "MANIFEST", bytes(new_contents)).ok());
  CrashSimulator sim(rec_.ops(), dir_.path());
  std::set<std::string> seen;
  for (uint64_t point : sim.CrashPoints()) {
    if (point < start) continue;
    for (uint64_t seed = 0; seed < 20; ++seed) {
      for (CrashMode mode : {CrashMode::kRandom, CrashMode::kAllLost, CrashMode::kAllKept}) {
        const std::string s = Materialize(sim, {point, mode, seed});
        ASSERT_TRUE(FileExists(s + "/MANIFEST")) << "no MANIFEST at event " << point;
        const std::string got = ReadFileOrDie(s + "/MANIFEST");
        ASSERT_TRUE(got == old_contents || got == new_contents)
            << "torn MANIFEST (" << got.size() << " bytes) at event " << point;
        seen.insert(got.substr(0, 1));
        std::filesystem::remove_all(s);
      }
    }
  }
  EXPECT_EQ(seen.size(), 2u) << "both outcomes should be reachable";
}

// The same check must fail when the temp file is renamed without its fsync: the simulator has to
// produce a state with a torn or empty MANIFEST, or it would pass a broken publisher.
TEST_F(CrashStateTest, PublicationWithoutTempFsyncIsCaught) {
  const std::string old_contents(3000, 'o');
  const std::string new_contents(5000, 'n');
  auto f = rec_.ReserveFile();
  auto d = rec_.ReserveFile();
  ASSERT_TRUE(f.ok() && d.ok());
  auto publish = [&](const std::string& contents, bool fsync_temp) {
    io::Chain c;
    c.OpenAt(f->id(), dir_.Join("M.tmp"), O_WRONLY | O_CREAT | O_TRUNC, 0644)
        .Write(f->id(), contents.data(), contents.size(), 0);
    if (fsync_temp) c.Fsync(f->id());
    c.Close(f->id()).RenameAt(dir_.Join("M.tmp"), dir_.Join("M")).FsyncDir(d->id(), dir_.path());
    return rec_.Run(std::move(c)).ok();
  };
  ASSERT_TRUE(publish(old_contents, true));
  ASSERT_TRUE(publish(new_contents, false));
  CrashSimulator sim(rec_.ops(), dir_.path());
  int broken = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const std::string s = Materialize(sim, {rec_.last_event(), CrashMode::kRandom, seed});
    const std::string got = FileExists(s + "/M") ? ReadFileOrDie(s + "/M") : "";
    if (got != old_contents && got != new_contents) ++broken;
  }
  EXPECT_GT(broken, 0) << "a rename over an unsynced temp file must be able to tear";
}

TEST_F(CrashStateTest, OpLogRoundTrips) {
  auto f = rec_.ReserveFile();
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(rec_.Run(io::Chain()
                           .OpenAt(f->id(), dir_.Join("x"), O_RDWR | O_CREAT, 0644)
                           .Write(f->id(), "abc", 3, 10))
                  .ok());
  const std::vector<io::RecordedOp> ops = rec_.ops();
  auto back = DecodeOps(EncodeOps(ops));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), ops.size());
  EXPECT_EQ((*back)[1].data, "abc");
  EXPECT_EQ((*back)[1].offset, 10u);
  EXPECT_EQ((*back)[0].path, dir_.Join("x"));
  EXPECT_TRUE((*back)[0].created);
  EXPECT_EQ(DecodeOps("garbage").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ringkv::crash
