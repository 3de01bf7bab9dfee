#!/usr/bin/env bash
# Soak through a mediator (not part of CI): MINUTES of mixed load (three
# loadgens at once: LogStream, LogBatch and unary Log, each at a bounded
# rate) through one logmediator to two logscribe processes, each with its own
# root, all on 127.0.0.1 ports they pick themselves. Every second the RSS
# (VmRSS) and open descriptors of the mediator and both scribes go into a CSV.
#
#   tests/reliability/cluster_soak.sh [build-dir]      (default: build)
#
# Environment:
#   MINUTES      length of the load (default 2)
#   RATE         LogStream lines/s; LogBatch runs at RATE/3, unary Log at
#                RATE/30 (default 30000)
#   KILL_SCRIBE  1: SIGKILL scribe s2 once half-way and restart it on its
#                root and port (default 0)
#   KEEP         a directory to keep the CSV, the reports and the logs in
#                (default: a temporary directory, removed at the end)
#
# It fails (exit 1) on
#   - any acknowledged line missing or corrupted when both roots are read back
#     (-verify-root twice), or more duplicated lines than the mediator retried
#     (a line is written twice only when a scribe died before its ack came
#     back, and the mediator counts those lines as retried);
#   - growth: after a warm-up (the first fifth of the run), the samples are
#     split in thirds, and a process grows when the mean of the last third
#     exceeds the mean of the first third by more than 20% + 8 MiB of RSS, or
#     by more than 10% + 16 descriptors other than log files. Allocator arenas
#     and gRPC's buffers settle within the warm-up; a leak of one object per
#     request or per rotated file does not hide under these margins over
#     minutes. Log files are judged apart: a scribe keeps the files it wrote
#     open (up to -max-open-files), also after they moved to the other scribe,
#     so their count may rise, but never above the FILES names the load writes
#     (a rotated file left open would pass it). With KILL_SCRIBE=1 the
#     restarted s2 is judged on its own samples only.
#
# samples.csv: second, process, pid, rss_kib, fds (all), log_fds (those open
# on a file under a root).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${1:-build}"
MINUTES=${MINUTES:-2}
RATE=${RATE:-30000}
KILL_SCRIBE=${KILL_SCRIBE:-0}
[[ $MINUTES =~ ^[0-9]+$ && $MINUTES -ge 1 ]] || { echo "MINUTES must be a whole number >= 1" >&2; exit 2; }
[[ $RATE =~ ^[0-9]+$ && $RATE -ge 30 ]] || { echo "RATE must be a whole number >= 30" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq to read the loadgen reports" >&2; exit 2; }
[ -f "$build_dir/build.ninja" ] || tools/build.sh >/dev/null
ninja -C "$build_dir" logscribe logmediator logscribe-loadgen logscribectl >/dev/null
SCRIBE=$build_dir/logscribe MEDIATOR=$build_dir/logmediator CTL=$build_dir/logscribectl
LOADGEN=$build_dir/tools/loadgen/logscribe-loadgen

SECONDS_TOTAL=$((MINUTES * 60))
FILES=64  # -files 64 over -paths 4: the file names every loadgen writes
if [[ -n ${KEEP:-} ]]; then
  WORK=$KEEP
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/cluster_soak.XXXXXX")
fi
PIDS=()

# shellcheck source=../proc_steps.sh
source "$(dirname "$0")/../proc_steps.sh"

cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [[ $rc -ne 0 ]]; then
    for f in "$WORK"/*.log; do
      [[ -f $f ]] || continue
      echo "----- $(basename "$f") (last 20 lines)"
      tail -n 20 "$f"
    done
  fi
  [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_of() { sed -n 's/^log[a-z]* .* listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1; }
has_port() { [[ -n "$(port_of "$1")" ]]; }

# ---- mediator and two scribes
"$MEDIATOR" -bind 127.0.0.1 -port 0 -ping-interval 500ms -max-misses 3 >"$WORK/mediator.log" 2>&1 &
MED_PID=$!
PIDS+=("$MED_PID")
wait_for 20 has_port "$WORK/mediator.log" || fail "the mediator did not start"
MED=127.0.0.1:$(port_of "$WORK/mediator.log")
declare -A SPID SPORT
start_scribe() {  # id [port]
  local id=$1 port=${2:-0}
  mkdir -p "$WORK/$id"
  [[ ! -f $WORK/$id.log ]] || mv "$WORK/$id.log" "$WORK/$id-before-restart.log"
  "$SCRIBE" -bind 127.0.0.1 -port "$port" -path "$WORK/$id" -mediator "$MED" -id "$id" \
    -ping-interval 500ms >"$WORK/$id.log" 2>&1 &
  SPID[$id]=$!
  PIDS+=("$!")
  wait_for 30 grep -q "listening on" "$WORK/$id.log" || fail "scribe $id did not start"
  SPORT[$id]=$(port_of "$WORK/$id.log")
}
start_scribe s1
start_scribe s2
log "mediator $MED (pid $MED_PID), scribes s1 ${SPORT[s1]} (pid ${SPID[s1]}), s2 ${SPORT[s2]} (pid ${SPID[s2]})"

# ---- three loadgens, bounded in rate and time
common=(-target "$MED" -duration "${SECONDS_TOTAL}s" -drain-timeout 30s -verify-wait 10s -json -quiet
        -verify-root "$WORK/s1" -verify-root "$WORK/s2" -files "$FILES" -paths 4)
"$LOADGEN" "${common[@]}" -mode stream -connections 2 -concurrency 8 -batch-lines 64 -rate "$RATE" \
  >"$WORK/stream.json" 2>"$WORK/stream.log" &
LG_stream=$!
"$LOADGEN" "${common[@]}" -mode batch -concurrency 4 -batch-lines 100 -rate $((RATE / 3)) \
  >"$WORK/batch.json" 2>"$WORK/batch.log" &
LG_batch=$!
"$LOADGEN" "${common[@]}" -mode unary -concurrency 8 -rate $((RATE / 30)) \
  >"$WORK/unary.json" 2>"$WORK/unary.log" &
LG_unary=$!
PIDS+=("$LG_stream" "$LG_batch" "$LG_unary")
log "load for ${MINUTES} min: stream $RATE, batch $((RATE / 3)), unary $((RATE / 30)) lines/s" \
  "$([[ $KILL_SCRIBE == 1 ]] && echo '; s2 killed and restarted half-way')"

# ---- sample once a second while the load runs
CSV=$WORK/samples.csv
echo "second,process,pid,rss_kib,fds,log_fds" >"$CSV"
sample() {  # second name pid
  local rss fds logs
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$3/status" 2>/dev/null || true)
  fds=$(ls "/proc/$3/fd" 2>/dev/null | wc -l)
  logs=$(find "/proc/$3/fd" -lname "$WORK/s[12]/*" 2>/dev/null | wc -l)
  [[ -n $rss ]] && echo "$1,$2,$3,$rss,$fds,$logs" >>"$CSV"
  return 0
}
start=$SECONDS
killed=0
while ! exited "$LG_stream" || ! exited "$LG_batch" || ! exited "$LG_unary"; do
  t=$((SECONDS - start))
  sample "$t" mediator "$MED_PID"
  sample "$t" s1 "${SPID[s1]}"
  sample "$t" s2 "${SPID[s2]}"
  if [[ $KILL_SCRIBE == 1 && $killed -eq 0 && $t -ge $((SECONDS_TOTAL / 2)) ]]; then
    kill -KILL "${SPID[s2]}"
    wait "${SPID[s2]}" 2>/dev/null || true
    log "s2 killed"
    sleep 2
    start_scribe s2 "${SPORT[s2]}"
    log "s2 restarted (pid ${SPID[s2]})"
    killed=1
  fi
  if [[ $t -gt $((SECONDS_TOTAL + 300)) ]]; then fail "the loadgens did not finish within 5 min of the end"; fi
  sleep 1
done
for name in stream batch unary; do
  pid_var=LG_$name
  wait "${!pid_var}" && rc=0 || rc=$?
  declare "RC_$name=$rc"
done

# ---- the mediator's counts, then a clean stop of everything
"$CTL" -target "$MED" -timeout 5s stats >"$WORK/stats.txt" 2>&1 || fail "logscribectl stats: $(cat "$WORK/stats.txt")"
retried=$(sed -n 's/^retried lines \([0-9]*\),.*/\1/p' "$WORK/stats.txt")
failed=$(sed -n 's/^retried lines [0-9]*, failed lines \([0-9]*\),.*/\1/p' "$WORK/stats.txt")
stop_child "$MED_PID" TERM 30
[[ $CHILD_RC -eq 0 ]] || fail "the mediator exited $CHILD_RC on SIGTERM"
for id in s1 s2; do
  stop_child "${SPID[$id]}" TERM 30
  [[ $CHILD_RC -eq 0 ]] || fail "scribe $id exited $CHILD_RC on SIGTERM"
done

# ---- verdict
status=0
dups=0
echo "== cluster soak: ${MINUTES} min, stream $RATE + batch $((RATE / 3)) + unary $((RATE / 30)) lines/s," \
  "KILL_SCRIBE=$KILL_SCRIBE"
for name in stream batch unary; do
  json=$WORK/$name.json
  rc_var=RC_$name
  rc=${!rc_var}
  if [[ ! -s $json ]]; then
    echo "FAIL: $name loadgen wrote no report (exit $rc): $(tail -n 5 "$WORK/$name.log")"
    status=1
    continue
  fi
  echo "$name: $(jq -c '{lines_acked, lines_failed, lines_per_sec, p99_ms: .latency_ms.p99, errors, verify}' "$json") exit=$rc"
  if ! jq -e '.lines_acked > 0 and .verify.missing == 0 and .verify.corrupted == 0 and (.verify.error == null)' \
      "$json" >/dev/null; then
    echo "FAIL: $name: acknowledged lines lost or a root unreadable"
    status=1
  fi
  d=$(jq '.verify.duplicated' "$json")
  # Exit 1 means verification found something; only duplicates may be it.
  if ! [[ $rc -eq 0 || ($rc -eq 1 && $d -gt 0) ]]; then
    echo "FAIL: $name loadgen exited $rc"
    status=1
  fi
  dups=$((dups + d))
done
echo "mediator: retried lines $retried, failed lines $failed, duplicated lines on disk $dups;" \
  "$(grep -ho 'stopped after.*' "$WORK/mediator.log" || true)"
if [[ -z $retried || $dups -gt $retried ]]; then
  echo "FAIL: $dups duplicated lines, but the mediator retried only ${retried:-?}"
  status=1
fi

# Growth: per process (and per pid, so a restarted scribe is judged on its
# own samples), the samples after the warm-up split in thirds.
warmup=$((SECONDS_TOTAL / 5))
if ! awk -F, -v warmup="$warmup" -v files="$FILES" '
  NR == 1 || $1 < warmup { next }
  {
    key = $2 " (pid " $3 ")"; n[key]++
    rss[key, n[key]] = $4; fd[key, n[key]] = $5 - $6
    if ($6 > lmax[key]) lmax[key] = $6
  }
  END {
    bad = 0
    for (k in n) {
      m = n[k]; third = int(m / 3)
      if (third < 3) { printf "%-22s %d samples after the warm-up: too few to judge\n", k, m; continue }
      r1 = r3 = f1 = f3 = rmax = fmax = 0
      for (i = 1; i <= m; i++) {
        if (rss[k, i] > rmax) rmax = rss[k, i]
        if (fd[k, i] > fmax) fmax = fd[k, i]
        if (i <= third) { r1 += rss[k, i]; f1 += fd[k, i] }
        if (i > m - third) { r3 += rss[k, i]; f3 += fd[k, i] }
      }
      r1 /= third * 1024; r3 /= third * 1024; f1 /= third; f3 /= third
      grow = (r3 > r1 * 1.2 + 8) || (f3 > f1 * 1.1 + 16) || lmax[k] > files
      printf "%-22s RSS MiB first third %.1f, last third %.1f, max %.1f; other fds %.1f, %.1f, max %d; " \
             "log fds max %d%s\n", k, r1, r3, rmax / 1024, f1, f3, fmax, lmax[k], grow ? "  GROWTH" : ""
      if (grow) bad = 1
    }
    exit bad
  }' "$CSV"; then
  echo "FAIL: growth (last third > first third + 20% + 8 MiB RSS, or + 10% + 16 other fds, or more" \
    "than $FILES log files open)"
  status=1
fi
echo "samples: $(($(wc -l <"$CSV") - 1)) rows in $CSV$([[ -n ${KEEP:-} ]] || echo ' (removed; set KEEP=dir to keep it)')"
[[ $status -eq 0 ]] && echo "PASS" || echo "FAIL"
exit $status
