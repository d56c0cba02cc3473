// PlantedBugBackend is the base of the backends that break ringkv's I/O on purpose for the crash
// harness's proofs (crash/planted_bugs.h): it passes chains to the inner backend minus the ops a
// subclass drops (they report success without reaching the disk), and lets the subclass change
// a completed chain (what a read returned) before the caller sees it. `inner` must outlive it.
#ifndef RINGKV_CRASH_PLANTED_BUG_BACKEND_H_
#define RINGKV_CRASH_PLANTED_BUG_BACKEND_H_

#include <cstddef>

#include "uring/wrapping_backend.h"

namespace ringkv::crash {

class PlantedBugBackend : public io::WrappingBackend {
 public:
  explicit PlantedBugBackend(io::IoBackend& inner) : WrappingBackend(inner) {}

  std::string_view name() const override { return "planted-bug"; }
  io::Ticket Submit(io::Chain chain, io::Callback done = nullptr,
                    bool caller_waits = false) override;

 protected:
  // Whether op `index` of `chain` is dropped: it never reaches the disk and reports success
  // (a write its full length), unless an earlier op of its linked chain failed.
  virtual bool Drops(const io::Chain& chain, size_t index) { return false; }
  // Runs on the reaping thread once the chain completed, before its callback.
  virtual void Edit(io::PendingChain& completed) {}
};

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_PLANTED_BUG_BACKEND_H_
