#!/usr/bin/env bash
# Installs what ringkv needs from Debian packages (only those missing), then configures and
# builds into build/. Idempotent: a second run with everything present only rebuilds what changed.
#   scripts/setup.sh            the toolchain and libraries
#   scripts/setup.sh --peers    also RocksDB, LevelDB, LMDB and SQLite, for `ringkv bench --compare`
set -euo pipefail
cd "$(dirname "$0")/.."

# libfuse3-dev and fuse3 for `ringkv crash exec` (the recording FUSE filesystem), sqlite3 for
# its tests (a real program under test).
packages=(g++ meson ninja-build pkg-config python3
          liburing-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev libxxhash-dev
          libfuse3-dev fuse3 sqlite3)
if [[ "${1:-}" == "--peers" ]]; then
  packages+=(librocksdb-dev libleveldb-dev liblmdb-dev libsqlite3-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install packages (run as root, or install them yourself)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

builddir=${RINGKV_BUILD_DIR:-build}
if [[ ! -f "$builddir/build.ninja" ]]; then
  meson setup "$builddir" -Dwerror=true --buildtype=debugoptimized >/dev/null
fi
# Quiet unless something fails: then ninja's own output says what.
if ! ninja -C "$builddir" >"$builddir/last-build.log" 2>&1; then
  cat "$builddir/last-build.log" >&2
  exit 1
fi
echo "setup: built $builddir/ ($(grep -c . "$builddir/last-build.log") build steps)" >&2
