// Two planted bugs that leave out an fsync the crash model relies on: of the WAL directory after
// a new segment is renamed into it, and of a temp file before it is renamed over the file it
// replaces (the MANIFEST's publication).
#include <fcntl.h>

#include <filesystem>
#include <memory>

#include "crash/planted_bug_backend.h"
#include "crash/planted_bugs.h"

namespace ringkv::crash {
namespace {

// engine/wal_log.cc keeps the log in this subdirectory of the database.
constexpr char kWalDirName[] = "wal";

// The OpenAt of `chain` before op `index` that opened the file op `index` acts on, if any.
const io::Op* OpenedInChain(const io::Chain& chain, size_t index) {
  const io::FileId file = chain.ops()[index].file;
  for (size_t i = index; i-- > 0;) {
    const io::Op& op = chain.ops()[i];
    if (op.type == io::OpType::kOpenAt && op.file == file) return &op;
  }
  return nullptr;
}

class SkipWalDirFsyncBackend final : public PlantedBugBackend {
 public:
  using PlantedBugBackend::PlantedBugBackend;

 protected:
  bool Drops(const io::Chain& chain, size_t index) override {
    if (chain.ops()[index].type != io::OpType::kFsync) return false;
    const io::Op* open = OpenedInChain(chain, index);
    return open != nullptr && (open->flags & O_DIRECTORY) != 0 &&
           std::filesystem::path(open->path).filename() == kWalDirName;
  }
};

class SkipPublishTempFsyncBackend final : public PlantedBugBackend {
 public:
  using PlantedBugBackend::PlantedBugBackend;

 protected:
  bool Drops(const io::Chain& chain, size_t index) override {
    if (chain.ops()[index].type != io::OpType::kFsync) return false;
    const io::Op* open = OpenedInChain(chain, index);
    if (open == nullptr) return false;
    for (size_t i = index + 1; i < chain.size(); ++i) {
      const io::Op& op = chain.ops()[i];
      if (op.type == io::OpType::kRenameAt && op.path == open->path) return true;
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<io::IoBackend> MakeSkipWalDirFsyncBackend(io::IoBackend& inner) {
  return std::make_unique<SkipWalDirFsyncBackend>(inner);
}

std::unique_ptr<io::IoBackend> MakeSkipPublishTempFsyncBackend(io::IoBackend& inner) {
  return std::make_unique<SkipPublishTempFsyncBackend>(inner);
}

}  // namespace ringkv::crash
