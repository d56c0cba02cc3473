// Explain says in plain words what a crash state lost or kept that a correct program must not
// depend on: "the write of 4096 bytes at offset 0 to data.tmp was lost; the rename data.tmp ->
// data persisted; the directory . was never fsynced after it". Paths are shown relative to the
// recorded root.
#ifndef RINGKV_CRASH_EXEC_EXPLAIN_H_
#define RINGKV_CRASH_EXEC_EXPLAIN_H_

#include <string>
#include <vector>

#include "crash/crash_state.h"

namespace ringkv::crash::exec {

// One sentence per lost, torn or undone op and per volatile name change that persisted, in the
// order the ops happened. `summary` is what Materialize returned for the state.
std::vector<std::string> Explain(const CrashSimulator& sim, const CrashStateSummary& summary);

}  // namespace ringkv::crash::exec

#endif  // RINGKV_CRASH_EXEC_EXPLAIN_H_
