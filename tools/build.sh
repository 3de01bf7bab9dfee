#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), then builds logscribe.
#   tools/build.sh                 Release build in ./build
#   tools/build.sh --sanitize      ASan+UBSan build in ./build-asan
# Environment: BUILD_DIR overrides the build directory; JOBS the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(cmake g++ ninja-build pkg-config make
          protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
          liburing-dev libconcurrentqueue-dev libssl-dev openssl
          libbenchmark-dev libgtest-dev libgmock-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build.sh: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

sanitize=OFF
build_dir="${BUILD_DIR:-build}"
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=ON
  build_dir="${BUILD_DIR:-build-asan}"
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOGSCRIBE_SANITIZE="$sanitize" >/dev/null
ninja -C "$build_dir" -j "${JOBS:-$(nproc)}"
