#include "uring/recording_backend.h"

#include <fcntl.h>

#include <cerrno>

#include "base/check.h"

namespace ringkv::io {
namespace {

// One spelling per path ("a//b/" and "a/b" are the same file to the namespace model).
std::string Normalize(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

std::vector<RecordedOp> RecordingBackend::ops() const {
  absl::MutexLock lock(&mu_);
  return log_;
}

Ticket RecordingBackend::Submit(Chain chain, Callback done, bool caller_waits) {
  CheckChain(chain);
  const uint64_t chain_id = chains_.fetch_add(1) + 1;
  const uint64_t submit_event = NextEvent();
  // A write's bytes as they are at submission: that is what the disk receives.
  std::vector<std::string> write_data(chain.size());
  for (size_t i = 0; i < chain.size(); ++i) {
    const Op& op = chain.ops()[i];
    if (op.type == OpType::kWrite) {
      write_data[i].assign(static_cast<const char*>(op.buf), op.len);
    }
  }
  auto outer = std::make_shared<PendingChain>();
  outer->chain = chain;
  outer->callback = std::move(done);
  outer->self = outer;
  PendingChain* o = outer.get();
  outer->inner = inner().Submit(
      std::move(chain),
      [this, o, write_data = std::move(write_data), chain_id, submit_event](const Completion& c) {
        o->completion = c;
        RecordCompletion(*o, write_data, chain_id, submit_event);
        if (o->callback) o->callback(o->completion);
        o->done = true;
        Ticket release = std::move(o->self);
      },
      caller_waits);
  return outer;
}

void RecordingBackend::RecordCompletion(PendingChain& outer,
                                        const std::vector<std::string>& write_data,
                                        uint64_t chain_id, uint64_t submit_event) {
  const uint64_t complete_event = NextEvent();
  absl::MutexLock lock(&mu_);
  const std::vector<Op>& ops = outer.chain.ops();
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const int32_t res = outer.completion.results[i];
    if (!OpSucceeded(op, res) && !(op.allow_short && res >= 0)) continue;
    RecordedOp r;
    r.type = op.type;
    r.chain = chain_id;
    r.index = static_cast<uint32_t>(i);
    r.linked = outer.chain.linked();
    r.submit_event = submit_event;
    r.complete_event = complete_event;
    r.offset = op.offset;
    r.len = op.len;
    r.mode = op.mode;
    switch (op.type) {
      case OpType::kOpenAt: {
        const std::string path = Normalize(op.path);
        auto it = names_.find(path);
        SlotState s;
        if (it == names_.end()) {
          s.inode = next_inode_++;
          names_[path] = s.inode;
          r.created = true;
        } else {
          s.inode = it->second;
        }
        s.dsync = (op.flags & O_DSYNC) != 0;  // O_SYNC includes the O_DSYNC bit on Linux
        s.directory = (op.flags & O_DIRECTORY) != 0;
        r.truncated = (op.flags & O_TRUNC) != 0 && !s.directory;
        r.directory = s.directory;
        s.path = path;
        slots_[op.file.index] = s;
        r.inode = s.inode;
        r.path = path;
        break;
      }
      case OpType::kWrite: {
        const SlotState& s = slots_[op.file.index];
        r.inode = s.inode;
        r.dsync = s.dsync;
        r.data = write_data[i].substr(0, static_cast<size_t>(res));
        r.len = r.data.size();
        break;
      }
      case OpType::kRead:
        continue;  // changes nothing
      case OpType::kFsync:
      case OpType::kFdatasync:
      case OpType::kFallocate: {
        const SlotState& s = slots_[op.file.index];
        r.inode = s.inode;
        r.directory = s.directory;
        r.path = s.path;
        break;
      }
      case OpType::kClose:
        r.inode = slots_[op.file.index].inode;
        slots_.erase(op.file.index);
        break;
      case OpType::kRenameAt: {
        r.path = Normalize(op.path);
        r.path2 = Normalize(op.path2);
        auto it = names_.find(r.path);
        if (it != names_.end()) {
          r.inode = it->second;
          names_[r.path2] = it->second;
          names_.erase(r.path);
        }
        break;
      }
      case OpType::kUnlinkAt: {
        r.path = Normalize(op.path);
        auto it = names_.find(r.path);
        if (it != names_.end()) {
          r.inode = it->second;
          names_.erase(it);
        }
        r.directory = (op.flags & AT_REMOVEDIR) != 0;
        break;
      }
      case OpType::kMkdirAt:
        r.inode = next_inode_++;
        r.path = Normalize(op.path);
        names_[r.path] = r.inode;
        r.directory = true;
        break;
      case OpType::kNop:
        continue;
    }
    log_.push_back(std::move(r));
  }
}

}  // namespace ringkv::io
