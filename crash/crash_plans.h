// ChooseCrashPlans picks which crash states of a recorded run to check within a budget: both
// extremes (every volatile op lost / kept) at evenly spread crash points, every keep/lose
// combination at crash points with at most six volatile writes (up to a fifth of the budget),
// and seeded random states, half of them while a write is under way.
// `extra_points` are crash points besides the simulator's own (events at which the recorded
// program said something, such as a line of output acknowledging a write).
#ifndef RINGKV_CRASH_CRASH_PLANS_H_
#define RINGKV_CRASH_CRASH_PLANS_H_

#include <vector>

#include "crash/crash_state.h"

namespace ringkv::crash {

struct ChosenPlans {
  std::vector<CrashPlan> plans;   // at most `states` (at least one)
  size_t crash_points = 0;
  size_t exhaustive_points = 0;   // crash points whose every keep/lose combination is in `plans`
};

ChosenPlans ChooseCrashPlans(const CrashSimulator& sim, size_t states, uint64_t seed,
                             const std::vector<uint64_t>& extra_points = {});

}  // namespace ringkv::crash

#endif  // RINGKV_CRASH_CRASH_PLANS_H_
