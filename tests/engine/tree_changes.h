// Test helper: a batch of puts (a value) and deletes (nullopt) as the sorted TreeChanges a
// checkpoint hands MergeIntoTree. The changes view the batch, which must outlive them.
#ifndef RINGKV_TESTS_ENGINE_TREE_CHANGES_H_
#define RINGKV_TESTS_ENGINE_TREE_CHANGES_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/btree_merge.h"

namespace ringkv::testing {

inline std::vector<TreeChange> ToChanges(
    const std::map<std::string, std::optional<std::string>>& batch) {
  std::vector<TreeChange> out;
  for (const auto& [k, v] : batch) {
    TreeChange c;
    c.key = k;
    c.deleted = !v.has_value();
    if (v) c.value = *v;
    out.push_back(c);
  }
  return out;
}

}  // namespace ringkv::testing

#endif  // RINGKV_TESTS_ENGINE_TREE_CHANGES_H_
