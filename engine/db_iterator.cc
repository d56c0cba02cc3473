#include "engine/db_iterator.h"

#include <optional>
#include <string>
#include <vector>

#include "engine/btree.h"
#include "base/check.h"

namespace ringkv {
namespace {

// One source seen as a sequence of user keys, each with its newest version visible at the
// snapshot (which may be a deletion). Positioned forward at the smallest key >= a target, or
// backward at the largest key <= a target.
class Source {
 public:
  virtual ~Source() = default;
  virtual bool Valid() const = 0;
  virtual void SeekGE(std::string_view target) = 0;
  virtual void SeekLE(std::string_view target) = 0;
  virtual void SeekFirst() = 0;
  virtual void SeekLast() = 0;
  virtual void Next() = 0;  // to the next user key
  virtual void Prev() = 0;  // to the previous user key
  virtual std::string_view key() const = 0;
  virtual bool deleted() const = 0;
  virtual std::string_view value() = 0;
  virtual absl::Status status() const { return absl::OkStatus(); }
};

class MemSource final : public Source {
 public:
  MemSource(const MemTable* table, uint64_t seq) : it_(table), seq_(seq) {}

  bool Valid() const override { return it_.Valid(); }
  void SeekGE(std::string_view target) override {
    it_.Seek(target, seq_);
    SkipInvisibleForward();
  }
  void SeekLE(std::string_view target) override {
    // The last entry with key <= target: everything before (target, seq 0) ... step back.
    it_.Seek(target, 0);
    if (it_.Valid()) {
      it_.Prev();
    } else {
      it_.SeekToLast();
    }
    SettleBackward();
  }
  void SeekFirst() override {
    it_.SeekToFirst();
    SkipInvisibleForward();
  }
  void SeekLast() override {
    it_.SeekToLast();
    SettleBackward();
  }
  void Next() override {
    const std::string current(it_.key());
    // Past every remaining version of the current key.
    while (it_.Valid() && it_.key() == current) it_.Next();
    SkipInvisibleForward();
  }
  void Prev() override {
    const std::string current(it_.key());
    it_.Seek(current, kMaxSeq);  // first version of the current key
    if (it_.Valid()) {
      it_.Prev();
    } else {
      it_.SeekToLast();
    }
    SettleBackward();
  }
  std::string_view key() const override { return it_.key(); }
  bool deleted() const override { return it_.type() == EntryType::kDelete; }
  std::string_view value() override { return it_.value(); }

 private:
  static constexpr uint64_t kMaxSeq = (1ull << 56) - 1;

  // Forward: skip versions newer than the snapshot; the first visible one is the newest.
  void SkipInvisibleForward() {
    while (it_.Valid() && it_.seq() > seq_) it_.Next();
  }
  // Backward: the iterator sits on some version of a key (the oldest, coming from the right).
  // Find that key's newest visible version; if it has none, move to the previous key.
  void SettleBackward() {
    while (it_.Valid()) {
      const std::string k(it_.key());
      it_.Seek(k, seq_);
      if (it_.Valid() && it_.key() == k) return;
      // No version of k at or below the snapshot: go before k's first version.
      it_.Seek(k, kMaxSeq);
      if (it_.Valid()) {
        it_.Prev();
      } else {
        it_.SeekToLast();
      }
    }
  }

  MemTable::Iterator it_;
  uint64_t seq_;
};

class TreeSource final : public Source {
 public:
  TreeSource(TreePageReader* pages, uint64_t root, std::string lower_bound = {})
      : it_(pages, root, std::move(lower_bound)) {}
  bool Valid() const override { return it_.Valid(); }
  void SeekGE(std::string_view target) override { it_.Seek(target); }
  void SeekLE(std::string_view target) override { it_.SeekForPrev(target); }
  void SeekFirst() override { it_.SeekToFirst(); }
  void SeekLast() override { it_.SeekToLast(); }
  void Next() override { it_.Next(); }
  void Prev() override { it_.Prev(); }
  std::string_view key() const override { return it_.key(); }
  bool deleted() const override { return it_.deleted(); }
  std::string_view value() override {
    absl::StatusOr<std::string_view> v = it_.value();
    if (!v.ok()) {
      value_status_ = v.status();
      return {};
    }
    return *v;
  }
  absl::Status status() const override {
    return it_.status().ok() ? value_status_ : it_.status();
  }

 private:
  BTreeIterator it_;
  absl::Status value_status_;
};

class DBIterator final : public Iterator {
 public:
  DBIterator(std::shared_ptr<const ReadView> view, uint64_t seq, const ReadOptions& options,
             LiveReaders::Token token)
      : view_(std::move(view)),
        token_(std::move(token)),
        lower_(options.lower_bound),
        upper_(options.upper_bound) {
    // Newest first: on equal keys the earlier source wins.
    sources_.push_back(std::make_unique<MemSource>(view_->mem.get(), seq));
    if (view_->imm) sources_.push_back(std::make_unique<MemSource>(view_->imm.get(), seq));
    for (const SortedRunRef& r : view_->tree->runs()) {
      sources_.push_back(std::make_unique<TreeSource>(&view_->tree->pages(), r.run.root,
                                                      r.run.merged_below));
    }
    sources_.push_back(
        std::make_unique<TreeSource>(&view_->tree->pages(), view_->tree->root()));
  }

  bool Valid() const override { return valid_; }

  void SeekToFirst() override {
    if (lower_) {
      Seek(*lower_);
      return;
    }
    for (auto& s : sources_) s->SeekFirst();
    forward_ = true;
    FindForward();
  }
  void SeekToLast() override {
    if (upper_) {
      SeekBefore(*upper_);
      return;
    }
    for (auto& s : sources_) s->SeekLast();
    forward_ = false;
    FindBackward();
  }
  void Seek(std::string_view target) override {
    if (lower_ && target < *lower_) target = *lower_;
    for (auto& s : sources_) s->SeekGE(target);
    forward_ = true;
    FindForward();
  }
  void SeekForPrev(std::string_view target) override {
    if (upper_ && target >= *upper_) {
      SeekBefore(*upper_);
      return;
    }
    for (auto& s : sources_) s->SeekLE(target);
    forward_ = false;
    FindBackward();
  }
  void Next() override {
    RINGKV_CHECK(valid_);
    if (!forward_) {
      // Turn around: every source to the first key after the current one.
      const std::string current = key_;
      for (auto& s : sources_) {
        s->SeekGE(current);
        if (s->Valid() && s->key() == current) s->Next();
      }
      forward_ = true;
    } else {
      AdvanceSourcesAt(key_, /*forward=*/true);
    }
    FindForward();
  }
  void Prev() override {
    RINGKV_CHECK(valid_);
    if (forward_) {
      const std::string current = key_;
      for (auto& s : sources_) {
        s->SeekLE(current);
        if (s->Valid() && s->key() == current) s->Prev();
      }
      forward_ = false;
    } else {
      AdvanceSourcesAt(key_, /*forward=*/false);
    }
    FindBackward();
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  absl::Status status() const override {
    for (const auto& s : sources_) {
      absl::Status st = s->status();
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

 private:
  // The last key < bound.
  void SeekBefore(const std::string& bound) {
    for (auto& s : sources_) {
      s->SeekLE(bound);
      if (s->Valid() && s->key() == bound) s->Prev();
    }
    forward_ = false;
    FindBackward();
  }

  void AdvanceSourcesAt(const std::string& key, bool forward) {
    for (auto& s : sources_) {
      if (s->Valid() && s->key() == key) {
        if (forward) {
          s->Next();
        } else {
          s->Prev();
        }
      }
    }
  }

  // Picks the smallest key among the sources (newest source wins ties); skips deletions.
  void FindForward() {
    for (;;) {
      Source* best = nullptr;
      for (auto& s : sources_) {
        if (!s->Valid()) continue;
        if (best == nullptr || s->key() < best->key()) best = s.get();
      }
      if (best == nullptr || !status().ok() || (upper_ && best->key() >= *upper_)) {
        valid_ = false;
        return;
      }
      if (best->deleted()) {
        const std::string k(best->key());
        AdvanceSourcesAt(k, true);
        continue;
      }
      Take(best);
      return;
    }
  }

  void FindBackward() {
    for (;;) {
      Source* best = nullptr;
      for (auto& s : sources_) {
        if (!s->Valid()) continue;
        if (best == nullptr || s->key() > best->key()) best = s.get();
      }
      if (best == nullptr || !status().ok() || (lower_ && best->key() < *lower_)) {
        valid_ = false;
        return;
      }
      if (best->deleted()) {
        const std::string k(best->key());
        AdvanceSourcesAt(k, false);
        continue;
      }
      Take(best);
      return;
    }
  }

  void Take(Source* s) {
    key_.assign(s->key().data(), s->key().size());
    const std::string_view v = s->value();
    value_.assign(v.data(), v.size());
    valid_ = status().ok();
  }

  std::shared_ptr<const ReadView> view_;
  LiveReaders::Token token_;  // the DB checks at Close that no iterator is left
  std::optional<std::string> lower_;
  std::optional<std::string> upper_;
  std::vector<std::unique_ptr<Source>> sources_;
  bool valid_ = false;
  bool forward_ = true;
  std::string key_;
  std::string value_;
};

// What NewIterator returns when there is nothing to read (the DB is closed): never valid,
// with the reason as its status.
class ErrorIterator final : public Iterator {
 public:
  explicit ErrorIterator(absl::Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override { RINGKV_CHECK(Valid()); }
  void Prev() override { RINGKV_CHECK(Valid()); }
  std::string_view key() const override {
    RINGKV_CHECK(Valid());
    return {};
  }
  std::string_view value() const override {
    RINGKV_CHECK(Valid());
    return {};
  }
  absl::Status status() const override { return status_; }

 private:
  absl::Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(std::shared_ptr<const ReadView> view, uint64_t sequence,
                                        const ReadOptions& options, LiveReaders::Token token) {
  return std::make_unique<DBIterator>(std::move(view), sequence, options, std::move(token));
}

std::unique_ptr<Iterator> NewErrorIterator(absl::Status status) {
  return std::make_unique<ErrorIterator>(std::move(status));
}

}  // namespace ringkv
