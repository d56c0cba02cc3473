// ZeroedWords is a fixed array of 64-bit words in an anonymous mapping: fresh zero pages, faulted
// in as they are first touched, so creating a large one does not clear it first (a memtable is
// created under the DB's write lock, at rotation). The memtable's hash index and Bloom filter
// live in one each. Readers and the writer share the words through std::atomic_ref.
#ifndef RINGKV_ENGINE_ZEROED_WORDS_H_
#define RINGKV_ENGINE_ZEROED_WORDS_H_

#include <cstddef>
#include <cstdint>

namespace ringkv {

class ZeroedWords {
 public:
  explicit ZeroedWords(size_t count);
  ~ZeroedWords();
  ZeroedWords(const ZeroedWords&) = delete;
  ZeroedWords& operator=(const ZeroedWords&) = delete;

  uint64_t* data() const { return words_; }
  size_t size() const { return count_; }

 private:
  size_t count_;
  uint64_t* words_;
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_ZEROED_WORDS_H_
