#include "engine/read_view_pins.h"

#include <algorithm>
#include <thread>

#include "base/check.h"

namespace ringkv {
namespace {

// Each thread starts probing at its own slot, so readers on different threads rarely share a
// cache line.
int HomeSlot() {
  static std::atomic<int> next{0};
  thread_local const int home = next.fetch_add(1, std::memory_order_relaxed);
  return home % ReadViewPins::kSlots;
}

}  // namespace

ReadViewPins::~ReadViewPins() {
  for (const Slot& s : slots_) RINGKV_CHECK(s.hazard.load() == nullptr);
}

ReadViewPins::Pin ReadViewPins::Acquire() {
  const int home = HomeSlot();
  for (int k = 0; k < kSlots; ++k) {
    std::atomic<const ReadView*>& hazard = slots_[(home + k) % kSlots].hazard;
    const ReadView* expected = nullptr;
    if (hazard.load(std::memory_order_relaxed) != nullptr ||
        !hazard.compare_exchange_strong(expected, Busy(), std::memory_order_acquire)) {
      continue;
    }
    // Name the view, then check it is still current: a publisher that replaced it after
    // our store sees the hazard (both seq_cst) and keeps it; one that replaced it before makes
    // us retry with the new one.
    const ReadView* v = current_.load(std::memory_order_acquire);
    for (;;) {
      hazard.store(v, std::memory_order_seq_cst);
      const ReadView* again = current_.load(std::memory_order_seq_cst);
      if (again == v) break;
      v = again;
    }
    if (v == nullptr) hazard.store(nullptr, std::memory_order_release);
    return Pin(this, v == nullptr ? nullptr : &hazard, v, nullptr);
  }
  // Every slot taken: a counted reference instead.
  absl::MutexLock lock(&mu_);
  return Pin(this, nullptr, owner_.get(), owner_);
}

ReadViewPins::Pin::~Pin() {
  if (slot_ == nullptr) return;
  slot_->store(nullptr, std::memory_order_release);
  // The last reader of a replaced view frees it (the publisher could not). Readers of the
  // current view cannot be what holds a replaced one up, so they skip the lock.
  if (pins_->waiting_.load(std::memory_order_relaxed) != 0 &&
      view_ != pins_->current_.load(std::memory_order_relaxed)) {
    pins_->Reclaim();
  }
}

void ReadViewPins::Publish(std::shared_ptr<const ReadView> v) {
  {
    absl::MutexLock lock(&mu_);
    if (owner_ != nullptr) retired_.push_back(std::move(owner_));
    owner_ = std::move(v);
    current_.store(owner_.get(), std::memory_order_seq_cst);
    waiting_.store(retired_.size(), std::memory_order_relaxed);
  }
  Reclaim();
}

bool ReadViewPins::Reclaim() {
  std::vector<std::shared_ptr<const ReadView>> release;  // destroyed outside the lock
  {
    absl::MutexLock lock(&mu_);
    std::vector<const ReadView*> named;
    for (const Slot& s : slots_) {
      const ReadView* h = s.hazard.load(std::memory_order_seq_cst);
      if (h != nullptr && h != Busy()) named.push_back(h);
    }
    auto still = std::partition(retired_.begin(), retired_.end(), [&](const auto& r) {
      return std::find(named.begin(), named.end(), r.get()) != named.end();
    });
    for (auto it = still; it != retired_.end(); ++it) release.push_back(std::move(*it));
    retired_.erase(still, retired_.end());
    waiting_.store(retired_.size(), std::memory_order_relaxed);
    return retired_.empty();
  }
}

}  // namespace ringkv
