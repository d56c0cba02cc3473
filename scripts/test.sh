#!/usr/bin/env bash
# Installs, builds and runs every test twice — in the normal build (build/) and under
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) — then prints one line
# "N passed, N failed" counted from the GoogleTest XML reports of both. Exits non-zero if any
# test failed or none ran.
#   scripts/test.sh              both builds (what CI runs)
#   scripts/test.sh --quick      the normal build only
#   scripts/test.sh --sanitize   the sanitizer build only
set -uo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
bash scripts/setup.sh || exit 1  # packages and build/

run_suite() {  # $1 = build dir; prints meson's per-test lines; returns meson's status
  local builddir=$1
  if [[ $builddir != build ]]; then
    if [[ ! -f "$builddir/build.ninja" ]]; then
      meson setup "$builddir" -Dwerror=true --buildtype=debug -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbenchmarks=false >/dev/null || return 1
    fi
    RINGKV_BUILD_DIR=$builddir bash scripts/setup.sh || return 1
  fi
  rm -rf "$builddir/test-reports"
  mkdir -p "$builddir/test-reports"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    meson test -C "$builddir" --num-processes 2 --print-errorlogs --timeout-multiplier 3 \
    >"$builddir/last-test.log" 2>&1
  local status=$?
  grep -E '^ *[0-9]+/[0-9]+ ' "$builddir/last-test.log" | sed "s|^|[$builddir] |"
  if [[ $status -ne 0 ]]; then
    sed -n '/^Summary of Failures/,$p' "$builddir/last-test.log" | head -n 40
    grep -B2 -A20 -E '\[  FAILED  \]|Failure$|ERROR: |runtime error' "$builddir/last-test.log" | head -n 200
  fi
  return $status
}

status=0
dirs=()
if [[ $mode == all || $mode == --quick ]]; then
  run_suite build || status=1
  dirs+=(build/test-reports)
fi
if [[ $mode == all || $mode == --sanitize ]]; then
  run_suite build-asan || status=1
  dirs+=(build-asan/test-reports)
fi
python3 scripts/count_tests.py "$status" "${dirs[@]}"
