#!/usr/bin/env bash
# A network cut under load: the mediator and two scribes each in their own
# network namespace, joined by veth pairs; while two loadgens write through the
# mediator, scribe s2's link goes down (its end of the veth pair: packets stop,
# nothing is refused or reset, as when a cable is pulled), and later up again.
#
#   lcmed-<pid>  mediator + clients (logscribe-loadgen, logscribectl)
#      cm1-<pid> 10.232.1.1/24 <-> cs1-<pid> 10.232.1.2/24  in lcs1-<pid> (scribe s1)
#      cm2-<pid> 10.232.2.1/24 <-> cs2-<pid> 10.232.2.2/24  in lcs2-<pid> (scribe s2, cut)
#
# What must hold: the mediator drops s2 after -max-misses failed pings, its
# files move to s1 and the lines s2 held unacknowledged are retried there;
# clients see no error; once the link is back s2 registers again by itself
# and gets its files back; no acknowledged line is missing or corrupted, and
# duplicates (lines s2 wrote whose acks were cut off) are within the
# mediator's retried lines.
#
# Every process runs inside a namespace this test creates, and the veth
# addresses exist only there. Loads are bounded (rate, lines, 60 s). Needs
# root, `ip netns` and jq; exits 77 (skipped) otherwise.
#
# usage: cluster_netns_test.sh LOGSCRIBE LOGMEDIATOR LOGSCRIBECTL LOADGEN
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 LOGSCRIBE LOGMEDIATOR LOGSCRIBECTL LOADGEN" >&2
  exit 2
fi
SCRIBE=$1 MEDIATOR=$2 CTL=$3 LOADGEN=$4

NS_PREFIX=lc VETH_PREFIX=c SUBNET=10.232 WORK_NAME=cluster_netns
# shellcheck source=../netns_cluster.sh
source "$(dirname "$0")/../netns_cluster.sh"
PING=200ms MISSES=2

# ---- namespaces and links
netns_up

# ---- mediator
netns_start_mediator -ping-interval "$PING" -max-misses "$MISSES"

# ---- scribes (slower writer rounds keep lines in flight at s2 when it is cut)
SCRIBE_FLAGS=(-size -1B -ping-interval "$PING" -test-write-delay 2ms)
netns_start_scribe s1 "$S1_NS" 1 "${SCRIBE_FLAGS[@]}"
S1_PID=$STARTED_PID
netns_start_scribe s2 "$S2_NS" 2 "${SCRIBE_FLAGS[@]}"
S2_PID=$STARTED_PID
for id in s1 s2; do
  wait_for 20 grep -q 'listening on' "$WORK/$id.log" || fail "scribe $id did not start within 20s"
done

ctl() { timeout 10 ip netns exec "$MED_NS" "$CTL" -target "$MED" -timeout 2s "$@" 2>&1; }
live_scribes() { ctl scribes | sed -n 's/^routing: .*, \([0-9][0-9]*\) live scribe(s)$/\1/p'; }
scribes_are() { [[ "$(live_scribes)" == "$1" ]]; }
wait_for 20 scribes_are 2 || fail "mediator did not list both scribes within 20s: $(ctl scribes)"
log "mediator lists both scribes"

# root_bytes ID: bytes of every file under scribe ID's root.
root_bytes() { find "$WORK/$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
# grows ID BYTES: true once ID's root holds BYTES more than when GROW_BASE was set.
grows() { [[ $(root_bytes "$1") -ge $((GROW_BASE + $2)) ]]; }
wait_growth() {  # ID BYTES SECONDS WHAT
  GROW_BASE=$(root_bytes "$1")
  wait_for "$3" grows "$1" "$2" || fail "$4: $1's root did not grow by $2 bytes within $3s"
}

# ---- load: LogStream at a bounded rate over two connections, and unary Log
common=(-target "$MED" -files 16 -paths 2 -duration 60s -drain-timeout 20s -verify-wait 5s -json -quiet
        -verify-root "$WORK/s1" -verify-root "$WORK/s2")
ip netns exec "$MED_NS" "$LOADGEN" "${common[@]}" -mode stream -connections 2 -concurrency 8 \
  -batch-lines 64 -rate 40000 -lines 2400000 >"$WORK/stream.json" 2>"$WORK/stream.log" &
STREAM_PID=$!
PIDS+=("$STREAM_PID")
ip netns exec "$MED_NS" "$LOADGEN" "${common[@]}" -mode unary -concurrency 8 -rate 2000 -lines 120000 \
  >"$WORK/unary.json" 2>"$WORK/unary.log" &
UNARY_PID=$!
PIDS+=("$UNARY_PID")
wait_growth s2 1000000 30 "load"
log "load flowing to both scribes"

# ---- cut s2's link
cut_at=$(now_ms)
ip -n "$S2_NS" link set "$VS2" down
log "cut: $VS2 down"
wait_for 30 scribes_are 1 || fail "mediator did not drop s2 within 30s: $(ctl scribes)"
dropped_ms=$(( $(now_ms) - cut_at ))
grep -q "dropped scribe s2" "$WORK/mediator.log" || fail "mediator did not say it dropped s2"
log "mediator dropped s2 ${dropped_ms} ms after the cut"
wait_growth s1 1000000 30 "after the cut"
log "load goes on through s1"
sleep 1  # s2 keeps trying to register while cut off

# ---- restore the link
restored_at=$(now_ms)
ip -n "$S2_NS" link set "$VS2" up
log "restored: $VS2 up"
wait_for 60 scribes_are 2 || fail "s2 did not register again within 60s of the restore: $(ctl scribes)"
back_ms=$(( $(now_ms) - restored_at ))
log "s2 listed again ${back_ms} ms after the restore"
wait_growth s2 1000000 30 "after the restore"
log "load reaches s2 again"

# ---- stop the load, read the mediator's counts, stop everything
stop_child "$STREAM_PID" INT 120
STREAM_RC=$CHILD_RC
stop_child "$UNARY_PID" INT 120
UNARY_RC=$CHILD_RC
ctl stats >"$WORK/stats.txt" || fail "logscribectl stats failed: $(cat "$WORK/stats.txt")"
retried=$(sed -n 's/^retried lines \([0-9]*\),.*/\1/p' "$WORK/stats.txt")
failed=$(sed -n 's/^retried lines [0-9]*, failed lines \([0-9]*\),.*/\1/p' "$WORK/stats.txt")
[[ -n $retried && -n $failed ]] || fail "cannot read the mediator's stats: $(cat "$WORK/stats.txt")"
stop_child "$MED_PID" TERM 30
[[ $CHILD_RC -eq 0 ]] || fail "mediator exited $CHILD_RC on SIGTERM"
for pid in "$S1_PID" "$S2_PID"; do
  stop_child "$pid" TERM 30
  [[ $CHILD_RC -eq 0 ]] || fail "scribe $pid exited $CHILD_RC on SIGTERM"
done

# ---- check
dups=0
for name in stream unary; do
  json=$WORK/$name.json
  rc_var=${name^^}_RC
  rc=${!rc_var}
  [[ -s $json ]] || fail "$name loadgen wrote no report (exit $rc): $(cat "$WORK/$name.log")"
  jq -e '.lines_acked > 0 and .lines_failed == 0 and .verify.missing == 0 and .verify.corrupted == 0 and
         (.verify.error == null)' "$json" >/dev/null || fail "$name: bad report: $(cat "$json")"
  d=$(jq '.verify.duplicated' "$json")
  # Exit 1 means verification found something; only duplicates may be it.
  [[ $rc -eq 0 || ($rc -eq 1 && $d -gt 0) ]] || fail "$name loadgen exited $rc: $(cat "$json")"
  dups=$((dups + d))
  echo "cluster netns_cut $name: $(jq -c '{lines_acked, lines_failed, errors, verify}' "$json") exit=$rc"
done
[[ $dups -le $retried ]] || fail "$dups duplicated lines but only $retried retried"
[[ $failed -eq 0 ]] || fail "the mediator failed $failed lines"
grep -q "registered again" "$WORK/s2.log" || fail "s2 does not say it registered again"
echo "cluster netns_cut mediator: retried_lines=$retried failed_lines=$failed duplicated=$dups" \
  "dropped_after_ms=$dropped_ms relisted_after_restore_ms=$back_ms (ping $PING, max misses $MISSES)"
grep -h "stopped after" "$WORK/mediator.log" || true
FAILED=0
log "PASS"
