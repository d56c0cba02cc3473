// LiveReaders counts the iterators and snapshots a DB has handed out and not had back. They read
// the DB's memtables and page store, which Close() frees, so Close() checks that none is left
// and stops the program with a message naming what the caller still holds (LevelDB's contract:
// delete iterators and release snapshots before the DB). The counts must outlive every Token.
#ifndef RINGKV_ENGINE_LIVE_READERS_H_
#define RINGKV_ENGINE_LIVE_READERS_H_

#include <atomic>
#include <cstdint>

namespace ringkv {

class LiveReaders {
 public:
  enum class Kind { kIterator, kSnapshot };

  // One live iterator or snapshot, counted while the Token lives.
  class Token {
   public:
    Token(LiveReaders* readers, Kind kind) : readers_(readers), kind_(kind) {
      readers_->count(kind_).fetch_add(1, std::memory_order_relaxed);
    }
    ~Token() {
      if (readers_ != nullptr) readers_->count(kind_).fetch_sub(1, std::memory_order_relaxed);
    }
    Token(Token&& other) noexcept : readers_(other.readers_), kind_(other.kind_) {
      other.readers_ = nullptr;
    }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;
    Token& operator=(Token&&) = delete;

   private:
    LiveReaders* readers_;
    Kind kind_;
  };

  LiveReaders() = default;
  LiveReaders(const LiveReaders&) = delete;
  LiveReaders& operator=(const LiveReaders&) = delete;

  // Aborts, naming `path` and what is still alive, unless every Token is gone.
  void CheckNoneLeft(const char* path) const;

 private:
  std::atomic<int64_t>& count(Kind kind) {
    return kind == Kind::kIterator ? iterators_ : snapshots_;
  }

  std::atomic<int64_t> iterators_{0};
  std::atomic<int64_t> snapshots_{0};
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_LIVE_READERS_H_
