#include "engine/db_files.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ringkv {
namespace {

bool IsHexSegmentName(const std::string& name) {
  if (name.size() != 20 || !absl::EndsWith(name, ".log")) return false;
  return std::all_of(name.begin(), name.begin() + 16,
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsWalName(const std::string& name) {
  if (IsHexSegmentName(name)) return true;
  if (absl::EndsWith(name, ".tmp") && IsHexSegmentName(name.substr(0, name.size() - 4))) return true;
  return absl::StartsWith(name, "retired-") && absl::EndsWith(name, ".log");
}

}  // namespace

absl::StatusOr<DbFileSet> ListDbFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) return absl::NotFoundError(absl::StrCat("no database at ", dir));
  if (!fs::is_directory(st)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " is not a directory, so it cannot be a ringkv database"));
  }
  DbFileSet set;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool is_dir = entry.is_directory(ec);
    if (name == kManifestFile && !is_dir) {
      set.manifest = true;
    } else if (name == kPagesFile && !is_dir) {
      set.pages = true;
    } else if (name == kWalDir && is_dir) {
      set.wal_dir = true;
    } else if (!((name == "LOCK" || name == "MANIFEST.tmp") && !is_dir)) {
      set.unknown.push_back(entry.path().string());
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("listing ", dir, ": ", ec.message()));
  if (set.wal_dir) {
    for (const auto& entry : fs::directory_iterator(absl::StrCat(dir, "/", kWalDir), ec)) {
      const std::string name = entry.path().filename().string();
      if (!IsWalName(name) || entry.is_directory(ec)) set.unknown.push_back(entry.path().string());
    }
    if (ec) return absl::InternalError(absl::StrCat("listing ", dir, "/wal: ", ec.message()));
  }
  std::sort(set.unknown.begin(), set.unknown.end());
  return set;
}

}  // namespace ringkv
