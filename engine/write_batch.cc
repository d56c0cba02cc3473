#include "ringkv/write_batch.h"

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "engine/write_batch_format.h"
#include "ringkv/size_limits.h"

namespace ringkv {

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.clear();
  PutFixed32(&rep_, 0);
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + kBatchCountOffset); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  EncodeFixed32(rep_.data() + kBatchCountOffset, Count() + 1);
  rep_.push_back(static_cast<char>(EntryType::kPut));
  PutVarint32(&rep_, static_cast<uint32_t>(key.size()));
  rep_.append(key);
  PutVarint32(&rep_, static_cast<uint32_t>(value.size()));
  rep_.append(value);
}

void WriteBatch::Delete(std::string_view key) {
  EncodeFixed32(rep_.data() + kBatchCountOffset, Count() + 1);
  rep_.push_back(static_cast<char>(EntryType::kDelete));
  PutVarint32(&rep_, static_cast<uint32_t>(key.size()));
  rep_.append(key);
}

WriteBatch WriteBatch::FromRep(std::string rep) {
  WriteBatch b;
  b.rep_ = std::move(rep);
  if (b.rep_.size() < kBatchHeaderBytes) {
    b.rep_.resize(kBatchHeaderBytes, '\xff');  // Iterate reports it as malformed
  }
  return b;
}

absl::Status WriteBatch::Iterate(Handler fn) const {
  if (rep_.size() < kBatchHeaderBytes) {
    return absl::DataLossError(absl::StrCat("write batch shorter than its ", kBatchHeaderBytes,
                                            "-byte header"));
  }
  std::string_view in(rep_);
  in.remove_prefix(kBatchEntriesOffset);
  const uint32_t count = Count();
  uint32_t seen = 0;
  while (!in.empty()) {
    const auto type = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    std::string_view key, value;
    if (type > static_cast<uint8_t>(EntryType::kPut) || !GetLengthPrefixed(&in, &key) ||
        (type == static_cast<uint8_t>(EntryType::kPut) && !GetLengthPrefixed(&in, &value))) {
      return absl::DataLossError(absl::StrCat("malformed write batch entry ", seen, " at byte ",
                                              rep_.size() - in.size()));
    }
    fn(static_cast<EntryType>(type), key, value);
    ++seen;
  }
  if (seen != count) {
    return absl::DataLossError(
        absl::StrCat("write batch says ", count, " entries but holds ", seen));
  }
  return absl::OkStatus();
}

absl::Status WriteBatch::Validate() const {
  if (rep_.size() > kMaxBatchBytes) {
    return absl::InvalidArgumentError(absl::StrCat("write batch of ", rep_.size(),
                                                   " bytes is over the limit of ",
                                                   kMaxBatchBytes, " bytes"));
  }
  absl::Status first = absl::OkStatus();
  absl::Status s = Iterate([&](EntryType type, std::string_view key, std::string_view value) {
    if (!first.ok()) return;
    first = CheckKey(key);
    if (first.ok() && type == EntryType::kPut) first = CheckValue(value);
  });
  return s.ok() ? first : s;
}

}  // namespace ringkv
