#!/usr/bin/env bash
# Mediator benchmark: lines/s through a mediator to one and to two scribes,
# beside the same load straight to one scribe. Every process runs on this
# machine on free loopback ports; 100-byte lines over 16 files.
#
#   bench/mediator.sh             DURATION=5s per run; MEDIATOR_FLAGS="-cq-threads 1" adds flags to the mediator
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
SCRIBE="$BUILD_DIR/logscribe"
MEDIATOR="$BUILD_DIR/logmediator"
CTL="$BUILD_DIR/logscribectl"
LOADGEN="$BUILD_DIR/tools/loadgen/logscribe-loadgen"
DURATION="${DURATION:-5s}"
for b in "$SCRIBE" "$MEDIATOR" "$CTL" "$LOADGEN"; do
  [ -x "$b" ] || { echo "mediator.sh: build first (tools/build.sh)" >&2; exit 2; }
done
WORK="$(mktemp -d "${TMPDIR:-/tmp}/logscribe-medbench-XXXXXX")"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# start <name> <binary> <flags...>: runs it in the background, sets PORT.
start() {
  local name="$1"; shift
  : >"$WORK/$name.out"
  "$@" -port 0 -bind 127.0.0.1 >"$WORK/$name.out" 2>&1 &
  PIDS+=($!)
  PORT=""
  for _ in $(seq 200); do
    PORT="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/$name.out" || true)"
    [ -n "$PORT" ] && return 0
    sleep 0.05
  done
  cat "$WORK/$name.out" >&2; exit 1
}

stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }

jget() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }

row() {  # row <label> <target> <loadgen flags>
  local json
  # shellcheck disable=SC2086
  json="$("$LOADGEN" -target "$2" -quiet -json -line-bytes 100 -files 16 -duration "$DURATION" $3)"
  printf '| %s | %.0f | %s | %s | %s |\n' "$1" "$(jget lines_per_sec "$json")" "$(jget p50 "$json")" \
    "$(jget p99 "$json")" "$(jget lines_failed "$json")"
}

# cluster <scribes>: a mediator and that many scribes registered with it; sets MED.
cluster() {
  # shellcheck disable=SC2086
  start mediator "$MEDIATOR" -ping-interval 1s ${MEDIATOR_FLAGS:-}
  MED="127.0.0.1:$PORT"
  for i in $(seq "$1"); do
    start "scribe$i" "$SCRIBE" -path "$WORK/root$i" -mediator "$MED" -id "scribe-$i" -ping-interval 1s
  done
  for _ in $(seq 100); do
    [ "$("$CTL" -target "$MED" scribes 2>/dev/null | grep -c scribe-)" -ge "$1" ] && return 0
    sleep 0.1
  done
  echo "mediator.sh: scribes did not register" >&2; exit 1
}

UNARY="-mode unary -concurrency 64"
STREAM="-mode stream -batch-lines 256 -concurrency 8"
echo "Machine: $(nproc) cores, Linux $(uname -r); every process on the same machine; $DURATION per run."
echo
echo '| load | lines/s | p50 ms | p99 ms | lines failed |'
echo '|---|---:|---:|---:|---:|'
start direct "$SCRIBE" -path "$WORK/direct"
row "unary Log c=64, straight to one scribe" "127.0.0.1:$PORT" "$UNARY"
row "LogStream 256x8, straight to one scribe" "127.0.0.1:$PORT" "$STREAM"
stop_all
cluster 1
row "unary Log c=64, mediator -> 1 scribe" "$MED" "$UNARY"
row "LogStream 256x8, mediator -> 1 scribe" "$MED" "$STREAM"
stop_all
cluster 2
row "unary Log c=64, mediator -> 2 scribes" "$MED" "$UNARY"
row "LogStream 256x8, mediator -> 2 scribes" "$MED" "$STREAM"
stop_all
