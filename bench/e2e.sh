#!/usr/bin/env bash
# End-to-end benchmark: starts a scribe per run on a free loopback port, drives
# it with logscribe-loadgen (100-byte lines over 16 files), once with the file
# sink and once with the null sink, and prints a markdown table.
#
#   bench/e2e.sh                  the standard matrix (about a minute)
#   bench/e2e.sh --extended       plus fsync, rotation, 10,000 files, open loop
#   DURATION=10s bench/e2e.sh     longer runs
#   BUILD_DIR=build-asan ...      another build
#
# Everything shares this machine's cores: the table says how many there were.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
SCRIBE="$BUILD_DIR/logscribe"
LOADGEN="$BUILD_DIR/tools/loadgen/logscribe-loadgen"
DURATION="${DURATION:-5s}"
[ -x "$SCRIBE" ] && [ -x "$LOADGEN" ] || { echo "e2e.sh: build first (tools/build.sh)" >&2; exit 2; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/logscribe-e2e-XXXXXX")"
SCRIBE_PID=""
cleanup() { [ -n "$SCRIBE_PID" ] && kill -9 "$SCRIBE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

jget() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }

# run <label> <scribe flags> <loadgen flags> [warm-up loadgen flags]: prints one
# table row and sets LPS. A warm-up pass (not measured) first creates the files,
# so the row measures appends, not ext4 creating thousands of inodes.
run() {
  local label="$1" sflags="$2" lflags="$3" warmup="${4:-}"
  rm -rf "$WORK/root"
  : >"$WORK/out"  # exists before the scribe's redirect does, for the poll below
  # shellcheck disable=SC2086
  "$SCRIBE" -port 0 -bind 127.0.0.1 -path "$WORK/root" $sflags >"$WORK/out" 2>&1 &
  SCRIBE_PID=$!
  local port=""
  for _ in $(seq 200); do
    port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/out" || true)"
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$WORK/out" >&2; exit 1; }
  # shellcheck disable=SC2086
  [ -z "$warmup" ] || "$LOADGEN" -target "127.0.0.1:$port" -quiet -json -line-bytes 100 $warmup >/dev/null
  local json
  # shellcheck disable=SC2086
  json="$("$LOADGEN" -target "127.0.0.1:$port" -quiet -json -line-bytes 100 -duration "$DURATION" -files 16 $lflags)"
  local rss_kb
  rss_kb="$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$SCRIBE_PID/status")"
  kill "$SCRIBE_PID"; wait "$SCRIBE_PID" 2>/dev/null || true; SCRIBE_PID=""
  LPS="$(jget lines_per_sec "$json")"
  local sink="file"; [[ "$sflags" == *"-sink null"* ]] && sink="null"
  local ratio=""
  [ -n "${2:-}" ] && [ "$sink" = "null" ] && [ -n "${FILE_LPS:-}" ] && ratio="$(awk -v f="$FILE_LPS" -v n="$LPS" 'BEGIN{printf "%.2f", f/n}')"
  printf '| %s | %s | %s | %.0f | %.1f | %s | %s | %d | %s |\n' "$label" "$sink" "${sflags:--}" "$LPS" \
    "$(jget mb_per_sec "$json")" "$(jget p50 "$json")" "$(jget p99 "$json")" "$((rss_kb / 1024))" "$ratio"
  local failed; failed="$(jget lines_failed "$json")"
  [ "${failed:-0}" = "0" ] || echo "  (lines failed: $failed)" >&2
}

# pair <label> <scribe flags> <loadgen flags>: the file sink, then the null sink.
pair() {
  run "$1" "$2" "$3"; FILE_LPS="$LPS"
  run "$1" "$2 -sink null" "$3"; FILE_LPS=""
}

echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r); loadgen on the same machine; $DURATION per run."
echo
echo '| load | sink | scribe flags | lines/s | MB/s | p50 ms | p99 ms | peak RSS MiB | file/null |'
echo '|---|---|---|---:|---:|---:|---:|---:|---:|'
pair "unary Log, 1 in flight" "" "-mode unary -concurrency 1"
pair "unary Log, 64 in flight" "" "-mode unary -concurrency 64"
pair "unary Log, 256 in flight" "" "-mode unary -concurrency 256"
pair "LogBatch 256 lines, 8 in flight" "" "-mode batch -batch-lines 256 -concurrency 8"
pair "LogStream 256 lines, 8 in flight" "" "-mode stream -batch-lines 256 -concurrency 8"
if [ "${1:-}" = "--extended" ]; then
  STREAM="-mode stream -batch-lines 256 -concurrency 8"
  run "LogStream, -ack fsync" "-ack fsync" "$STREAM"
  run "LogStream, never rotate" "-size -1B" "$STREAM"
  run "LogStream, 10,000 files (existing)" "" "-mode stream -batch-lines 256 -concurrency 8 -files 10000" \
      "-mode stream -batch-lines 256 -concurrency 8 -files 10000 -lines 20000 -duration 5m"
  run "LogStream 1024 lines, 8 in flight" "" "-mode stream -batch-lines 1024 -concurrency 8"
  run "LogStream, 2 connections" "" "$STREAM -connections 2"
  run "LogStream peak (for the open loop)" "" "$STREAM"
  HALF="$(awk -v p="$LPS" 'BEGIN{printf "%d", p/2}')"
  run "LogStream open loop at $HALF lines/s" "" "$STREAM -concurrency 64 -rate $HALF"
fi
