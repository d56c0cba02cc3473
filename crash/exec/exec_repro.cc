#include "crash/exec/exec_repro.h"

#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/coding.h"
#include "crash/recorded_ops_coding.h"

namespace ringkv::crash::exec {
namespace {

void PutString(std::string* out, std::string_view s) {
  PutFixed64(out, s.size());
  out->append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = DecodeFixed64(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool String(std::string* s) {
    uint64_t n;
    if (!U64(&n) || in_.size() < n) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace

std::string EncodeExecRepro(const ExecRepro& repro) {
  std::string out(kExecReproMagic);
  PutString(&out, repro.check);
  PutString(&out, repro.recording.root);
  PutFixed64(&out, repro.plan.event);
  PutFixed64(&out, repro.plan.names_kept);
  PutFixed64(&out, repro.plan.fates.size());
  for (const auto& [index, fate] : repro.plan.fates) {
    PutFixed64(&out, index);
    PutFixed64(&out, static_cast<uint64_t>(fate.fate));
    PutString(&out, fate.sectors);
  }
  PutFixed64(&out, repro.recording.output.size());
  for (const OutputChunk& c : repro.recording.output) {
    PutFixed64(&out, c.event);
    PutString(&out, c.bytes);
  }
  out += EncodeOps(repro.recording.ops);
  PutFixed64(&out, XXH3_64bits(out.data(), out.size()));  // of everything before it
  return out;
}

absl::StatusOr<ExecRepro> DecodeExecRepro(std::string_view bytes) {
  if (bytes.substr(0, kExecReproMagic.size()) != kExecReproMagic) {
    return absl::InvalidArgumentError("not a ringkv crash exec reproduction (no header)");
  }
  auto bad = [](const char* what) {
    return absl::DataLossError(absl::StrCat("crash exec reproduction is corrupt: ", what));
  };
  if (bytes.size() < kExecReproMagic.size() + 8) return bad("truncated");
  const uint64_t stored = DecodeFixed64(bytes.data() + bytes.size() - 8);
  bytes.remove_suffix(8);
  const uint64_t actual = XXH3_64bits(bytes.data(), bytes.size());
  if (stored != actual) {
    return absl::DataLossError(absl::StrFormat(
        "crash exec reproduction is corrupt: checksum expected %016x, actual %016x", stored,
        actual));
  }
  Reader in(bytes.substr(kExecReproMagic.size()));
  ExecRepro r;
  r.plan.mode = CrashMode::kChosen;
  uint64_t names_kept, fates, chunks;
  if (!in.String(&r.check) || !in.String(&r.recording.root)) return bad("truncated header");
  if (!in.U64(&r.plan.event) || !in.U64(&names_kept) || !in.U64(&fates)) return bad("truncated plan");
  r.plan.names_kept = static_cast<size_t>(names_kept);
  for (uint64_t i = 0; i < fates; ++i) {
    uint64_t index, fate;
    ChosenFate f;
    if (!in.U64(&index) || !in.U64(&fate) || !in.String(&f.sectors)) return bad("truncated fate");
    if (fate > static_cast<uint64_t>(OpFate::kTorn)) return bad("unknown fate");
    f.fate = static_cast<OpFate>(fate);
    r.plan.fates[static_cast<size_t>(index)] = std::move(f);
  }
  if (!in.U64(&chunks)) return bad("truncated output count");
  for (uint64_t i = 0; i < chunks; ++i) {
    OutputChunk c;
    if (!in.U64(&c.event) || !in.String(&c.bytes)) return bad("truncated output");
    r.recording.output.push_back(std::move(c));
  }
  absl::StatusOr<std::vector<io::RecordedOp>> ops = DecodeOps(in.rest());
  if (!ops.ok()) return ops.status();
  r.recording.ops = std::move(*ops);
  return r;
}

}  // namespace ringkv::crash::exec
