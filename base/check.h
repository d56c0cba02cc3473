// Invariant checks for ringkv. abseil 20220623 (Debian 12) has no ABSL_CHECK, so these stand in:
// RINGKV_CHECK is always on (corruption of in-memory state must never reach the disk);
// RINGKV_DCHECK is compiled out in release builds (NDEBUG) and documents cheaper invariants.
#ifndef RINGKV_BASE_CHECK_H_
#define RINGKV_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define RINGKV_CHECK(cond)                                                          \
  do {                                                                              \
    if (!(cond)) [[unlikely]] {                                                     \
      std::fprintf(stderr, "%s:%d: RINGKV_CHECK failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                          \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

#ifdef NDEBUG
#define RINGKV_DCHECK(cond) \
  do {                      \
  } while (0 && (cond))
#else
#define RINGKV_DCHECK(cond) RINGKV_CHECK(cond)
#endif

#endif  // RINGKV_BASE_CHECK_H_
