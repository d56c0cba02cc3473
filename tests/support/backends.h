// Parameterizes a test over every I/O backend, so each behaviour is checked on io_uring and on
// the plain-syscall reference alike:
//   INSTANTIATE_TEST_SUITE_P(Backends, MyTest, ringkv::testing::AllBackends(),
//                            ringkv::testing::BackendName);
#ifndef RINGKV_TESTS_SUPPORT_BACKENDS_H_
#define RINGKV_TESTS_SUPPORT_BACKENDS_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "uring/io_backend.h"

namespace ringkv::testing {

struct BackendParam {
  io::BackendKind kind;
  bool sqpoll;
};

inline auto AllBackends() {
  return ::testing::Values(BackendParam{io::BackendKind::kUring, false},
                           BackendParam{io::BackendKind::kUring, true},
                           BackendParam{io::BackendKind::kPosix, false});
}

inline std::string BackendName(const ::testing::TestParamInfo<BackendParam>& info) {
  if (info.param.kind == io::BackendKind::kPosix) return "Posix";
  return info.param.sqpoll ? "UringSqpoll" : "Uring";
}

inline std::unique_ptr<io::IoBackend> MakeBackend(const BackendParam& p,
                                                  io::IoOptions options = {}) {
  options.backend = p.kind;
  options.sqpoll = p.sqpoll;
  auto b = io::OpenBackend(options);
  if (!b.ok()) {
    ADD_FAILURE() << b.status();
    return nullptr;
  }
  return std::move(*b);
}

}  // namespace ringkv::testing

#endif  // RINGKV_TESTS_SUPPORT_BACKENDS_H_
