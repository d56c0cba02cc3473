#include "crash/planted_bug_backend.h"

#include <cerrno>
#include <memory>
#include <utility>
#include <vector>

namespace ringkv::crash {

io::Ticket PlantedBugBackend::Submit(io::Chain chain, io::Callback done, bool caller_waits) {
  CheckChain(chain);
  const size_t n = chain.size();
  // What reaches the inner backend: the ops not dropped; origin[j] is the outer index of op j.
  io::Chain forwarded;
  forwarded.set_linked(chain.linked());
  std::vector<size_t> origin;
  std::vector<bool> dropped(n, false);
  for (size_t i = 0; i < n; ++i) {
    dropped[i] = Drops(chain, i);
    if (dropped[i]) continue;
    forwarded.mutable_ops().push_back(chain.ops()[i]);
    origin.push_back(i);
  }
  if (forwarded.empty()) forwarded.Nop();  // complete through the inner backend all the same

  auto outer = std::make_shared<io::PendingChain>();
  outer->chain = std::move(chain);
  outer->callback = std::move(done);
  outer->completion.results.assign(n, 0);
  io::PendingChain* o = outer.get();
  outer->self = outer;  // alive until its callback ran, even if the caller drops the ticket
  outer->inner = inner().Submit(
      std::move(forwarded),
      [this, o, origin = std::move(origin), dropped = std::move(dropped)](const io::Completion& c) {
        std::vector<int32_t>& results = o->completion.results;
        for (size_t j = 0; j < origin.size(); ++j) results[origin[j]] = c.results[j];
        bool failed = false;  // in a linked chain, an earlier failure cancels a dropped op too
        for (size_t i = 0; i < results.size(); ++i) {
          const io::Op& op = o->chain.ops()[i];
          if (dropped[i]) {
            results[i] = failed && o->chain.linked()       ? -ECANCELED
                         : op.type == io::OpType::kWrite ? static_cast<int32_t>(op.len)
                                                         : 0;
          }
          failed = failed || !io::OpSucceeded(op, results[i]);
        }
        Edit(*o);
        DescribeCompletion(*o);
        if (o->callback) o->callback(o->completion);
        o->done = true;
        io::Ticket release = std::move(o->self);
      },
      caller_waits);
  return outer;
}

}  // namespace ringkv::crash
