#include "crash/recorded_ops_coding.h"

#include "absl/strings/str_cat.h"
#include "base/coding.h"

namespace ringkv::crash {

using io::OpType;
using io::RecordedOp;

std::string EncodeOps(const std::vector<io::RecordedOp>& ops) {
  std::string out = "RKVOPS1\n";
  PutFixed64(&out, ops.size());
  for (const RecordedOp& op : ops) {
    out.push_back(static_cast<char>(op.type));
    for (uint64_t v : {op.inode, op.offset, op.len, uint64_t{op.mode}, op.chain, uint64_t{op.index},
                       op.submit_event, op.complete_event}) {
      PutFixed64(&out, v);
    }
    out.push_back(static_cast<char>((op.created ? 1 : 0) | (op.truncated ? 2 : 0) |
                                    (op.dsync ? 4 : 0) | (op.directory ? 8 : 0) |
                                    (op.linked ? 16 : 0) | (op.adds_name ? 32 : 0) |
                                    (op.sets_size ? 64 : 0)));
    for (const std::string* s : {&op.path, &op.path2, &op.data}) {
      PutFixed64(&out, s->size());
      out.append(*s);
    }
  }
  return out;
}

absl::StatusOr<std::vector<io::RecordedOp>> DecodeOps(std::string_view in) {
  const std::string_view magic = "RKVOPS1\n";
  auto bad = [](const char* what) {
    return absl::DataLossError(absl::StrCat("recorded op log is corrupt: ", what));
  };
  if (in.substr(0, magic.size()) != magic) return bad("no RKVOPS1 header");
  in.remove_prefix(magic.size());
  auto u64 = [&](uint64_t* v) {
    if (in.size() < 8) return false;
    *v = DecodeFixed64(in.data());
    in.remove_prefix(8);
    return true;
  };
  uint64_t n;
  if (!u64(&n)) return bad("truncated count");
  std::vector<io::RecordedOp> ops;
  for (uint64_t i = 0; i < n; ++i) {
    RecordedOp op;
    if (in.empty()) return bad("truncated op");
    op.type = static_cast<OpType>(in[0]);
    in.remove_prefix(1);
    uint64_t mode, index;
    for (uint64_t* v : {&op.inode, &op.offset, &op.len, &mode, &op.chain, &index,
                        &op.submit_event, &op.complete_event}) {
      if (!u64(v)) return bad("truncated field");
    }
    op.mode = static_cast<uint32_t>(mode);
    op.index = static_cast<uint32_t>(index);
    if (in.empty()) return bad("truncated flags");
    const uint8_t f = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    op.created = f & 1;
    op.truncated = f & 2;
    op.dsync = f & 4;
    op.directory = f & 8;
    op.linked = f & 16;
    op.adds_name = f & 32;
    op.sets_size = f & 64;
    for (std::string* s : {&op.path, &op.path2, &op.data}) {
      uint64_t len;
      if (!u64(&len) || in.size() < len) return bad("truncated string");
      s->assign(in.data(), len);
      in.remove_prefix(len);
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace ringkv::crash
