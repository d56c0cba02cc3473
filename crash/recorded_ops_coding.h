// Serialization of a recorded run (the ops a recorder logged), for reproduction files; the layout
// is described in docs/format.md ("Recorded op log").
#ifndef RINGKV_CRASH_RECORDED_OPS_CODING_H_
#define RINGKV_CRASH_RECORDED_OPS_CODING_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "uring/recording_backend.h"

namespace ringkv::crash {

std::string EncodeOps(const std::vector<io::RecordedOp>& ops);
// Fails with DataLoss naming what is truncated or malformed.
absl::StatusOr<std::vector<io::RecordedOp>> DecodeOps(std::string_view bytes);

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_RECORDED_OPS_CODING_H_
