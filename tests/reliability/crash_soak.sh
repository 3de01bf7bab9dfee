#!/usr/bin/env bash
# The crash test at full strength: in each case (-ack written and fsync under
# a LogStream load, -ack written under a LogBatch load) the scribe is killed
# with SIGKILL KILLS times (default 10) at random moments under full loadgen
# load and restarted on the same root; the loadgen's verifier must then find
# every acknowledged line exactly once, and no file may end mid-line.
#   tests/reliability/crash_soak.sh [build-dir]      (default: build)
# Environment: KILLS (default 10), SEED (default random; printed per case).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${1:-build}"
[ -f "$build_dir/build.ninja" ] || tools/build.sh >/dev/null
ninja -C "$build_dir" crash_test logscribe logscribe-loadgen >/dev/null
export LOGSCRIBE_CRASH_KILLS="${KILLS:-10}"
[ -z "${SEED:-}" ] || export LOGSCRIBE_CRASH_SEED="$SEED"
"$build_dir/tests/reliability/crash_test" --gtest_filter='AckModes/CrashTest.*' --gtest_brief=1 |
  grep -E '^crash |FAILED|Failure|^\[  (PASSED|FAILED)' 
