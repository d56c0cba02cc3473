// The DB's Iterator: merges the memtables and the tree of one Version at one sequence number,
// newest source first, hides deleted keys and older versions, and honours the bounds.
#ifndef RINGKV_ENGINE_DB_ITERATOR_H_
#define RINGKV_ENGINE_DB_ITERATOR_H_

#include <cstdint>
#include <memory>

#include "ringkv/db.h"
#include "engine/version.h"

namespace ringkv {

std::unique_ptr<Iterator> NewDBIterator(std::shared_ptr<const Version> version, uint64_t sequence,
                                        const ReadOptions& options);

}  // namespace ringkv

#endif  // RINGKV_ENGINE_DB_ITERATOR_H_
