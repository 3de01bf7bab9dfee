#!/usr/bin/env bash
# ThreadSanitizer over the src/io unit tests: the writer threads, their lock-free
# inboxes, the sink's queue budget and completions. Only tests/io: Debian's
# gRPC is not built with TSan, so anything linking it reports gRPC's own
# accesses. Builds in build-tsan (clang -fsanitize=thread) and runs ctest there.
# The same clang build compiles the libraries of src/io, src/routing and
# src/rpc with -Wthread-safety -Werror (CMakeLists.txt): every GUARDED_BY and
# REQUIRES is checked, though only the io tests run.
#   tests/reliability/tsan.sh            build and run
# Environment: BUILD_DIR (default build-tsan), JOBS.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${BUILD_DIR:-build-tsan}"
# Clang: GCC refuses the standalone fences of moodycamel's queue under TSan.
cxx="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$cxx" ]; then
  echo "tsan.sh: needs clang++ (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" "-DCMAKE_CXX_FLAGS=-fsanitize=thread" \
      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" -DLOGSCRIBE_BUILD_BENCH=OFF >/dev/null
ninja -C "$build_dir" -j "${JOBS:-$(nproc)}" tests/io/all logscribe_routing logscribe_rpc_server \
      logscribe_rpc_scribe logscribe_rpc_mediator logscribe_tls logscribe_tls_server
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
cd "$build_dir/tests/io"
CTEST_OUTPUT_ON_FAILURE=1 ctest -j "${JOBS:-$(nproc)}" --timeout 600
