#include "ringkv/size_limits.h"

#include "absl/strings/str_cat.h"

namespace ringkv {

absl::Status CheckKey(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("empty key: keys are 1 to 16384 bytes");
  if (key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("key of ", key.size(),
                                                   " bytes is over the limit of ", kMaxKeyBytes,
                                                   " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckValue(std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return absl::InvalidArgumentError(absl::StrCat("value of ", value.size(),
                                                   " bytes is over the limit of ", kMaxValueBytes,
                                                   " bytes (64 MiB)"));
  }
  return absl::OkStatus();
}

}  // namespace ringkv
