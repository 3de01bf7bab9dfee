#!/usr/bin/env bash
# logscribe-cat -follow under logrotate copytruncate with a writer that never
# pauses: how many lines logrotate's copy-then-truncate window loses over N
# rotations, and how many bytes logscribe-cat reported as lost. Not part of
# ctest (it runs for about N x 0.2 s plus the shipping).
#   tests/reliability/cat_copytruncate_shortfall.sh [N] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-50}"
BUILD="${2:-build}"
ninja -C "$BUILD" -j2 cat_rotation_test logscribe logscribe-cat >/dev/null
ROTATIONS="$N" "$BUILD/tests/integration/cat_rotation_test" --gtest_also_run_disabled_tests \
  --gtest_filter='CatRotation.DISABLED_ContinuousWritesShortfallOverRotations' | grep -E 'copytruncate x|first lost|OK|FAILED|Failure|Expected|Which is'
