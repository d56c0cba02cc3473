#include "bench/report/machine_info.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ringkv::bench {
namespace {

// The first line of a small sysfs/procfs file, trimmed; "" if it cannot be read.
std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  return std::string(absl::StripAsciiWhitespace(line));
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

// The /proc/mounts entry whose mount point is the longest prefix of `path`.
void FindMount(const std::string& path, MachineInfo* m) {
  std::ifstream in("/proc/mounts");
  std::string line;
  size_t best = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string device, mount_point, type;
    if (!(fields >> device >> mount_point >> type)) continue;
    const bool covers = path == mount_point || mount_point == "/" ||
                        absl::StartsWith(path, mount_point + "/");
    // ">=": a later mount over the same point hides the earlier one.
    if (covers && mount_point.size() >= best) {
      best = mount_point.size();
      m->device = device;
      m->mount_point = mount_point;
      m->filesystem = type;
    }
  }
}

std::string FilesystemFromMagic(const std::string& path) {
  struct statfs s {};
  if (::statfs(path.c_str(), &s) != 0) return "";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x794c7630: return "overlay";
    default: return absl::StrFormat("statfs magic 0x%lx", static_cast<unsigned long>(s.f_type));
  }
}

// The whole-disk name under /sys/block for the device holding `path` ("vda" for /dev/vda1).
std::string BlockDeviceOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  const std::string sys = absl::StrCat("/sys/dev/block/", major(st.st_dev), ":", minor(st.st_dev));
  std::string real = RealPath(sys);
  if (real == sys) return "";  // no sysfs entry (tmpfs, overlay on no device, ...)
  struct stat ps {};
  if (::stat((real + "/partition").c_str(), &ps) == 0) real = real.substr(0, real.rfind('/'));
  return real.substr(real.rfind('/') + 1);
}

}  // namespace

MachineInfo DescribeMachine(const std::string& dir) {
  MachineInfo m;
  struct utsname u {};
  if (::uname(&u) == 0) {
    m.kernel = absl::StrCat(u.sysname, " ", u.release, " ", u.version, " ", u.machine);
    m.hostname = u.nodename;
  }
  m.cpus = static_cast<int>(std::thread::hardware_concurrency());
  m.dir = RealPath(dir);
  FindMount(m.dir, &m);
  if (m.filesystem.empty()) m.filesystem = FilesystemFromMagic(m.dir);
  m.block_device = BlockDeviceOf(m.dir);
  if (!m.block_device.empty()) {
    const std::string q = "/sys/block/" + m.block_device;
    m.model = ReadLine(q + "/device/model");
    m.write_cache = ReadLine(q + "/queue/write_cache");
    m.fua = ReadLine(q + "/queue/fua");
    m.rotational = ReadLine(q + "/queue/rotational");
    m.nvme = absl::StartsWith(m.block_device, "nvme");
  }
  return m;
}

}  // namespace ringkv::bench
