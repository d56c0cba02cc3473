// The DB's Iterator: merges the memtables and the tree of one ReadView at one sequence number,
// newest source first, hides deleted keys and older versions, and honours the bounds.
#ifndef RINGKV_ENGINE_DB_ITERATOR_H_
#define RINGKV_ENGINE_DB_ITERATOR_H_

#include <cstdint>
#include <memory>

#include "ringkv/db.h"
#include "absl/status/status.h"
#include "engine/live_readers.h"
#include "engine/read_view.h"

namespace ringkv {

// `token` counts the iterator among the DB's live readers until it is deleted.
std::unique_ptr<Iterator> NewDBIterator(std::shared_ptr<const ReadView> view, uint64_t sequence,
                                        const ReadOptions& options, LiveReaders::Token token);
// An iterator that is never valid and reports `status` (not OK).
std::unique_ptr<Iterator> NewErrorIterator(absl::Status status);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_DB_ITERATOR_H_
