#include "crash/exec/explain.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"

namespace ringkv::crash::exec {
namespace {

using io::OpType;
using io::RecordedOp;

class Namer {
 public:
  explicit Namer(const std::string& root) : root_(root) {}
  std::string operator()(const std::string& path) const {
    if (path == root_) return ".";
    if (path.compare(0, root_.size() + 1, root_ + "/") == 0) return path.substr(root_.size() + 1);
    return path;
  }
  std::string DirOf(const std::string& path) const {
    const std::string name = (*this)(path);
    const size_t slash = name.find_last_of('/');
    return slash == std::string::npos ? "." : name.substr(0, slash);
  }

 private:
  const std::string& root_;
};

std::string WhatOp(const RecordedOp& op, const Namer& name) {
  switch (op.type) {
    case OpType::kWrite:
      return absl::StrCat("the write of ", op.len, " bytes at offset ", op.offset, " to ",
                          name(op.path));
    case OpType::kFallocate:
      if (op.sets_size) return absl::StrCat("the truncate of ", name(op.path), " to ", op.offset, " bytes");
      return absl::StrCat("the fallocate of ", op.len, " bytes at offset ", op.offset, " of ",
                          name(op.path));
    case OpType::kOpenAt:
      if (op.created) return absl::StrCat("the create of ", name(op.path));
      return absl::StrCat("the O_TRUNC open of ", name(op.path));
    case OpType::kRenameAt:
      return absl::StrCat(op.adds_name ? "the link " : "the rename ", name(op.path), " -> ",
                          name(op.path2));
    case OpType::kUnlinkAt:
      return absl::StrCat(op.directory ? "the rmdir of " : "the unlink of ", name(op.path));
    case OpType::kMkdirAt:
      return absl::StrCat("the mkdir of ", name(op.path));
    case OpType::kFsync:
    case OpType::kFdatasync:
      return absl::StrCat("the ", io::OpTypeName(op.type), " of ",
                          op.directory ? "directory " : "", name(op.path));
    default:
      return absl::StrCat("the ", io::OpTypeName(op.type), " of ", name(op.path));
  }
}

std::string Directories(const RecordedOp& op, const Namer& name) {
  const std::string a = name.DirOf(op.path);
  if (op.type != OpType::kRenameAt || name.DirOf(op.path2) == a) {
    return absl::StrCat("the directory ", a, " was never fsynced after it");
  }
  return absl::StrCat("the directories ", a, " and ", name.DirOf(op.path2),
                      " were not both fsynced after it");
}

}  // namespace

std::vector<std::string> Explain(const CrashSimulator& sim, const CrashStateSummary& summary) {
  const Namer name(sim.recorded_root());
  std::map<size_t, std::string> by_op;  // op index -> sentence, so they come out in order
  for (const auto& [index, fate] : summary.fates) {
    const RecordedOp& op = sim.ops()[index];
    const bool data = op.type == OpType::kWrite || op.type == OpType::kFallocate ||
                      (op.type == OpType::kOpenAt && op.truncated);
    if (fate.fate == OpFate::kLost) {
      by_op[index] = absl::StrCat(WhatOp(op, name),
                                  data ? " was lost (no fsync covered it)" : " was under way and did not happen");
    } else if (fate.fate == OpFate::kTorn) {
      by_op[index] = absl::StrCat(WhatOp(op, name), " was torn (512-byte sectors landed: ",
                                  fate.sectors, ")");
    }
  }
  // A name change that persisted matters when it carries a file whose data was lost or torn.
  std::set<uint64_t> damaged;
  for (const auto& [index, fate] : summary.fates) {
    if (fate.fate != OpFate::kKept) damaged.insert(sim.ops()[index].inode);
  }
  for (size_t i = 0; i < summary.volatile_names.size(); ++i) {
    const size_t index = summary.volatile_names[i];
    const RecordedOp& op = sim.ops()[index];
    if (i < summary.names_kept && damaged.count(op.inode) == 0) continue;
    std::string& s = by_op[index];
    if (!s.empty()) absl::StrAppend(&s, "; ");
    absl::StrAppend(&s, WhatOp(op, name), i < summary.names_kept ? " persisted" : " was undone", "; ",
                    Directories(op, name));
  }
  std::vector<std::string> out;
  for (auto& [index, s] : by_op) out.push_back(std::move(s));
  return out;
}

}  // namespace ringkv::crash::exec
