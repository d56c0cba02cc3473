// The size limits the engine enforces on keys and values (documented in docs/format.md and the
// README); anything outside is rejected with InvalidArgument naming the limit.
#ifndef RINGKV_SIZE_LIMITS_H_
#define RINGKV_SIZE_LIMITS_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace ringkv {

inline constexpr size_t kMaxKeyBytes = 16u << 10;    // 16 KiB
inline constexpr size_t kMaxValueBytes = 64u << 20;  // 64 MiB
// A WriteBatch is one WAL record: bounded so one record cannot take the log hostage.
inline constexpr size_t kMaxBatchBytes = 256u << 20;

// OK, or InvalidArgument saying which limit `key`/`value` break.
absl::Status CheckKey(std::string_view key);
absl::Status CheckValue(std::string_view value);

}  // namespace ringkv

#endif  // RINGKV_SIZE_LIMITS_H_
