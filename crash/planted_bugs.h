// The backends that plant each PlantedBug (include/ringkv/crashtest.h) under the engine, so
// that the harness can prove it catches that bug; the engine has no switch for any of them.
// Each wraps `inner`, which must outlive it.
#ifndef RINGKV_CRASH_PLANTED_BUGS_H_
#define RINGKV_CRASH_PLANTED_BUGS_H_

#include <memory>

#include "ringkv/crashtest.h"
#include "uring/io_backend.h"

namespace ringkv::crash {

// WAL writes complete to the engine at once and reach the disk only later (crash/early_ack.cc).
std::unique_ptr<io::IoBackend> MakeEarlyAckBackend(io::IoBackend& inner);
// Fsyncs of the WAL directory are dropped (crash/dropped_fsyncs.cc).
std::unique_ptr<io::IoBackend> MakeSkipWalDirFsyncBackend(io::IoBackend& inner);
// The fsync of a temp file that its chain then renames into place (a publication, such as the
// MANIFEST's) is dropped (crash/dropped_fsyncs.cc).
std::unique_ptr<io::IoBackend> MakeSkipPublishTempFsyncBackend(io::IoBackend& inner);
// Reads of WAL segments return every plausible fragment with a matching checksum, so replay
// takes a torn record for a valid one (crash/forged_log_reads.cc).
std::unique_ptr<io::IoBackend> MakeTornRecordsValidBackend(io::IoBackend& inner);
// Reads of WAL segments return each skip fragment naming where replay stopped before it, so
// replay follows it past a hole a lost write left (crash/forged_log_reads.cc).
std::unique_ptr<io::IoBackend> MakeSkipsPastHolesBackend(io::IoBackend& inner);

// The engine's backend in a harness run: `inner` itself for PlantedBug::kNone, else `inner`
// behind the bug's backend (which keeps `inner` alive).
std::shared_ptr<io::IoBackend> PlantBug(PlantedBug bug, std::shared_ptr<io::IoBackend> inner);

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_PLANTED_BUGS_H_
