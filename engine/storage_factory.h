// Builds the engine's log and page store on the real wal/ and pagestore/ layers.
#ifndef RINGKV_ENGINE_STORAGE_FACTORY_H_
#define RINGKV_ENGINE_STORAGE_FACTORY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/log.h"
#include "ringkv/options.h"
#include "engine/tree_store.h"
#include "uring/io_backend.h"

namespace ringkv {

// The I/O backend `options` ask for (options.io if set); kAuto falls back to plain syscalls,
// saying so once on stderr, when io_uring is refused.
absl::StatusOr<std::shared_ptr<io::IoBackend>> OpenIoBackend(const Options& options);

// The page store of the database in `dir` (page file + MANIFEST), created empty if there is
// none yet. Precise errors for a MANIFEST that is corrupt, of a newer format, or of another
// page size.
absl::StatusOr<std::unique_ptr<TreeStore>> OpenPageTreeStore(io::IoBackend& io,
                                                             const std::string& dir,
                                                             const Options& options);

// The write-ahead log in `dir`/wal. New records get LSNs >= `min_lsn` (the checkpoint LSN), so
// a log that lost its unsynced tail can never hand out an LSN the checkpoint already covers.
absl::StatusOr<std::unique_ptr<Log>> OpenWalLog(io::IoBackend& io, const std::string& dir,
                                                const Options& options, uint64_t min_lsn);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_STORAGE_FACTORY_H_
