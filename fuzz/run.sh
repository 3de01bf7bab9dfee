#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan, in build-fuzz) and runs
# each for a bounded time over a scratch copy of its corpus.
#   fuzz/run.sh [-time SECONDS] [-merge] [TARGET...]
#     -time N   seconds per target (default 60)
#     -merge    afterwards, add to fuzz/corpus/<target>/ the new inputs that
#               reach new code (libFuzzer -merge=1), to be kept as regression
#               tests by tests/reliability/fuzz_corpus_test
#     TARGET    file_key, size_spec, batch_builder, batch_wire (default: all four)
# Exit status 1 when a target crashed or broke an invariant; the input is in
# build-fuzz/fuzz-artifacts/<target>/. Once fixed, copy it into
# fuzz/corpus/<target>/ so every build replays it.
# Needs clang++ and libFuzzer (Debian: clang-14 libclang-rt-14-dev).
# Environment: BUILD_DIR (default build-fuzz), JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
merge=0
targets=()
while (($#)); do
  case "$1" in
    -time) seconds="$2"; shift 2 ;;
    -merge) merge=1; shift ;;
    -h|-help|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(file_key size_spec batch_builder batch_wire)

cxx="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$cxx" ]; then
  echo "fuzz/run.sh: needs clang++ and libFuzzer (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi
build_dir="${BUILD_DIR:-build-fuzz}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DLOGSCRIBE_FUZZ=ON -DLOGSCRIBE_BUILD_TESTS=OFF -DLOGSCRIBE_BUILD_BENCH=OFF >/dev/null
ninja -C "$build_dir" -j "${JOBS:-$(nproc)}" fuzz_targets >/dev/null

status=0
for t in "${targets[@]}"; do
  bin="$build_dir/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz/run.sh: no target $t" >&2; exit 2; }
  work="$build_dir/fuzz-work/$t"
  artifacts="$build_dir/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  echo "== $t: ${seconds}s"
  # New inputs go to the first directory (scratch); the kept corpus is only read.
  if ! "$bin" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
         -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$t" >"$build_dir/fuzz-$t.log" 2>&1; then
    echo "== $t FAILED: see $build_dir/fuzz-$t.log; input(s) in $artifacts/" >&2
    grep -E "FUZZ_CHECK|ERROR: |SUMMARY" "$build_dir/fuzz-$t.log" | head -5 >&2 || true
    status=1
    continue
  fi
  grep -E "^stat::number_of_executed_units|^stat::new_units_added|cov: " "$build_dir/fuzz-$t.log" | tail -3
  if ((merge)); then
    "$bin" -merge=1 -max_len=8192 "fuzz/corpus/$t" "$work" >"$build_dir/fuzz-$t-merge.log" 2>&1
    echo "   corpus: $(ls "fuzz/corpus/$t" | wc -l) inputs"
  fi
done
exit $status
