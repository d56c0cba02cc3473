#include "crash/crash_state.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/coding.h"

namespace ringkv::crash {
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

}  // namespace

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
  std::mt19937_64 rng(plan.seed * 0x9e3779b97f4a7c15ull + plan.event);
  CrashStateSummary summary;

  // 1. What happened by the crash: whole completed chains, a prefix of each linked chain in
  //    flight (any subset of an unlinked one).
  std::map<uint64_t, std::vector<const RecordedOp*>> in_flight;
  std::vector<Happened> happened;
  for (const RecordedOp& op : ops_) {
    if (op.complete_event <= plan.event) {
      happened.push_back({&op, true});
    } else if (op.submit_event <= plan.event) {
      in_flight[op.chain].push_back(&op);
    }
  }
  for (auto& [chain, chain_ops] : in_flight) {
    std::sort(chain_ops.begin(), chain_ops.end(),
              [](const RecordedOp* a, const RecordedOp* b) { return a->index < b->index; });
    if (chain_ops.front()->linked) {
      // Ops of a linked chain run one after another: some prefix finished.
      size_t cut = (plan.mode == CrashMode::kAllKept || plan.mode == CrashMode::kEnumerate)
                       ? chain_ops.size()
                   : plan.mode == CrashMode::kAllLost ? 0
                                                      : rng() % (chain_ops.size() + 1);
      for (size_t i = 0; i < cut; ++i) happened.push_back({chain_ops[i], false});
      // The op after the finished prefix was under way: some of its sectors may have landed.
      if (plan.mode == CrashMode::kRandom && cut < chain_ops.size()) {
        happened.push_back({chain_ops[cut], false, true});
      }
      // Enumeration treats the chain's last op as under way: kept or lost, both are checked.
      if (plan.mode == CrashMode::kEnumerate) happened.back().in_progress = true;
    } else {
      for (const RecordedOp* op : chain_ops) {
        if (plan.mode == CrashMode::kAllKept || plan.mode == CrashMode::kEnumerate) {
          happened.push_back({op, false});
        } else if (plan.mode == CrashMode::kRandom) {
          const uint64_t r = rng() % 3;  // not started, finished, or under way
          if (r > 0) happened.push_back({op, false, r == 2});
        }
      }
    }
  }
  summary.ops_happened = happened.size();

  // 2. Syncs that happened, per file and per directory, to decide what is durable.
  absl::flat_hash_map<uint64_t, std::vector<size_t>> file_syncs;
  std::map<std::string, std::vector<size_t>> dir_syncs;
  for (size_t i = 0; i < happened.size(); ++i) {
    const RecordedOp& op = *happened[i].op;
    if (!IsSync(op) || happened[i].in_progress) continue;
    if (op.directory) {
      dir_syncs[op.path].push_back(i);
    } else {
      file_syncs[op.inode].push_back(i);
    }
  }
  auto data_durable = [&](const Happened& h) {
    if (h.in_progress) return false;
    if (h.op->type == OpType::kWrite && h.op->dsync) return true;  // completed O_DSYNC write
    auto it = file_syncs.find(h.op->inode);
    if (it == file_syncs.end()) return false;
    for (size_t s : it->second) {
      if (Precedes(h, happened[s])) return true;
    }
    return false;
  };
  auto dir_durable = [&](const Happened& h, const std::string& dir) {
    auto it = dir_syncs.find(dir);
    if (it == dir_syncs.end()) return false;
    for (size_t s : it->second) {
      if (Precedes(h, happened[s])) return true;
    }
    return false;
  };
  auto name_durable = [&](const Happened& h) {
    if (!dir_durable(h, Dirname(h.op->path))) return false;
    return h.op->type != OpType::kRenameAt || dir_durable(h, Dirname(h.op->path2));
  };

  // 3. Name changes: durable ones stay; the volatile ones persist as an ordered prefix.
  std::vector<size_t> volatile_names;
  for (size_t i = 0; i < happened.size(); ++i) {
    if (IsNamespaceOp(*happened[i].op) && !name_durable(happened[i])) volatile_names.push_back(i);
  }
  summary.names_volatile = volatile_names.size();
  size_t names_kept = (plan.mode == CrashMode::kAllKept || plan.mode == CrashMode::kEnumerate)
                          ? volatile_names.size()
                      : plan.mode == CrashMode::kAllLost ? 0
                                                         : rng() % (volatile_names.size() + 1);
  std::set<size_t> undone(volatile_names.begin() + names_kept, volatile_names.end());
  summary.names_undone = undone.size();

  std::map<std::string, uint64_t> names;  // path -> inode
  std::set<std::string> dirs = {root_};
  std::map<uint64_t, std::string> contents;
  for (size_t i = 0; i < happened.size(); ++i) {
    const RecordedOp& op = *happened[i].op;
    const bool skip_name = undone.count(i) > 0;
    if (skip_name) {
      summary.choices.push_back(absl::StrCat("undone: ", io::OpTypeName(op.type), " ", op.path,
                                             op.path2.empty() ? "" : " -> ", op.path2));
    }
    switch (op.type) {
      case OpType::kOpenAt:
        if (op.created && !skip_name) {
          if (op.directory) {
            dirs.insert(op.path);
          } else {
            names[op.path] = op.inode;
          }
        }
        break;
      case OpType::kMkdirAt:
        if (!skip_name) dirs.insert(op.path);
        break;
      case OpType::kRenameAt:
        if (!skip_name) {
          auto it = names.find(op.path);
          if (it != names.end()) {
            const uint64_t inode = it->second;
            names.erase(it);
            names[op.path2] = inode;
          }
        }
        break;
      case OpType::kUnlinkAt:
        if (!skip_name) {
          if (op.directory) {
            dirs.erase(op.path);
          } else {
            names.erase(op.path);
          }
        }
        break;
      default:
        break;
    }
    if (!IsDataOp(op)) continue;

    // 4. Data: durable ops apply whole; volatile ones are kept, lost or torn.
    std::string& file = contents[op.inode];
    const bool durable = data_durable(happened[i]);
    enum { kKeep, kLose, kTear } choice = kKeep;
    if (!durable) {
      ++summary.volatile_writes;
      if (plan.mode == CrashMode::kAllLost) {
        choice = kLose;
      } else if (plan.mode == CrashMode::kEnumerate) {
        const size_t bit = summary.writes_volatile_decided++;
        choice = bit < 64 && ((plan.seed >> bit) & 1) ? kKeep : kLose;
      } else if (plan.mode == CrashMode::kRandom) {
        const uint64_t r = rng() % 4;
        // A write under way at the crash is the one most likely to be torn.
        if (happened[i].in_progress) {
          choice = r == 0 ? kKeep : r == 1 ? kLose : kTear;
        } else {
          choice = r < 2 ? kKeep : r == 2 ? kLose : kTear;
        }
        if (choice == kTear && (op.type != OpType::kWrite || op.len <= kSector)) choice = kLose;
      }
    } else {
      ++summary.durable_writes;
    }
    if (choice == kLose) {
      ++summary.writes_lost;
      summary.choices.push_back(absl::StrCat("lost: ", io::OpTypeName(op.type), " inode ",
                                             op.inode, " offset ", op.offset, " len ", op.len));
      continue;
    }
    if (op.type == OpType::kOpenAt) {
      file.clear();  // O_TRUNC
    } else if (op.type == OpType::kFallocate) {
      if (file.size() < op.offset + op.len && (op.mode & 1) == 0) {  // not FALLOC_FL_KEEP_SIZE
        file.resize(op.offset + op.len, '\0');
      }
    } else {
      const uint64_t end = op.offset + op.data.size();
      if (choice == kKeep) {
        if (file.size() < end) file.resize(end, '\0');
        file.replace(op.offset, op.data.size(), op.data);
      } else {
        // Torn: each 512-byte sector of the file the write covers reached the disk or not.
        ++summary.writes_torn;
        std::string torn;
        for (uint64_t s = op.offset / kSector * kSector; s < end; s += kSector) {
          const bool kept = rng() % 2;
          torn.push_back(kept ? '1' : '0');
          if (!kept) continue;
          const uint64_t from = std::max(s, op.offset);
          const uint64_t to = std::min(s + kSector, end);
          if (file.size() < to) file.resize(to, '\0');
          file.replace(from, to - from, op.data, from - op.offset, to - from);
        }
        summary.choices.push_back(absl::StrCat("torn: write inode ", op.inode, " offset ",
                                               op.offset, " len ", op.len, " sectors ", torn));
      }
    }
  }

  // 5. Write the state out under out_dir.
  auto map_path = [&](const std::string& p) -> absl::StatusOr<std::string> {
    if (p == root_) return out_dir;
    if (p.compare(0, root_.size() + 1, root_ + "/") != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("recorded path ", p, " lies outside the recorded root ", root_));
    }
    return absl::StrCat(out_dir, p.substr(root_.size()));
  };
  std::error_code ec;
  for (const std::string& d : dirs) {
    absl::StatusOr<std::string> to = map_path(d);
    if (!to.ok()) return to.status();
    std::filesystem::create_directories(*to, ec);
  }
  for (const auto& [path, inode] : names) {
    absl::StatusOr<std::string> to = map_path(path);
    if (!to.ok()) return to.status();
    const std::string parent = Dirname(*to);
    // A file whose directory was undone is gone with it.
    if (!std::filesystem::is_directory(parent, ec)) continue;
    std::ofstream out(*to, std::ios::binary | std::ios::trunc);
    const std::string& data = contents[inode];
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) return absl::InternalError(absl::StrCat("cannot write crash state file ", *to));
  }
  return summary;
}

std::string EncodeOps(const std::vector<io::RecordedOp>& ops) {
  std::string out = "RKVOPS1\n";
  PutFixed64(&out, ops.size());
  for (const RecordedOp& op : ops) {
    out.push_back(static_cast<char>(op.type));
    for (uint64_t v : {op.inode, op.offset, op.len, uint64_t{op.mode}, op.chain, uint64_t{op.index},
                       op.submit_event, op.complete_event}) {
      PutFixed64(&out, v);
    }
    out.push_back(static_cast<char>((op.created ? 1 : 0) | (op.truncated ? 2 : 0) |
                                    (op.dsync ? 4 : 0) | (op.directory ? 8 : 0) |
                                    (op.linked ? 16 : 0)));
    for (const std::string* s : {&op.path, &op.path2, &op.data}) {
      PutFixed64(&out, s->size());
      out.append(*s);
    }
  }
  return out;
}

absl::StatusOr<std::vector<io::RecordedOp>> DecodeOps(std::string_view in) {
  const std::string_view magic = "RKVOPS1\n";
  auto bad = [](const char* what) {
    return absl::DataLossError(absl::StrCat("recorded op log is corrupt: ", what));
  };
  if (in.substr(0, magic.size()) != magic) return bad("no RKVOPS1 header");
  in.remove_prefix(magic.size());
  auto u64 = [&](uint64_t* v) {
    if (in.size() < 8) return false;
    *v = DecodeFixed64(in.data());
    in.remove_prefix(8);
    return true;
  };
  uint64_t n;
  if (!u64(&n)) return bad("truncated count");
  std::vector<io::RecordedOp> ops;
  for (uint64_t i = 0; i < n; ++i) {
    RecordedOp op;
    if (in.empty()) return bad("truncated op");
    op.type = static_cast<OpType>(in[0]);
    in.remove_prefix(1);
    uint64_t mode, index;
    for (uint64_t* v : {&op.inode, &op.offset, &op.len, &mode, &op.chain, &index,
                        &op.submit_event, &op.complete_event}) {
      if (!u64(v)) return bad("truncated field");
    }
    op.mode = static_cast<uint32_t>(mode);
    op.index = static_cast<uint32_t>(index);
    if (in.empty()) return bad("truncated flags");
    const uint8_t f = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    op.created = f & 1;
    op.truncated = f & 2;
    op.dsync = f & 4;
    op.directory = f & 8;
    op.linked = f & 16;
    for (std::string* s : {&op.path, &op.path2, &op.data}) {
      uint64_t len;
      if (!u64(&len) || in.size() < len) return bad("truncated string");
      s->assign(in.data(), len);
      in.remove_prefix(len);
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace ringkv::crash
