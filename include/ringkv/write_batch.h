// WriteBatch collects puts and deletes that the engine applies atomically: one WAL record,
// replayed whole or not at all. Its encoding is the WAL payload (docs/format.md, "WriteBatch").
#ifndef RINGKV_WRITE_BATCH_H_
#define RINGKV_WRITE_BATCH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace ringkv {

enum class EntryType : uint8_t { kDelete = 0, kPut = 1 };

class WriteBatch {
 public:
  WriteBatch();

  // Limits are checked when the batch is written (DB::Write), so a bad entry fails the whole
  // batch with InvalidArgument and nothing of it is applied.
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void Clear();

  uint32_t Count() const;
  bool Empty() const { return Count() == 0; }
  // Encoded size: what the batch costs in the log.
  size_t ByteSize() const { return rep_.size(); }

  // Calls `fn` for each entry in order. Fails with DataLoss if the encoding is malformed (only
  // possible for a rep that did not come from this class, e.g. a corrupted log record).
  using Handler = absl::FunctionRef<void(EntryType, std::string_view key, std::string_view value)>;
  absl::Status Iterate(Handler fn) const;
  // The entry limits (key 1..16 KiB, value <= 64 MiB, batch <= 256 MiB).
  absl::Status Validate() const;

  const std::string& rep() const { return rep_; }
  // Adopts an encoded batch (from the log); Iterate validates it.
  static WriteBatch FromRep(std::string rep);

 private:
  std::string rep_;  // u32 count, then entries
};

}  // namespace ringkv

#endif  // RINGKV_WRITE_BATCH_H_
