// `ringkv bench` end to end through the binary, with tiny durations: the JSON report carries
// every field (checked by python3's json module), the SVG is well-formed XML, every engine
// workload, the goals and the scale workload run, and bad arguments give one line on stderr
// and a non-zero exit. No timing is asserted: the figures of a loaded 2-core machine are
// whatever they are.

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"

namespace ringkv {
namespace {

using ::ringkv::testing::ReadFileOrDie;
using ::ringkv::testing::TempDir;
using ::ringkv::testing::WriteFileOrDie;
using ::testing::HasSubstr;

using Result = ::ringkv::testing::ShellResult;

// Checks a bench JSON report: argv[1] the file, argv[2] "device" or "engine", argv[3] the
// expected repetitions. Prints OK, or what is missing.
constexpr char kJsonCheck[] = R"PY(
import json, sys
d = json.load(open(sys.argv[1]))
mode, repeat = sys.argv[2], int(sys.argv[3])
problems = []
def need(obj, keys, where):
    for k in keys:
        if k not in obj:
            problems.append('%s: missing %s' % (where, k))
need(d, ['mode', 'command', 'started_utc', 'total_seconds', 'seconds_per_run', 'repeat',
         'machine', 'warnings', 'skipped', 'notes', 'runs'], 'report')
if d.get('mode') != mode: problems.append('mode is %r' % d.get('mode'))
if d.get('repeat') != repeat: problems.append('repeat is %r' % d.get('repeat'))
need(d.get('machine', {}), ['kernel', 'hostname', 'cpus', 'dir', 'filesystem', 'mount_point',
     'device', 'block_device', 'model', 'write_cache', 'fua', 'rotational', 'nvme'], 'machine')
if not d.get('machine', {}).get('kernel', '').startswith('Linux'): problems.append('kernel')
if not d.get('runs'): problems.append('no runs')
figures = ['ops', 'seconds', 'ops_per_sec', 'mb_per_sec', 'p50_us', 'p90_us', 'p99_us',
           'p999_us', 'max_us', 'mean_us']
for i, r in enumerate(d.get('runs', [])):
    where = 'run %d' % i
    need(r, ['kind', 'label', 'median', 'repetitions', 'note', 'warnings'], where)
    if mode == 'device':
        need(r, ['method', 'file_state', 'block_bytes', 'depth', 'durable'], where)
    else:
        need(r, ['store', 'workload', 'threads', 'key_bytes', 'value_bytes', 'engine'], where)
    need(r.get('median', {}), figures, where + ' median')
    if len(r.get('repetitions', [])) != repeat:
        problems.append('%s: %d repetitions' % (where, len(r.get('repetitions', []))))
    for j, f in enumerate(r.get('repetitions', [])):
        need(f, figures, '%s repetition %d' % (where, j))
    m = r.get('median', {})
    if m.get('ops', 0) > 0 and not (0 <= m['p50_us'] <= m['p90_us'] <= m['p99_us'] <= m['p999_us'] <= m['max_us']):
        problems.append('%s: percentiles out of order %r' % (where, m))
print('\n'.join(problems) if problems else 'OK')
)PY";

// Checks a scale report: argv[1] the file, argv[2] the stores (comma-separated), argv[3] the
// keys, argv[4] the chunks expected, argv[5] the mode; stores "any": whichever ran; argv[6]
// "cold" if the gets under a memory limit must have run, or have said why not; argv[7] "stall"
// if the stall phase must have run, "repeat3" if every store must be the median of 3 runs.
// Prints OK, or what is wrong.
constexpr char kScaleJsonCheck[] = R"PY(
import json, sys
d = json.load(open(sys.argv[1]))
stores, keys, chunks, mode = sys.argv[2].split(','), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
cold = sys.argv[6] == 'cold'
extra = sys.argv[7] if len(sys.argv) > 7 else ''
problems = []
def need(obj, names, where):
    for k in names:
        if k not in obj:
            problems.append('%s: missing %s' % (where, k))
need(d, ['mode', 'command', 'machine', 'warnings', 'notes', 'scale'], 'report')
if d.get('mode') != 'scale': problems.append('mode is %r' % d.get('mode'))
got = [s.get('store') for s in d.get('scale', [])]
if stores != ['any'] and got != stores: problems.append('stores %r' % got)
for s in d.get('scale', []):
    where = s.get('store')
    need(s, ['mode', 'keys', 'user_bytes', 'seconds', 'ops_per_sec', 'last_vs_first_rate',
             'write_amp', 'disk_bytes', 'space_amp', 'reopen_seconds', 'warm_gets',
             'warm_gets_per_sec', 'warm_hit_rate', 'memory_limit_bytes', 'cold_gets',
             'cold_gets_per_sec', 'cold_hit_rate', 'peak_rss_bytes', 'peak_anon_rss_bytes', 'stall',
             'error', 'notes',
             'chunks'], where)
    st = s.get('stall', {})
    need(st, ['during', 'idle_samples', 'idle_p50_us', 'idle_p99_us', 'busy_samples', 'busy_p50_us',
              'busy_p99_us', 'p99_ratio', 'background_puts', 'background_runs', 'seconds'], where + ' stall')
    if extra == 'stall':
        # The busy part may find no background work in its time (a slow sanitizer build), but
        # the idle samples are always there, and a ratio only where both were measured.
        if not st.get('during'): problems.append('%s: stall phase did not run %r' % (where, st))
        if not st.get('idle_samples', 0) > 0: problems.append('%s: no idle samples %r' % (where, st))
        if not 0 < st.get('idle_p50_us', 0) <= st.get('idle_p99_us', 0): problems.append('%s: idle %r' % (where, st))
        if st.get('busy_samples', 0) > 0:
            if not 0 < st['busy_p50_us'] <= st['busy_p99_us']: problems.append('%s: busy %r' % (where, st))
            if abs(st['p99_ratio'] - st['busy_p99_us'] / st['idle_p99_us']) > 1e-3 * st['p99_ratio']:
                problems.append('%s: p99 ratio %r' % (where, st))
        elif st.get('p99_ratio') != 0: problems.append('%s: a ratio without busy samples %r' % (where, st))
    if extra == 'repeat3':
        reps = s.get('repetitions', [])
        if s.get('median_of') != 3 or len(reps) != 3: problems.append('%s: runs %r' % (where, s.get('median_of')))
        for f in ['ops_per_sec', 'write_amp', 'space_amp', 'reopen_seconds', 'warm_gets_per_sec', 'peak_rss_bytes']:
            v = sorted(r.get(f) for r in reps)
            if len(v) == 3 and s.get(f) != v[1]: problems.append('%s: %s %r is not the median of %r' % (where, f, s.get(f), v))
        if any(len(r.get('chunks', [])) != chunks for r in reps): problems.append('%s: a run without its chunks' % where)
    if s.get('error'): problems.append('%s: error %r' % (where, s['error']))
    if s.get('mode') != mode: problems.append('%s: mode %r' % (where, s.get('mode')))
    if s.get('keys') != keys: problems.append('%s: keys %r' % (where, s.get('keys')))
    c = s.get('chunks', [])
    if len(c) != chunks: problems.append('%s: %d chunks' % (where, len(c)))
    ops = [x.get('ops') for x in c]
    if ops != sorted(ops) or (ops and ops[-1] != keys): problems.append('%s: chunk ops %r' % (where, ops))
    for x in c:
        need(x, ['ops', 'seconds', 'ops_per_sec', 'write_amp'], where + ' chunk')
        if not x.get('ops_per_sec', 0) > 0: problems.append('%s: chunk rate %r' % (where, x))
    # What a user relies on: every key put is found again, the files hold at least the user
    # bytes (values are incompressible), the process did write them, memory was measured.
    if s.get('user_bytes', 0) < keys * 116: problems.append('%s: user_bytes %r' % (where, s.get('user_bytes')))
    if s.get('warm_gets', 0) > 0 and s.get('warm_hit_rate') != 1: problems.append('%s: warm hit rate %r' % (where, s.get('warm_hit_rate')))
    if not s.get('space_amp', 0) >= 1: problems.append('%s: space_amp %r' % (where, s.get('space_amp')))
    if not s.get('write_amp', 0) > 0: problems.append('%s: write_amp %r' % (where, s.get('write_amp')))
    if not s.get('reopen_seconds', 0) > 0: problems.append('%s: reopen_seconds %r' % (where, s.get('reopen_seconds')))
    if not s.get('peak_rss_bytes', 0) > 0: problems.append('%s: peak_rss_bytes %r' % (where, s.get('peak_rss_bytes')))
    # The anonymous part is part of the resident set, never more.
    if not 0 < s.get('peak_anon_rss_bytes', 0) <= s['peak_rss_bytes']:
        problems.append('%s: peak_anon_rss_bytes %r' % (where, s.get('peak_anon_rss_bytes')))
    # The cold gets ran and found every key, or say why not: no cgroup here, or the OOM killer
    # at the limit (a sanitizer build needs more memory than any limit the test can predict).
    said_why = any('skipped' in n or 'signal 9' in n for n in s.get('notes', []))
    ran = s.get('cold_gets', 0) > 0 and s.get('cold_hit_rate') == 1
    if cold and not (ran or said_why):
        problems.append('%s: cold gets %r hit rate %r, notes %r' % (where, s.get('cold_gets'), s.get('cold_hit_rate'), s.get('notes')))
print('\n'.join(problems) if problems else 'OK')
)PY";

class BenchCliTest : public ::testing::Test {
 protected:
  Result Run(const std::string& args) {
    const char* bin = std::getenv("RINGKV_BIN");
    EXPECT_NE(bin, nullptr) << "meson sets RINGKV_BIN";
    return Shell(absl::StrCat(bin, " ", args));
  }
  Result Shell(const std::string& cmd) { return ::ringkv::testing::RunShell(cmd, dir_.path()); }
  std::string CheckJson(const std::string& file, const char* mode, int repeat) {
    WriteFileOrDie(dir_.Join("check.py"), kJsonCheck);
    Result r = Shell(absl::StrCat("python3 ", dir_.Join("check.py"), " ", file, " ", mode, " ", repeat));
    return r.out + r.err;
  }
  std::string CheckScaleJson(const std::string& file, const std::string& stores, int keys, int chunks,
                             const char* mode, bool cold = false, const char* extra = "") {
    WriteFileOrDie(dir_.Join("check_scale.py"), kScaleJsonCheck);
    Result r = Shell(absl::StrCat("python3 ", dir_.Join("check_scale.py"), " ", file, " ", stores, " ",
                                  keys, " ", chunks, " ", mode, cold ? " cold " : " warm ", extra));
    return r.out + r.err;
  }
  std::string CheckSvg(const std::string& file) {
    Result r = Shell(absl::StrCat(
        "python3 -c 'import xml.dom.minidom,sys; d=xml.dom.minidom.parse(sys.argv[1]); "
        "print(d.documentElement.tagName)' ",
        file));
    return r.out + r.err;
  }
  std::string work() {
    const std::string d = dir_.Join("work");
    Shell(absl::StrCat("mkdir -p ", d));
    return d;
  }
  TempDir dir_;
};

TEST_F(BenchCliTest, DeviceReportsEveryFieldInJsonAndDrawsSvg) {
  const std::string json = dir_.Join("device.json"), svg = dir_.Join("device.svg");
  Result r = Run(absl::StrCat("bench device ", work(),
                              " --methods=buffered,fdatasync,uring_fdatasync,direct_dsync"
                              " --block_sizes=4k --depths=1,2 --seconds=0.05 --repeat=2 --json ",
                              json, " --svg ", svg));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("fdatasync"));
  EXPECT_THAT(r.out, HasSubstr("p99.9 us"));
  EXPECT_THAT(r.out, HasSubstr("2 repetitions"));
  EXPECT_EQ(CheckJson(json, "device", 2), "OK\n");
  EXPECT_EQ(CheckSvg(svg), "svg\n");
}

TEST_F(BenchCliTest, DeviceFileStatesAndBlockSizes) {
  const std::string json = dir_.Join("states.json");
  Result r = Run(absl::StrCat("bench device ", work(),
                              " --methods=fdatasync --file_states=zeroed,fallocated,extending"
                              " --block_sizes=512,64k --seconds=0.05 --json=",
                              json));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("fallocated"));
  EXPECT_THAT(r.out, HasSubstr("extending"));
  EXPECT_THAT(r.out, HasSubstr("64KiB"));
  EXPECT_EQ(CheckJson(json, "device", 1), "OK\n");
}

TEST_F(BenchCliTest, EngineReportsTheEnginesOwnFigures) {
  const std::string json = dir_.Join("engine.json"), svg = dir_.Join("engine.svg");
  Result r = Run(absl::StrCat("bench engine ", work(),
                              " --workload=fillsync --seconds=0.05 --json ", json, " --svg ", svg));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ringkv"));
  EXPECT_EQ(CheckJson(json, "engine", 1), "OK\n");
  EXPECT_THAT(ReadFileOrDie(json), HasSubstr("\"group_records\""));
  EXPECT_THAT(ReadFileOrDie(json), HasSubstr("\"durable_writes_per_commit\""));
  EXPECT_EQ(CheckSvg(svg), "svg\n");
}

TEST_F(BenchCliTest, EveryWorkloadRuns) {
  for (const char* w : {"fillrandom", "fillseq", "readrandom", "readseq", "scan", "mixed", "recovery"}) {
    Result r = Run(absl::StrCat("bench engine ", work(), " --workload=", w,
                                " --num_keys=500 --op_count=100 --threads=2"));
    EXPECT_EQ(r.status, 0) << w << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr(w));
  }
}

TEST_F(BenchCliTest, CompareRunsEveryPeerBuiltIn) {
  const std::string json = dir_.Join("compare.json");
  Result r = Run(absl::StrCat("bench engine ", work(),
                              " --workload=fillrandom --op_count=200 --compare --json ", json));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(CheckJson(json, "engine", 1), "OK\n");
  // Each peer is either measured or skipped with a message naming it.
  for (const char* peer : {"rocksdb", "leveldb", "lmdb", "sqlite"}) {
    EXPECT_TRUE(r.out.find(peer) != std::string::npos || r.err.find(peer) != std::string::npos)
        << peer;
  }
}

TEST_F(BenchCliTest, GoalsCompareRingkvWithTheDeviceAndPeers) {
  const std::string json = dir_.Join("goals.json");
  Result r = Run(absl::StrCat("bench engine ", work(),
                              " --goals=fillsync1,fillrandom1,recovery --engines=ringkv,leveldb"
                              " --seconds=0.05 --op_count=200 --num_keys=500 --json ", json));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("fillsync1"));
  EXPECT_THAT(r.out, HasSubstr("best peer"));
  EXPECT_EQ(CheckJson(json, "engine", 1), "OK\n");
  const std::string text = ReadFileOrDie(json);
  for (const char* field : {"\"goals\"", "\"vs_best_peer\"", "\"vs_device\"", "\"goal\":\"recovery\""}) {
    EXPECT_THAT(text, HasSubstr(field));
  }
}

// The memory limit is made generous (twice the files): at 20,000 keys a quarter of the files is
// less than ringkv needs to open at all, and this test is about the figures being there.
TEST_F(BenchCliTest, ScaleWorkloadReportsEveryFigure) {
  const std::string json = dir_.Join("scale.json"), svg = dir_.Join("scale.svg");
  Result r = Run(absl::StrCat("bench engine ", work(),
                              " --workload=scale --keys=20000 --engines=ringkv --scale_gets=2000"
                              " --scale_cold_gets=500 --scale_memory_fraction=2 --scale_stall_samples=50"
                              " --ringkv_memtable_mib=1 --scale_stall_seconds=20 --json ", json,
                              " --svg ", svg));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("WA"));
  EXPECT_THAT(r.out, HasSubstr("idle p99 us"));
  EXPECT_THAT(r.out, HasSubstr("a checkpoint running"));
  EXPECT_THAT(r.err, HasSubstr("20000/20000 ops"));  // the progress line of the last chunk
  EXPECT_EQ(CheckScaleJson(json, "ringkv", 20000, 10, "insert", /*cold=*/true, "stall"), "OK\n");
  EXPECT_EQ(CheckSvg(svg), "svg\n");
  EXPECT_THAT(ReadFileOrDie(svg), HasSubstr("polyline"));
}

// Every store built in, each mode printing its chunks and drawing its plot.
TEST_F(BenchCliTest, ScaleOverwriteAndMixRunInChunks) {
  for (const char* mode : {"overwrite", "mix"}) {
    const std::string json = dir_.Join(absl::StrCat(mode, ".json"));
    const std::string svg = dir_.Join(absl::StrCat(mode, ".svg"));
    Result r = Run(absl::StrCat("bench engine ", work(), " --workload=scale --keys=3000 --chunk=1000",
                                " --compare --scale_gets=100 --scale_cold_gets=0 --scale_stall_samples=0",
                                " --scale_mode=", mode, " --json ", json, " --svg ", svg));
    ASSERT_EQ(r.status, 0) << mode << ": " << r.err;
    EXPECT_EQ(CheckScaleJson(json, "any", 3000, 3, mode), "OK\n") << mode;
    EXPECT_THAT(r.err, HasSubstr("[ringkv 1/")) << mode;
    EXPECT_THAT(r.err, HasSubstr("3000/3000 ops")) << mode;
    EXPECT_EQ(CheckSvg(svg), "svg\n") << mode;
    EXPECT_THAT(ReadFileOrDie(svg), HasSubstr(absl::StrCat(mode, " of 3000 keys"))) << mode;
  }
}

TEST_F(BenchCliTest, ScaleRepeatGivesMediansOfTheRuns) {
  const std::string json = dir_.Join("repeat.json");
  Result r = Run(absl::StrCat("bench engine ", work(), " --workload=scale --keys=2000 --engines=ringkv",
                              " --repeat=3 --scale_gets=100 --scale_cold_gets=0 --scale_stall_samples=0",
                              " --json ", json));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("the median of 3 runs"));
  EXPECT_THAT(r.err, HasSubstr("run 3/3] 2000/2000 ops"));
  EXPECT_EQ(CheckScaleJson(json, "ringkv", 2000, 10, "insert", /*cold=*/false, "repeat3"), "OK\n");
}

TEST_F(BenchCliTest, ScaleRunsEveryPeerBuiltIn) {
  const std::string json = dir_.Join("scale-peers.json");
  Result r = Run(absl::StrCat("bench engine ", work(), " --workload=scale --keys=2000 --compare",
                              " --scale_gets=100 --scale_cold_gets=0 --scale_stall_samples=20",
                              " --scale_stall_seconds=5 --ringkv_memtable_mib=1 --json ", json));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(CheckScaleJson(json, "any", 2000, 10, "insert", /*cold=*/false, "stall"), "OK\n");
  for (const char* peer : {"rocksdb", "leveldb", "lmdb", "sqlite"}) {
    EXPECT_TRUE(r.out.find(peer) != std::string::npos || r.err.find(peer) != std::string::npos)
        << peer;
  }
}

TEST_F(BenchCliTest, BadArgumentsGiveOneLineAndFail) {
  const std::string w = work();
  for (const std::string& args :
       {std::string("bench"), std::string("bench device"), absl::StrCat("bench sideways ", w),
        std::string("bench device /nonexistent/dir"), absl::StrCat("bench device ", w, " --depths=0"),
        absl::StrCat("bench device ", w, " --methods=carrier_pigeon"),
        absl::StrCat("bench device ", w, " --block_sizes=4q"),
        absl::StrCat("bench device ", w, " --file_states=haunted"),
        absl::StrCat("bench engine ", w, " --workload=nope"),
        absl::StrCat("bench engine ", w, " --threads=0"),
        absl::StrCat("bench engine ", w, " --read_percent=101"),
        absl::StrCat("bench engine ", w, " --goals=speed"),
        absl::StrCat("bench engine ", w, " --engines=ringkv,berkeleydb"),
        absl::StrCat("bench engine ", w, " --workload=scale --scale_mode=sideways"),
        absl::StrCat("bench engine ", w, " --workload=scale --keys=0"),
        absl::StrCat("bench engine ", w, " --workload=scale --scale_memory_fraction=0"),
        absl::StrCat("bench engine ", w, " --workload=scale --repeat=0"),
        absl::StrCat("bench engine ", w, " --workload=scale --scale_stall_seconds=0")}) {
    Result r = Run(args);
    EXPECT_NE(r.status, 0) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("ringkv bench")) << args;
  }
}

}  // namespace
}  // namespace ringkv
