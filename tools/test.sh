#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest: first the
# Release build; then the src/io unit tests under ThreadSanitizer and each
# libFuzzer target for FUZZ_SECONDS (default 20) over its corpus (both with
# clang); then the whole suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer. The last line is ctest's count.
#   tools/test.sh            all of it
#   tools/test.sh --fast     the Release build only
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1

tools/build.sh
(cd build && ctest -j "$(nproc)" --timeout 600)

if [ "${1:-}" != "--fast" ]; then
  tests/reliability/tsan.sh
  fuzz/run.sh -time "${FUZZ_SECONDS:-20}"
  tools/build.sh --sanitize
  # Leaks are reported by LeakSanitizer; gRPC's own static state is not ours.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd build-asan && ctest -j "$(nproc)" --timeout 900)
fi
