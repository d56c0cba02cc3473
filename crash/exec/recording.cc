#include "crash/exec/recording.h"

namespace ringkv::crash::exec {

std::string OutputBefore(const Recording& recording, uint64_t event) {
  std::string out;
  for (const OutputChunk& c : recording.output) {
    if (c.event > event) break;
    out += c.bytes;
  }
  return out;
}

}  // namespace ringkv::crash::exec
