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
          libzstd-dev zlib1g-dev       # -compress zstd|gzip
          libre2-dev                   # the read service's grep (RE2)
          libbenchmark-dev libgtest-dev libgmock-dev
          libcpp-httplib-dev dpkg-dev file
          clang-14 libclang-rt-14-dev  # libFuzzer, TSan: fuzz/run.sh, tests/reliability/tsan.sh
          iproute2 jq                  # the mediator test across network namespaces
          debootstrap                  # tests/install/deb_chroot_test.sh: the .deb in a clean root
          logrotate)                   # tests/integration/cat_rotation_test.cc: -follow under real logrotate

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

build_dir="${BUILD_DIR:-build}"
config=(-DCMAKE_BUILD_TYPE=Release -DLOGSCRIBE_SANITIZE=OFF)
if [ "${1:-}" = "--sanitize" ]; then
  # -O1 keeps sanitized runs fast enough and compiles in far less time than
  # -O3; the micro benchmarks mean nothing under ASan and are left out.
  build_dir="${BUILD_DIR:-build-asan}"
  config=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
          -DLOGSCRIBE_SANITIZE=ON -DLOGSCRIBE_BUILD_BENCH=OFF)
fi
cmake -S . -B "$build_dir" -G Ninja "${config[@]}" >/dev/null
ninja -C "$build_dir" -j "${JOBS:-$(nproc)}"
