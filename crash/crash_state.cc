#include "crash/crash_state.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace ringkv::crash {

// The crash state being built: directories, names (path -> inode) and file contents.
struct FileTree {
  std::set<std::string> dirs;
  std::map<std::string, uint64_t> names;
  std::map<uint64_t, std::string> contents;
};

namespace {

using io::OpType;
using io::RecordedOp;

constexpr uint64_t kSector = 512;

bool IsSync(const RecordedOp& op) {
  return (op.type == OpType::kFsync || op.type == OpType::kFdatasync);
}

bool IsNamespaceOp(const RecordedOp& op) {
  return (op.type == OpType::kOpenAt && op.created) || op.type == OpType::kRenameAt ||
         op.type == OpType::kUnlinkAt || op.type == OpType::kMkdirAt;
}

bool IsDataOp(const RecordedOp& op) {
  return op.type == OpType::kWrite || op.type == OpType::kFallocate ||
         (op.type == OpType::kOpenAt && op.truncated);
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// An op that happened before the crash, with what the crash-time view knows about it.
struct Happened {
  size_t index;               // into CrashSimulator::ops()
  const RecordedOp* op;
  bool chain_completed;       // its chain finished before the crash
  bool in_progress = false;   // under way at the crash: may be torn, durable by no means
};

// a precedes b in time for certain: same linked chain and earlier, or a's chain completed before
// b's chain was submitted.
bool Precedes(const Happened& a, const Happened& b) {
  if (a.op->chain == b.op->chain) return a.op->linked && a.op->index < b.op->index;
  return a.chain_completed && a.op->complete_event < b.op->submit_event;
}

// Makes every choice a crash state needs, the same way for every step, from the plan's mode.
class FateChooser {
 public:
  explicit FateChooser(const CrashPlan& plan)
      : plan_(plan), rng_(plan.seed * 0x9e3779b97f4a7c15ull + plan.event) {}

  // How many ops of a linked chain in flight (n of them submitted) finished or started.
  size_t LinkedCut(const std::vector<size_t>& chain_ops) {
    const size_t n = chain_ops.size();
    switch (plan_.mode) {
      case CrashMode::kAllKept:
      case CrashMode::kEnumerate: return n;
      case CrashMode::kAllLost: return 0;
      case CrashMode::kRandom: return rng_() % (n + 1);
      case CrashMode::kChosen: {
        // Up to the last op that was not lost (a lost op before it is a lost write).
        size_t cut = n;
        while (cut > 0 && ChosenLost(chain_ops[cut - 1])) --cut;
        return cut;
      }
    }
    return n;
  }
  // The ops of an unlinked chain in flight: not started (nullopt), finished or under way.
  std::optional<bool> UnlinkedStarted(size_t op_index) {
    switch (plan_.mode) {
      case CrashMode::kAllKept:
      case CrashMode::kEnumerate: return false;
      case CrashMode::kAllLost: return std::nullopt;
      case CrashMode::kRandom: {
        const uint64_t r = rng_() % 3;
        if (r == 0) return std::nullopt;
        return r == 2;
      }
      case CrashMode::kChosen:
        // An op listed with another fate (kept or torn) was under way; one not listed finished.
        if (ChosenLost(op_index)) return std::nullopt;
        return plan_.fates.count(op_index) > 0;
    }
    return false;
  }
  // kRandom: the op after a linked chain's finished prefix was under way (may be torn).
  bool NextUnderWay() const { return plan_.mode == CrashMode::kRandom; }
  // kEnumerate: the last op of the prefix that ran was under way; kChosen: if the plan says so.
  bool LastUnderWay(size_t op_index) const {
    if (plan_.mode == CrashMode::kEnumerate) return true;
    return plan_.mode == CrashMode::kChosen && plan_.fates.count(op_index) > 0 &&
           !ChosenLost(op_index);
  }

  size_t NamesKept(size_t volatile_names) {
    switch (plan_.mode) {
      case CrashMode::kAllKept:
      case CrashMode::kEnumerate: return volatile_names;
      case CrashMode::kAllLost: return 0;
      case CrashMode::kRandom: return rng_() % (volatile_names + 1);
      case CrashMode::kChosen: return std::min(plan_.names_kept, volatile_names);
    }
    return volatile_names;
  }

  // A volatile data op: kept, lost or torn (with which sectors landed).
  ChosenFate DataFate(const Happened& h, size_t* enumerated_bits) {
    const RecordedOp& op = *h.op;
    const bool tearable = op.type == OpType::kWrite && op.len > kSector;
    switch (plan_.mode) {
      case CrashMode::kAllKept: return {};
      case CrashMode::kAllLost: return {OpFate::kLost, ""};
      case CrashMode::kEnumerate: {
        const size_t bit = (*enumerated_bits)++;
        if (bit < 64 && ((plan_.seed >> bit) & 1)) return {};
        return {OpFate::kLost, ""};
      }
      case CrashMode::kChosen: {
        auto it = plan_.fates.find(h.index);
        if (it == plan_.fates.end()) return {};
        if (it->second.fate == OpFate::kTorn && !tearable) return {OpFate::kLost, ""};
        return it->second;
      }
      case CrashMode::kRandom: {
        const uint64_t r = rng_() % 4;
        OpFate fate;
        // A write under way at the crash is the one most likely to be torn.
        if (h.in_progress) {
          fate = r == 0 ? OpFate::kKept : r == 1 ? OpFate::kLost : OpFate::kTorn;
        } else {
          fate = r < 2 ? OpFate::kKept : r == 2 ? OpFate::kLost : OpFate::kTorn;
        }
        if (fate == OpFate::kTorn && !tearable) fate = OpFate::kLost;
        if (fate != OpFate::kTorn) return {fate, ""};
        std::string sectors;
        for (uint64_t s = op.offset / kSector * kSector; s < op.offset + op.data.size(); s += kSector) {
          sectors.push_back(rng_() % 2 ? '1' : '0');
        }
        return {OpFate::kTorn, sectors};
      }
    }
    return {};
  }

 private:
  bool ChosenLost(size_t op_index) const {
    auto it = plan_.fates.find(op_index);
    return it != plan_.fates.end() && it->second.fate == OpFate::kLost;
  }

  const CrashPlan& plan_;
  std::mt19937_64 rng_;
};

// Step 1. What happened by the crash: whole completed chains, a prefix of each linked chain in
// flight (any subset of an unlinked one). In-flight ops that did not start go into
// `summary->fates` as lost.
std::vector<Happened> OpsHappenedBy(const std::vector<RecordedOp>& ops, uint64_t event,
                                    FateChooser& chooser, CrashStateSummary* summary) {
  std::map<uint64_t, std::vector<size_t>> in_flight;
  std::vector<Happened> happened;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].complete_event <= event) {
      happened.push_back({i, &ops[i], true});
    } else if (ops[i].submit_event <= event) {
      in_flight[ops[i].chain].push_back(i);
    }
  }
  for (auto& [chain, chain_ops] : in_flight) {
    std::sort(chain_ops.begin(), chain_ops.end(),
              [&](size_t a, size_t b) { return ops[a].index < ops[b].index; });
    if (ops[chain_ops.front()].linked) {
      // Ops of a linked chain run one after another: some prefix finished.
      size_t ran = chooser.LinkedCut(chain_ops);
      for (size_t i = 0; i < ran; ++i) happened.push_back({chain_ops[i], &ops[chain_ops[i]], false});
      // The op after the finished prefix was under way: some of its sectors may have landed.
      if (chooser.NextUnderWay() && ran < chain_ops.size()) {
        happened.push_back({chain_ops[ran], &ops[chain_ops[ran]], false, true});
        ++ran;
      } else if (ran > 0 && chooser.LastUnderWay(chain_ops[ran - 1])) {
        happened.back().in_progress = true;
      }
      // Listed so that a kChosen plan rebuilt from this summary has it under way too; refined
      // by DataFate.
      if (ran > 0 && happened.back().in_progress) summary->fates[chain_ops[ran - 1]] = {OpFate::kKept, ""};
      for (size_t i = ran; i < chain_ops.size(); ++i) summary->fates[chain_ops[i]] = {OpFate::kLost, ""};
    } else {
      for (size_t index : chain_ops) {
        const std::optional<bool> under_way = chooser.UnlinkedStarted(index);
        if (!under_way.has_value()) {
          summary->fates[index] = {OpFate::kLost, ""};
          continue;
        }
        happened.push_back({index, &ops[index], false, *under_way});
        if (*under_way) summary->fates[index] = {OpFate::kKept, ""};  // as above
      }
    }
  }
  return happened;
}

// Step 2. Which happened ops a completed sync covers.
class DurabilityIndex {
 public:
  explicit DurabilityIndex(const std::vector<Happened>& happened) : happened_(happened) {
    for (size_t i = 0; i < happened.size(); ++i) {
      const RecordedOp& op = *happened[i].op;
      if (!IsSync(op) || happened[i].in_progress) continue;
      if (op.directory) {
        dir_syncs_[op.path].push_back(i);
      } else {
        file_syncs_[op.inode].push_back(i);
      }
    }
  }

  bool DataDurable(const Happened& h) const {
    if (h.in_progress) return false;
    if (h.op->type == OpType::kWrite && h.op->dsync) return true;  // completed O_DSYNC write
    auto it = file_syncs_.find(h.op->inode);
    return it != file_syncs_.end() && AnyAfter(h, it->second);
  }
  // A name change is durable once its directory (both, for a rename or link) was synced after it.
  bool NameDurable(const Happened& h) const {
    if (!DirSyncedAfter(h, Dirname(h.op->path))) return false;
    return h.op->type != OpType::kRenameAt || DirSyncedAfter(h, Dirname(h.op->path2));
  }

 private:
  bool DirSyncedAfter(const Happened& h, const std::string& dir) const {
    auto it = dir_syncs_.find(dir);
    return it != dir_syncs_.end() && AnyAfter(h, it->second);
  }
  bool AnyAfter(const Happened& h, const std::vector<size_t>& syncs) const {
    for (size_t s : syncs) {
      if (Precedes(h, happened_[s])) return true;
    }
    return false;
  }

  const std::vector<Happened>& happened_;
  absl::flat_hash_map<uint64_t, std::vector<size_t>> file_syncs_;
  std::map<std::string, std::vector<size_t>> dir_syncs_;
};


// Step 3 (per op). A name change that persisted. A renamed directory takes what is under it.
void ApplyNameChange(const RecordedOp& op, FileTree& tree) {
  switch (op.type) {
    case OpType::kOpenAt:
      if (op.directory) {
        tree.dirs.insert(op.path);
      } else {
        tree.names[op.path] = op.inode;
      }
      break;
    case OpType::kMkdirAt:
      tree.dirs.insert(op.path);
      break;
    case OpType::kRenameAt: {
      auto it = tree.names.find(op.path);
      if (it != tree.names.end()) {
        const uint64_t inode = it->second;
        if (!op.adds_name) tree.names.erase(it);
        tree.names[op.path2] = inode;
        break;
      }
      if (op.adds_name || tree.dirs.count(op.path) == 0) break;
      const std::string from = op.path + "/";
      const std::string to = op.path2 + "/";
      std::set<std::string> dirs;
      for (const std::string& d : tree.dirs) {
        if (d == op.path) {
          dirs.insert(op.path2);
        } else if (d.compare(0, from.size(), from) == 0) {
          dirs.insert(to + d.substr(from.size()));
        } else {
          dirs.insert(d);
        }
      }
      tree.dirs = std::move(dirs);
      std::map<std::string, uint64_t> names;
      for (const auto& [path, inode] : tree.names) {
        const bool under = path.compare(0, from.size(), from) == 0;
        names[under ? to + path.substr(from.size()) : path] = inode;
      }
      tree.names = std::move(names);
      break;
    }
    case OpType::kUnlinkAt:
      if (op.directory) {
        tree.dirs.erase(op.path);
      } else {
        tree.names.erase(op.path);
      }
      break;
    default:
      break;
  }
}

// Step 4 (per op). A data change that reached the disk, whole or torn.
void ApplyData(const RecordedOp& op, const ChosenFate& fate, std::string& file) {
  if (op.type == OpType::kOpenAt) {
    file.clear();  // O_TRUNC
    return;
  }
  if (op.type == OpType::kFallocate) {
    if (op.sets_size) {
      file.resize(op.offset, '\0');
    } else if ((op.mode & FALLOC_FL_PUNCH_HOLE) != 0) {  // always with KEEP_SIZE
      if (op.offset < file.size()) {
        const uint64_t n = std::min<uint64_t>(op.len, file.size() - op.offset);
        file.replace(op.offset, n, n, '\0');
      }
    } else if (file.size() < op.offset + op.len && (op.mode & 1) == 0) {  // not KEEP_SIZE
      file.resize(op.offset + op.len, '\0');
    }
    return;
  }
  const uint64_t end = op.offset + op.data.size();
  if (fate.fate == OpFate::kKept) {
    if (file.size() < end) file.resize(end, '\0');
    file.replace(op.offset, op.data.size(), op.data);
    return;
  }
  // Torn: each 512-byte sector of the file the write covers reached the disk or not.
  size_t sector = 0;
  for (uint64_t s = op.offset / kSector * kSector; s < end; s += kSector, ++sector) {
    if (sector >= fate.sectors.size() || fate.sectors[sector] != '1') continue;
    const uint64_t from = std::max(s, op.offset);
    const uint64_t to = std::min(s + kSector, end);
    if (file.size() < to) file.resize(to, '\0');
    file.replace(from, to - from, op.data, from - op.offset, to - from);
  }
}

std::string DescribeName(const RecordedOp& op) {
  return absl::StrCat(io::OpTypeName(op.type), " ", op.path, op.path2.empty() ? "" : " -> ",
                      op.path2);
}

std::string DescribeData(const RecordedOp& op) {
  return absl::StrCat(io::OpTypeName(op.type), " inode ", op.inode, " offset ", op.offset, " len ",
                      op.len);
}

// Writes `data` to a new file at `path`, leaving 4 KiB blocks of zeros as holes: preallocated,
// zero-filled files (a WAL's segments) are most of many states, and reading a hole gives the same
// zeros.
absl::Status WriteSparse(const std::string& path, std::string_view data) {
  constexpr size_t kBlock = 4096;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto fail = [&](const char* what, uint64_t offset) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return absl::InternalError(absl::StrCat("cannot write crash state file ", path, ": ", what,
                                            " at offset ", offset, ": ", std::strerror(err)));
  };
  if (fd < 0) return fail("open", 0);
  static const std::string zeros(kBlock, '\0');
  for (size_t at = 0; at < data.size(); at += kBlock) {
    const std::string_view block = data.substr(at, kBlock);
    if (block == std::string_view(zeros).substr(0, block.size())) continue;
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(at)) != static_cast<ssize_t>(block.size())) {
      return fail("pwrite", at);
    }
  }
  if (::ftruncate(fd, static_cast<off_t>(data.size())) != 0) return fail("ftruncate", data.size());
  if (::close(fd) != 0) return absl::InternalError(absl::StrCat("cannot close crash state file ", path, ": ", std::strerror(errno)));
  return absl::OkStatus();
}

// Step 5. Writes the state out under out_dir, with the recorded root mapped onto it.
absl::Status WriteTree(const FileTree& tree, const std::string& root_, const std::string& out_dir) {
  auto map_path = [&](const std::string& p) -> absl::StatusOr<std::string> {
    if (p == root_) return out_dir;
    if (p.compare(0, root_.size() + 1, root_ + "/") != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("recorded path ", p, " lies outside the recorded root ", root_));
    }
    return absl::StrCat(out_dir, p.substr(root_.size()));
  };
  std::error_code ec;
  for (const std::string& d : tree.dirs) {
    absl::StatusOr<std::string> to = map_path(d);
    if (!to.ok()) return to.status();
    // A directory whose parent was undone is gone with it.
    if (d != root_ && !std::filesystem::is_directory(Dirname(*to), ec)) continue;
    std::filesystem::create_directory(*to, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create crash state directory ", *to, ": ", ec.message()));
  }
  for (const auto& [path, inode] : tree.names) {
    absl::StatusOr<std::string> to = map_path(path);
    if (!to.ok()) return to.status();
    // A file whose directory was undone is gone with it.
    if (!std::filesystem::is_directory(Dirname(*to), ec)) continue;
    auto it = tree.contents.find(inode);
    absl::Status s = WriteSparse(*to, it == tree.contents.end() ? std::string_view() : it->second);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

CrashPlan CrashStateSummary::AsPlan(uint64_t event) const {
  CrashPlan plan;
  plan.event = event;
  plan.mode = CrashMode::kChosen;
  plan.fates = fates;
  plan.names_kept = names_kept;
  return plan;
}

CrashSimulator::CrashSimulator(std::vector<io::RecordedOp> ops, std::string recorded_root)
    : ops_(std::move(ops)), root_(std::move(recorded_root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::vector<uint64_t> CrashSimulator::CrashPoints() const {
  std::set<uint64_t> points = {0};
  for (const RecordedOp& op : ops_) {
    points.insert(op.submit_event);
    points.insert(op.complete_event);
  }
  return std::vector<uint64_t>(points.begin(), points.end());
}

absl::StatusOr<CrashStateSummary> CrashSimulator::Materialize(const CrashPlan& plan,
                                                              const std::string& out_dir) const {
  FileTree tree;
  CrashStateSummary summary = Decide(plan, &tree);
  absl::Status written = WriteTree(tree, root_, out_dir);
  if (!written.ok()) return written;
  return summary;
}

CrashStateSummary CrashSimulator::Summarize(const CrashPlan& plan) const {
  return Decide(plan, nullptr);
}

CrashStateSummary CrashSimulator::Decide(const CrashPlan& plan, FileTree* tree) const {
  CrashStateSummary summary;
  FateChooser chooser(plan);
  const std::vector<Happened> happened = OpsHappenedBy(ops_, plan.event, chooser, &summary);
  summary.ops_happened = happened.size();
  const DurabilityIndex durability(happened);

  // Name changes: durable ones stay; the volatile ones persist as an ordered prefix.
  for (const Happened& h : happened) {
    if (IsNamespaceOp(*h.op) && !durability.NameDurable(h)) summary.volatile_names.push_back(h.index);
  }
  summary.names_volatile = summary.volatile_names.size();
  summary.names_kept = chooser.NamesKept(summary.volatile_names.size());
  const std::set<size_t> undone(summary.volatile_names.begin() + summary.names_kept,
                                summary.volatile_names.end());
  summary.names_undone = undone.size();

  if (tree != nullptr) tree->dirs.insert(root_);
  for (const Happened& h : happened) {
    const RecordedOp& op = *h.op;
    if (undone.count(h.index) > 0) {
      summary.choices.push_back(absl::StrCat("undone: ", DescribeName(op)));
    } else if (IsNamespaceOp(op) && tree != nullptr) {
      ApplyNameChange(op, *tree);
    }
    if (!IsDataOp(op)) continue;

    // Data: durable ops apply whole; volatile ones are kept, lost or torn.
    ChosenFate fate;
    if (durability.DataDurable(h)) {
      ++summary.durable_writes;
      summary.fates.erase(h.index);
    } else {
      ++summary.volatile_writes;
      fate = chooser.DataFate(h, &summary.writes_volatile_decided);
      if (fate.fate != OpFate::kKept || summary.fates.count(h.index) > 0) summary.fates[h.index] = fate;
    }
    if (fate.fate == OpFate::kLost) {
      ++summary.writes_lost;
      summary.choices.push_back(absl::StrCat("lost: ", DescribeData(op)));
      continue;
    }
    if (fate.fate == OpFate::kTorn) {
      ++summary.writes_torn;
      summary.choices.push_back(absl::StrCat("torn: write inode ", op.inode, " offset ", op.offset,
                                             " len ", op.len, " sectors ", fate.sectors));
    }
    if (tree != nullptr) ApplyData(op, fate, tree->contents[op.inode]);
  }
  return summary;
}

}  // namespace ringkv::crash
