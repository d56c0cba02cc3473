// VersionPins publishes the DB's current Version to point reads without a lock or a shared
// reference count: a reader pins the version for the length of one Get with a hazard pointer
// (a store into its own cache line, then a re-check), where copying the shared_ptr under the
// DB mutex cost every Get a lock and two atomic read-modify-writes on cache lines all readers
// share. A replaced version is kept until no hazard pointer names it.
//
// Iterators and snapshots, which hold a version for long, still take a counted reference.
#ifndef RINGKV_ENGINE_VERSION_PINS_H_
#define RINGKV_ENGINE_VERSION_PINS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "engine/version.h"

namespace ringkv {

class VersionPins {
 public:
  // Bounded: a reader that finds every slot taken (more concurrent Gets than slots) falls back
  // to a counted reference.
  static constexpr int kSlots = 64;

  VersionPins() = default;
  VersionPins(const VersionPins&) = delete;
  VersionPins& operator=(const VersionPins&) = delete;
  // Every Pin must be gone (readers finished).
  ~VersionPins();

  // Makes `v` (null: closed) what new pins see. The previous version is released once no pin
  // names it: here if possible, else by a later Publish, Reclaim or the unpinning reader.
  void Publish(std::shared_ptr<const Version> v);

  // A version pinned until the Pin is destroyed; get() is null after Publish(nullptr).
  class Pin {
   public:
    Pin(Pin&& other) noexcept
        : pins_(other.pins_), slot_(other.slot_), version_(other.version_),
          counted_(std::move(other.counted_)) {
      other.slot_ = nullptr;
    }
    Pin& operator=(Pin&&) = delete;
    ~Pin();
    const Version* get() const { return version_; }
    const Version* operator->() const { return version_; }

   private:
    friend class VersionPins;
    Pin(VersionPins* pins, std::atomic<const Version*>* slot, const Version* v,
        std::shared_ptr<const Version> counted)
        : pins_(pins), slot_(slot), version_(v), counted_(std::move(counted)) {}
    VersionPins* pins_;
    std::atomic<const Version*>* slot_;  // null when counted_ holds the version
    const Version* version_;
    std::shared_ptr<const Version> counted_;
  };
  Pin Acquire();

  // Releases every replaced version no pin names; true if none is left waiting.
  bool Reclaim();

 private:
  struct alignas(64) Slot {
    std::atomic<const Version*> hazard{nullptr};
  };
  // Marks a slot taken by a reader that has not yet named its version.
  static const Version* Busy() { return reinterpret_cast<const Version*>(alignof(Version)); }

  Slot slots_[kSlots];
  std::atomic<const Version*> current_{nullptr};
  // Replaced versions still waiting (read by unpinning readers without the lock).
  alignas(64) std::atomic<size_t> waiting_{0};
  absl::Mutex mu_;
  std::shared_ptr<const Version> owner_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const Version>> retired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ringkv

#endif  // RINGKV_ENGINE_VERSION_PINS_H_
