#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest: first the
# Release build, then the same suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer. The last line is ctest's count.
#   tools/test.sh            both builds
#   tools/test.sh --fast     the Release build only
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1

tools/build.sh
(cd build && ctest -j "$(nproc)" --timeout 600)

if [ "${1:-}" != "--fast" ]; then
  tools/build.sh --sanitize
  # Leaks are reported by LeakSanitizer; gRPC's own static state is not ours.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd build-asan && ctest -j "$(nproc)" --timeout 900)
fi
