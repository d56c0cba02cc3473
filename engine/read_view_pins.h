// ReadViewPins publishes the DB's current ReadView to point reads without a lock or a shared
// reference count: a reader pins the view for the length of one Get with a hazard pointer
// (a store into its own cache line, then a re-check), where copying the shared_ptr under the
// DB mutex cost every Get a lock and two atomic read-modify-writes on cache lines all readers
// share. A replaced view is kept until no hazard pointer names it.
//
// Iterators and snapshots, which hold a view for long, still take a counted reference.
#ifndef RINGKV_ENGINE_READ_VIEW_PINS_H_
#define RINGKV_ENGINE_READ_VIEW_PINS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "engine/read_view.h"

namespace ringkv {

class ReadViewPins {
 public:
  // Bounded: a reader that finds every slot taken (more concurrent Gets than slots) falls back
  // to a counted reference.
  static constexpr int kSlots = 64;

  ReadViewPins() = default;
  ReadViewPins(const ReadViewPins&) = delete;
  ReadViewPins& operator=(const ReadViewPins&) = delete;
  // Every Pin must be gone (readers finished).
  ~ReadViewPins();

  // Makes `v` (null: closed) what new pins see. The previous view is released once no pin
  // names it: here if possible, else by a later Publish, Reclaim or the unpinning reader.
  void Publish(std::shared_ptr<const ReadView> v);

  // A view pinned until the Pin is destroyed; get() is null after Publish(nullptr).
  class Pin {
   public:
    Pin(Pin&& other) noexcept
        : pins_(other.pins_), slot_(other.slot_), view_(other.view_),
          counted_(std::move(other.counted_)) {
      other.slot_ = nullptr;
    }
    Pin& operator=(Pin&&) = delete;
    ~Pin();
    const ReadView* get() const { return view_; }
    const ReadView* operator->() const { return view_; }

   private:
    friend class ReadViewPins;
    Pin(ReadViewPins* pins, std::atomic<const ReadView*>* slot, const ReadView* v,
        std::shared_ptr<const ReadView> counted)
        : pins_(pins), slot_(slot), view_(v), counted_(std::move(counted)) {}
    ReadViewPins* pins_;
    std::atomic<const ReadView*>* slot_;  // null when counted_ holds the view
    const ReadView* view_;
    std::shared_ptr<const ReadView> counted_;
  };
  Pin Acquire();

  // Releases every replaced view no pin names; true if none is left waiting.
  bool Reclaim();

 private:
  struct alignas(64) Slot {
    std::atomic<const ReadView*> hazard{nullptr};
  };
  // Marks a slot taken by a reader that has not yet named its view.
  static const ReadView* Busy() { return reinterpret_cast<const ReadView*>(alignof(ReadView)); }

  Slot slots_[kSlots];
  std::atomic<const ReadView*> current_{nullptr};
  // Replaced views still waiting (read by unpinning readers without the lock).
  alignas(64) std::atomic<size_t> waiting_{0};
  absl::Mutex mu_;
  std::shared_ptr<const ReadView> owner_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const ReadView>> retired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_READ_VIEW_PINS_H_
