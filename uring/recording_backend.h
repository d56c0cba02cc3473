// RecordingBackend passes every chain to another backend and keeps a log of every op that took
// effect — writes with their bytes, syncs, opens, renames, unlinks — keyed by file identity and
// stamped with submission and completion events, so the crash harness can rebuild any state a
// power failure could have left behind.
#ifndef RINGKV_URING_RECORDING_BACKEND_H_
#define RINGKV_URING_RECORDING_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uring/wrapping_backend.h"

namespace ringkv::io {

// One op as it took effect (only successful ops are recorded; a failed op changed nothing).
struct RecordedOp {
  OpType type = OpType::kNop;
  uint64_t inode = 0;       // the file an fd op or an open touched (recorder's own numbering)
  std::string path;         // open/unlink/mkdir/rename source; for fd ops the path it was opened as
  std::string path2;        // rename target
  uint64_t offset = 0;
  uint64_t len = 0;
  std::string data;         // write: the bytes written
  uint32_t mode = 0;        // fallocate mode
  bool created = false;     // open: the file did not exist and O_CREAT made it
  bool truncated = false;   // open: O_TRUNC emptied it
  bool dsync = false;       // write through an O_DSYNC/O_SYNC descriptor: durable on completion
  bool directory = false;   // fsync/open of a directory
  // Set only by recorders that watch a whole filesystem (crash/exec), which see two changes the
  // I/O seam never issues:
  bool adds_name = false;   // kRenameAt that is a link(2): path2 becomes another name, path stays
  bool sets_size = false;   // kFallocate that is a truncate: the file's size becomes `offset`
  uint64_t chain = 0;       // which submitted chain
  uint32_t index = 0;       // position in that chain
  bool linked = true;       // chain was linked (ops ran in order)
  uint64_t submit_event = 0;    // event number when the chain was submitted
  uint64_t complete_event = 0;  // event number when it completed
};

class RecordingBackend final : public WrappingBackend {
 public:
  // `inner` does the real I/O and must outlive this wrapper.
  explicit RecordingBackend(IoBackend& inner) : WrappingBackend(inner) {}

  // A new event number: the workload stamps its acknowledgements with it, so the harness knows
  // which writes were acknowledged before any crash point.
  uint64_t NextEvent() { return events_.fetch_add(1) + 1; }
  uint64_t last_event() const { return events_.load(); }
  // The ops recorded so far, in completion order.
  std::vector<RecordedOp> ops() const;

  std::string_view name() const override { return "recording"; }
  Ticket Submit(Chain chain, Callback done = nullptr, bool caller_waits = false) override;

 private:
  struct SlotState {
    uint64_t inode = 0;
    bool dsync = false;
    bool directory = false;
    std::string path;
  };
  void RecordCompletion(PendingChain& outer, const std::vector<std::string>& write_data,
                        uint64_t chain_id, uint64_t submit_event);

  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> chains_{0};
  mutable absl::Mutex mu_;
  std::vector<RecordedOp> log_ ABSL_GUARDED_BY(mu_);
  // The recorder's model of the namespace (path -> inode) and of open slots, in completion order.
  std::map<std::string, uint64_t> names_ ABSL_GUARDED_BY(mu_);
  std::map<int32_t, SlotState> slots_ ABSL_GUARDED_BY(mu_);
  uint64_t next_inode_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace ringkv::io

#endif  // RINGKV_URING_RECORDING_BACKEND_H_
