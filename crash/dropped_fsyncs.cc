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

// Whether an fsync of the file `open` opened, at `index` of `chain`, is left out.
using SkipFn = bool (*)(const io::Chain& chain, size_t index, const io::Op& open);

bool IsWalDirectory(const io::Chain&, size_t, const io::Op& open) {
  return (open.flags & O_DIRECTORY) != 0 &&
         std::filesystem::path(open.path).filename() == kWalDirName;
}

bool IsRenamedLater(const io::Chain& chain, size_t index, const io::Op& open) {
  for (size_t i = index + 1; i < chain.size(); ++i) {
    const io::Op& op = chain.ops()[i];
    if (op.type == io::OpType::kRenameAt && op.path == open.path) return true;
  }
  return false;
}

// Drops the fsyncs `skip` picks among those of files opened in the same chain.
class SkipFsyncBackend final : public PlantedBugBackend {
 public:
  SkipFsyncBackend(io::IoBackend& inner, SkipFn skip) : PlantedBugBackend(inner), skip_(skip) {}

 protected:
  bool Drops(const io::Chain& chain, size_t index) override {
    if (chain.ops()[index].type != io::OpType::kFsync) return false;
    const io::Op* open = OpenedInChain(chain, index);
    return open != nullptr && skip_(chain, index, *open);
  }

 private:
  const SkipFn skip_;
};

}  // namespace

std::unique_ptr<io::IoBackend> MakeSkipWalDirFsyncBackend(io::IoBackend& inner) {
  return std::make_unique<SkipFsyncBackend>(inner, IsWalDirectory);
}

std::unique_ptr<io::IoBackend> MakeSkipPublishTempFsyncBackend(io::IoBackend& inner) {
  return std::make_unique<SkipFsyncBackend>(inner, IsRenamedLater);
}

}  // namespace ringkv::crash
