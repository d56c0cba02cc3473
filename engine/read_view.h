// A ReadView is what a read sees: the active memtable, the memtable being checkpointed (if any)
// and the published tree snapshot below them. Readers copy the shared_ptr and keep every part
// alive and unchanged (memtables only grow; sequence numbers hide what came later). The DB
// replaces its current view at every memtable rotation and checkpoint (DBImpl::SetCurrent).
#ifndef RINGKV_ENGINE_READ_VIEW_H_
#define RINGKV_ENGINE_READ_VIEW_H_

#include <memory>

#include "engine/memtable.h"
#include "engine/tree_store.h"

namespace ringkv {

struct ReadView {
  std::shared_ptr<MemTable> mem;
  std::shared_ptr<MemTable> imm;  // null when no checkpoint is pending
  std::shared_ptr<TreeSnapshot> tree;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_READ_VIEW_H_
