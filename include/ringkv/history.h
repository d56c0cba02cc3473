// The acknowledged history of a crash-test workload, and the check every crash state must pass:
// the recovered database equals the history applied up to some point P, where P covers every
// write acknowledged before the crash and no write begun after it (DESIGN.md's invariants 1-4).
#ifndef RINGKV_HISTORY_H_
#define RINGKV_HISTORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ringkv::crash {

struct HistoryEntry {
  bool deleted = false;
  std::string key;
  std::string value;
};

// One write operation of the workload (a put, a delete, or a whole batch).
struct HistoryOp {
  std::vector<HistoryEntry> entries;
  bool sync = true;
  uint64_t begin = 0;   // event before the call
  uint64_t end = ~0ull;  // event after it returned (never, if it did not)
  bool ok = false;      // the call returned OK
};

using KvState = std::map<std::string, std::string>;

struct Violation {
  std::string invariant;  // "1 acknowledged write lost", "2 ...", ...
  std::string key;
  std::string detail;
};

class History {
 public:
  // Ops are recorded in the order they were issued (one writer thread): Begin before the call
  // (op.begin set), End after it returned.
  size_t Begin(HistoryOp op);
  void End(size_t index, uint64_t end_event, bool ok);
  // Called on every Begin/End (the kill mode streams the history out of a child this way).
  void set_listener(std::function<void(const HistoryOp& op, size_t index, bool begin)> f) {
    listener_ = std::move(f);
  }
  void Add(HistoryOp op) { ops_.push_back(std::move(op)); }
  // The state before the first op (an earlier run's recovered state).
  void set_base(KvState base) { base_ = std::move(base); }
  const KvState& base() const { return base_; }
  const std::vector<HistoryOp>& ops() const { return ops_; }

  // Checks a recovered state against a crash right after `crash_event`. nullopt if it is legal.
  std::optional<Violation> Check(const KvState& state, uint64_t crash_event) const;

  // Text form for reproduction files, and back.
  std::string Encode() const;
  static absl::StatusOr<History> Decode(std::string_view text);

 private:
  std::function<void(const HistoryOp&, size_t, bool)> listener_;
  KvState base_;
  std::vector<HistoryOp> ops_;
};

}  // namespace ringkv::crash

#endif  // RINGKV_HISTORY_H_
