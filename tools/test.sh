#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest: first the
# Release build; then the src/io unit tests under ThreadSanitizer and each
# libFuzzer target for FUZZ_SECONDS (default 60) over its corpus (both with
# clang); then the whole suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer. The last line is the plain count of the last
# ctest run: "asan: N passed, N failed, N skipped".
#   tools/test.sh            all of it
#   tools/test.sh --fast     the Release build only
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1

# summarize <label> <ctest log>: ctest's count as one plain closing line,
# "label: N passed, N failed, N skipped" (ctest itself ends with the list of
# skipped tests when there are any).
summarize() {
  local total failed skipped
  total="$(sed -n 's/.* tests failed out of \([0-9]*\)$/\1/p' "$2" | tail -1)"
  failed="$(sed -n 's/.*, \([0-9]*\) tests failed out of .*/\1/p' "$2" | tail -1)"
  skipped="$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$2" || true)"
  echo "$1: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
}
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

tools/build.sh
(cd build && ctest -j "$(nproc)" --timeout 600) 2>&1 | tee "$LOG"
[ "${1:-}" != "--fast" ] || { summarize release "$LOG"; exit 0; }

tests/reliability/tsan.sh
fuzz/run.sh -time "${FUZZ_SECONDS:-60}"
tools/build.sh --sanitize
# Leaks are reported by LeakSanitizer; gRPC's own static state is not ours.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd build-asan && ctest -j "$(nproc)" --timeout 900) 2>&1 | tee "$LOG"
summarize asan "$LOG"
