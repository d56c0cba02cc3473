#include "uring/fault_injecting_backend.h"

#include <cerrno>
#include <memory>
#include <utility>
#include <vector>

#include "base/check.h"
#include "uring/dio_alignment.h"

namespace ringkv::io {

void FaultInjectingBackend::SetFault(FaultFn fn) {
  absl::MutexLock lock(&mu_);
  fault_ = std::move(fn);
}

void FaultInjectingBackend::ClearFault() { SetFault(nullptr); }

FaultInjectingBackend::FaultFn FaultInjectingBackend::FailNth(uint64_t n, int err) {
  auto seen = std::make_shared<uint64_t>(0);
  return [seen, n, err](const Op&) -> int32_t { return ++*seen == n ? -err : 0; };
}

FaultInjectingBackend::FaultFn FaultInjectingBackend::ShortenNth(uint64_t n) {
  auto seen = std::make_shared<uint64_t>(0);
  return [seen, n](const Op& op) -> int32_t {
    if (++*seen != n) return 0;
    return op.type == OpType::kWrite ? kShortWrite : -EIO;
  };
}

FaultInjectingBackend::FaultFn FaultInjectingBackend::FailEvery(OpType type, int err) {
  return [type, err](const Op& op) -> int32_t { return op.type == type ? -err : 0; };
}

Ticket FaultInjectingBackend::Submit(Chain chain, Callback done, bool caller_waits) {
  const size_t n = chain.size();
  CheckChain(chain);
  std::vector<int32_t> injected(n, 0);
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < n; ++i) {
      ops_seen_.fetch_add(1);
      // Linux releases a descriptor even when close() reports an error, so a close always
      // reaches the disk layer; its failure cannot be simulated by skipping it.
      if (fault_ && chain.ops()[i].type != OpType::kClose) injected[i] = fault_(chain.ops()[i]);
      RINGKV_CHECK(injected[i] <= 0 || injected[i] == kShortWrite);
      if (injected[i] != 0) {
        faults_injected_.fetch_add(1);
        if (chain.linked()) break;  // later ops never reach the disk
      }
    }
  }
  // What reaches the inner backend: a linked chain up to the first fault; an unlinked one
  // without its faulted ops. `origin[j]` is the outer index of inner op j.
  Chain forwarded;
  forwarded.set_linked(chain.linked());
  std::vector<size_t> origin;
  for (size_t i = 0; i < n; ++i) {
    if (injected[i] == kShortWrite) {
      // The write reaches the disk cut short; it reports what it wrote, which fails it.
      Op partial = chain.ops()[i];
      partial.len = AlignDown(partial.len / 2, 4096);
      if (partial.len > 0) {
        forwarded.mutable_ops().push_back(partial);
        origin.push_back(i);
        injected[i] = 0;
      } else {
        injected[i] = -EIO;
      }
      if (chain.linked()) break;
      continue;
    }
    if (injected[i] < 0) {
      if (chain.linked()) break;
      continue;
    }
    forwarded.mutable_ops().push_back(chain.ops()[i]);
    origin.push_back(i);
  }
  if (forwarded.empty()) forwarded.Nop();  // complete through the inner backend all the same

  auto outer = std::make_shared<PendingChain>();
  outer->chain = std::move(chain);
  outer->callback = std::move(done);
  outer->completion.results.assign(n, -ECANCELED);
  PendingChain* o = outer.get();
  outer->self = outer;  // alive until its callback ran, even if the caller drops the ticket
  outer->inner = inner().Submit(
      std::move(forwarded),
      [this, o, injected = std::move(injected), origin = std::move(origin)](const Completion& c) {
        bool prefix_ok = true;
        for (size_t j = 0; j < origin.size(); ++j) {
          o->completion.results[origin[j]] = c.results[j];
          if (!OpSucceeded(o->chain.ops()[origin[j]], c.results[j])) prefix_ok = false;
        }
        for (size_t i = 0; i < injected.size(); ++i) {
          if (injected[i] == 0) continue;
          // In a linked chain the fault only happens if everything before it succeeded.
          if (o->chain.linked() && !prefix_ok) break;
          o->completion.results[i] = injected[i];
          if (o->chain.linked()) break;
        }
        DescribeCompletion(*o);
        if (o->callback) o->callback(o->completion);
        o->done = true;
        Ticket release = std::move(o->self);
      },
      caller_waits);
  return outer;
}

}  // namespace ringkv::io
