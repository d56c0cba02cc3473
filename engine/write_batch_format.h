// The encoding of a WriteBatch, the payload of one WAL record (docs/format.md, "WriteBatch"):
// a u32 entry count, then entries of type u8, varint32-prefixed key and (put) value.
#ifndef RINGKV_ENGINE_WRITE_BATCH_FORMAT_H_
#define RINGKV_ENGINE_WRITE_BATCH_FORMAT_H_

#include <cstddef>
#include <cstdint>

#include "ringkv/write_batch.h"

namespace ringkv {

// The batch carries no version of its own: it is versioned by the WAL segment header's format
// version (wal/wal_format.h), since a batch only exists inside a WAL record.
inline constexpr size_t kBatchCountOffset = 0;  // u32 entry count
inline constexpr size_t kBatchHeaderBytes = 4;
inline constexpr size_t kBatchEntriesOffset = kBatchHeaderBytes;

static_assert(kBatchHeaderBytes == kBatchCountOffset + sizeof(uint32_t));
// The entry type byte is the enumerator's value: the enum's values are part of the format.
static_assert(static_cast<uint8_t>(EntryType::kDelete) == 0);
static_assert(static_cast<uint8_t>(EntryType::kPut) == 1);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_WRITE_BATCH_FORMAT_H_
