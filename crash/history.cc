#include "ringkv/history.h"

#include <map>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ringkv::crash {
namespace {

void Apply(const HistoryOp& op, KvState* state) {
  for (const HistoryEntry& e : op.entries) {
    if (e.deleted) {
      state->erase(e.key);
    } else {
      (*state)[e.key] = e.value;
    }
  }
}

std::string Show(const std::string& s) {
  std::string out = absl::CEscape(s.size() > 40 ? s.substr(0, 40) + "..." : s);
  return out;
}

}  // namespace

size_t History::Begin(HistoryOp op) {
  ops_.push_back(std::move(op));
  if (listener_) listener_(ops_.back(), ops_.size() - 1, true);
  return ops_.size() - 1;
}

void History::End(size_t index, uint64_t end_event, bool ok) {
  ops_[index].end = end_event;
  ops_[index].ok = ok;
  if (listener_) listener_(ops_[index], index, false);
}

std::optional<Violation> History::Check(const KvState& state, uint64_t crash_event) const {
  // Durability is a prefix of the log: an acknowledged sync write makes it and everything before
  // it durable. Ops begun after the crash cannot appear.
  size_t must = 0;   // ops [0, must) must all be present
  size_t may = 0;    // ops [0, may) may be present
  for (size_t i = 0; i < ops_.size(); ++i) {
    const HistoryOp& op = ops_[i];
    if (op.begin <= crash_event) may = i + 1;
    if (op.ok && op.sync && op.end <= crash_event) must = i + 1;
  }
  KvState model = base_;
  for (size_t i = 0; i < must; ++i) Apply(ops_[i], &model);
  if (model == state) return std::nullopt;
  for (size_t p = must; p < may; ++p) {
    Apply(ops_[p], &model);
    if (model == state) return std::nullopt;
  }

  // Not a legal state: name the most specific broken invariant against the minimal prefix.
  // A batch whose keys no later op touches must be visible whole or not at all: some of its
  // entries showing and others not is a partial batch. A delete shows only as a key still
  // present (not applied); an absent key is no evidence (the batch landed, or an earlier write
  // of the key was lost with it). A batch that writes a key twice is judged by its last write of
  // it, the only one that can show.
  for (size_t p = 0; p < may; ++p) {
    if (ops_[p].entries.size() < 2) continue;
    std::map<std::string_view, const HistoryEntry*> effect;
    for (const HistoryEntry& e : ops_[p].entries) effect[e.key] = &e;
    if (effect.size() < 2) continue;
    bool touched_later = false;
    for (size_t q = p + 1; q < may && !touched_later; ++q) {
      for (const HistoryEntry& e : ops_[q].entries) touched_later |= effect.contains(e.key);
    }
    if (touched_later) continue;
    size_t applied = 0;
    size_t missing = 0;
    for (const auto& [key, entry] : effect) {
      const HistoryEntry& e = *entry;
      auto it = state.find(e.key);
      if (e.deleted) {
        missing += it != state.end();
      } else if (it != state.end() && it->second == e.value) {
        ++applied;
      } else {
        ++missing;
      }
    }
    if (applied > 0 && missing > 0) {
      return Violation{"3 a batch was applied partly", ops_[p].entries[0].key,
                       absl::StrCat("batch #", p, ": ", applied, " of ", effect.size(),
                                    " keys visible, ", missing, " not")};
    }
  }
  KvState minimal = base_;
  std::map<std::string, size_t> last_acked_writer;
  for (size_t i = 0; i < must; ++i) {
    Apply(ops_[i], &minimal);
    for (const HistoryEntry& e : ops_[i].entries) last_acked_writer[e.key] = i;
  }
  std::map<std::string, bool> ever_written;
  for (const auto& kv : base_) ever_written[kv.first] = true;
  for (size_t i = 0; i < may; ++i) {
    for (const HistoryEntry& e : ops_[i].entries) ever_written[e.key] = true;
  }
  for (const auto& [key, value] : minimal) {
    auto it = state.find(key);
    if (it == state.end() || it->second != value) {
      // Maybe a later, unacknowledged op legitimately changed it; the prefix check failed, so
      // report the acknowledged value that is not there.
      bool later_change = false;
      for (size_t p = must; p < may && !later_change; ++p) {
        for (const HistoryEntry& e : ops_[p].entries) later_change |= e.key == key;
      }
      if (!later_change) {
        return Violation{"1 acknowledged write lost", key,
                         absl::StrCat("expected ", Show(value), ", found ",
                                      it == state.end() ? "nothing" : Show(it->second))};
      }
    }
  }
  for (const auto& [key, value] : state) {
    if (!ever_written.count(key)) {
      return Violation{"2 data that was never written appeared", key,
                       absl::StrCat("value ", Show(value))};
    }
    if (!minimal.count(key)) {
      bool later_put = false;
      for (size_t p = must; p < may; ++p) {
        for (const HistoryEntry& e : ops_[p].entries) later_put |= (e.key == key && !e.deleted);
      }
      if (!later_put) {
        return Violation{"2 a deleted key reappeared", key, absl::StrCat("value ", Show(value))};
      }
    }
  }
  return Violation{"4 the state is not a prefix of the history", "",
                   absl::StrCat("no prefix of ops ", must, "..", may, " matches the ",
                                state.size(), " recovered keys")};
}

std::string History::Encode() const {
  std::string out;
  for (const HistoryOp& op : ops_) {
    absl::StrAppend(&out, "op ", op.begin, " ", op.end, " ", op.sync ? 1 : 0, " ", op.ok ? 1 : 0,
                    "\n");
    for (const HistoryEntry& e : op.entries) {
      absl::StrAppend(&out, e.deleted ? "del " : "put ", absl::CEscape(e.key), " ",
                      absl::CEscape(e.value), "\n");
    }
  }
  return out;
}

absl::StatusOr<History> History::Decode(std::string_view text) {
  History h;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n',
                                               absl::SkipEmpty())) {
    ++line_no;
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    auto bad = [&] {
      return absl::DataLossError(absl::StrCat("history line ", line_no, " is malformed"));
    };
    if (f[0] == "op" && f.size() == 5) {
      HistoryOp op;
      int sync = 0, ok = 0;
      if (!absl::SimpleAtoi(f[1], &op.begin) || !absl::SimpleAtoi(f[2], &op.end) ||
          !absl::SimpleAtoi(f[3], &sync) || !absl::SimpleAtoi(f[4], &ok)) {
        return bad();
      }
      op.sync = sync;
      op.ok = ok;
      h.ops_.push_back(std::move(op));
    } else if ((f[0] == "put" || f[0] == "del") && f.size() == 3 && !h.ops_.empty()) {
      HistoryEntry e;
      e.deleted = f[0] == "del";
      std::string err;
      if (!absl::CUnescape(f[1], &e.key, &err) || !absl::CUnescape(f[2], &e.value, &err)) return bad();
      h.ops_.back().entries.push_back(std::move(e));
    } else {
      return bad();
    }
  }
  return h;
}

}  // namespace ringkv::crash
