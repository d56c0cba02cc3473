#include "crash/crash_plans.h"

#include <algorithm>
#include <random>

namespace ringkv::crash {

ChosenPlans ChooseCrashPlans(const CrashSimulator& sim, size_t states, uint64_t seed,
                             const std::vector<uint64_t>& extra_points) {
  ChosenPlans out;
  std::vector<uint64_t> points = sim.CrashPoints();
  points.insert(points.end(), extra_points.begin(), extra_points.end());
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  out.crash_points = points.size();
  std::vector<CrashPlan>& plans = out.plans;
  std::mt19937_64 rng(seed);
  // A sixth of the budget for the two extremes, up to a fifth for exhaustive enumeration, the
  // rest random.
  const size_t extremes = std::min(points.size(), states / 6 + 1);
  for (size_t i = 0; i < extremes; ++i) {
    const uint64_t p = points[i * points.size() / extremes];
    plans.push_back({p, CrashMode::kAllLost, 0});
    plans.push_back({p, CrashMode::kAllKept, 0});
  }
  plans.push_back({points.back(), CrashMode::kAllLost, 0});
  // Where few writes are volatile, enumerate every keep/lose combination: at crash points with
  // at most 6 (64 states), budget permitting.
  const size_t budget = plans.size() + states / 5;
  std::mt19937_64 pick(seed + 1);
  for (size_t tries = 0; tries < points.size() && plans.size() < budget; ++tries) {
    const size_t i = pick() % points.size();
    const size_t k = sim.Summarize({points[i], CrashMode::kEnumerate, 0}).writes_volatile_decided;
    if (k == 0 || k > 6 || plans.size() + (size_t{1} << k) > budget) continue;
    for (uint64_t bits = 1; bits < (uint64_t{1} << k); ++bits) {  // 0 = all lost, done
      plans.push_back({points[i], CrashMode::kEnumerate, bits});
    }
    ++out.exhaustive_points;
  }
  // Half the random states crash while a write is under way: that is where tearing happens.
  std::vector<uint64_t> writes_in_flight;
  for (const io::RecordedOp& op : sim.ops()) {
    if (op.type == io::OpType::kWrite) writes_in_flight.push_back(op.submit_event);
  }
  while (plans.size() < states) {
    const bool tear = !writes_in_flight.empty() && plans.size() % 2 == 0;
    const uint64_t p = tear ? writes_in_flight[rng() % writes_in_flight.size()]
                            : points[rng() % points.size()];
    plans.push_back({p, CrashMode::kRandom, rng()});
  }
  plans.resize(std::min(plans.size(), std::max<size_t>(states, 1)));
  return out;
}

}  // namespace ringkv::crash
