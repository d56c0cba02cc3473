#!/usr/bin/env bash
# Installs, builds and runs every test, then prints one line "N passed, N failed" counted from
# the GoogleTest XML reports. Exits non-zero if any test failed or none ran.
#   scripts/test.sh              the suite (release-like build in build/)
#   scripts/test.sh --sanitize   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   RINGKV_LONG=1 scripts/test.sh    long crash and soak variants
set -uo pipefail
cd "$(dirname "$0")/.."

builddir=build
if [[ "${1:-}" == "--sanitize" ]]; then
  builddir=build-asan
  if [[ ! -f "$builddir/build.ninja" ]]; then
    bash scripts/setup.sh >/dev/null || exit 1  # packages
    meson setup "$builddir" -Dwerror=true --buildtype=debug -Db_sanitize=address,undefined \
      -Db_lundef=false -Dbenchmarks=false >/dev/null || exit 1
  fi
fi
RINGKV_BUILD_DIR=$builddir bash scripts/setup.sh || exit 1

reports="$builddir/test-reports"
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
meson test -C "$builddir" --num-processes 2 --print-errorlogs --timeout-multiplier 2 \
  >"$builddir/last-test.log" 2>&1
meson_status=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$builddir/last-test.log" || true
if [[ $meson_status -ne 0 ]]; then
  # Show what failed: meson's error logs are at the end of its output.
  sed -n '/^Summary of Failures/,$p' "$builddir/last-test.log" | head -n 40
  grep -B2 -A20 -E '\[  FAILED  \]|Failure$|ERROR: ' "$builddir/last-test.log" | head -n 200
fi
python3 scripts/count_tests.py "$reports" "$meson_status"
