#!/usr/bin/env bash
# Several hosts: the mediator and two scribes each in their own network
# namespace, joined by veth pairs, and the mediator flow run across them.
#
#   lsmed-<pid>  mediator + clients (logscribe-loadgen, logscribectl)
#      vm1-<pid> 10.231.1.1/24 <-> vs1-<pid> 10.231.1.2/24  in lss1-<pid> (scribe s1)
#      vm2-<pid> 10.231.2.1/24 <-> vs2-<pid> 10.231.2.2/24  in lss2-<pid> (scribe s2)
#
# Every process of the flow runs inside a namespace this test creates, and the
# veth addresses exist only there: nothing in the root namespace sends to them.
# Needs root and `ip netns`; exits 77 (skipped) otherwise.
#
# usage: mediator_netns_test.sh LOGSCRIBE LOGMEDIATOR LOGSCRIBECTL LOADGEN
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 LOGSCRIBE LOGMEDIATOR LOGSCRIBECTL LOADGEN" >&2
  exit 2
fi
SCRIBE=$1 MEDIATOR=$2 CTL=$3 LOADGEN=$4

NS_PREFIX=ls VETH_PREFIX=v SUBNET=10.231 WORK_NAME=mediator_netns
# shellcheck source=../netns_cluster.sh
source "$(dirname "$0")/../netns_cluster.sh"

# ---- namespaces and links
netns_up

# ---- mediator
netns_start_mediator -ping-interval 200ms

# ---- scribes
netns_start_scribe s1 "$S1_NS" 1 -ping-interval 200ms
S1_PID=$STARTED_PID
netns_start_scribe s2 "$S2_NS" 2 -ping-interval 200ms
S2_PID=$STARTED_PID
for id in s1 s2; do
  wait_for 20 grep -q 'listening on' "$WORK/$id.log" || fail "scribe $id did not start within 20s"
done
log "scribes s1 (pid $S1_PID) and s2 (pid $S2_PID) started"

ctl_scribes() { timeout 10 ip netns exec "$MED_NS" "$CTL" -target "$MED" -timeout 2s scribes 2>&1; }
live_scribes() { ctl_scribes | sed -n 's/^routing: .*, \([0-9][0-9]*\) live scribe(s)$/\1/p'; }
scribes_are() { [[ "$(live_scribes)" == "$1" ]]; }

wait_for 20 scribes_are 2 || fail "mediator did not list both scribes within 20s: $(ctl_scribes)"
listing=$(ctl_scribes)
grep -q "10.231.1.2:$SCRIBE_PORT" <<<"$listing" || fail "s1 not listed at its veth address: $listing"
grep -q "10.231.2.2:$SCRIBE_PORT" <<<"$listing" || fail "s2 not listed at its veth address: $listing"
log "mediator lists both scribes"

# run_load NAME ROOT...: loadgen through the mediator with -verify-root for each ROOT;
# requires exit 0, nothing failed, missing 0, duplicated 0, corrupted 0.
run_load() {
  local name=$1; shift
  local args=(-target "$MED" -mode stream -lines 20000 -files 16 -json -quiet)
  for root in "$@"; do args+=(-verify-root "$root"); done
  local rc=0
  timeout 60 ip netns exec "$MED_NS" "$LOADGEN" "${args[@]}" >"$WORK/$name.json" 2>"$WORK/$name.log" || rc=$?
  cat "$WORK/$name.json" >>"$WORK/$name.log"
  [[ $rc -eq 0 ]] || fail "$name: loadgen exited $rc: $(cat "$WORK/$name.log")"
  jq -e '.lines_acked == 20000 and .lines_failed == 0 and .verify.missing == 0 and
         .verify.duplicated == 0 and .verify.corrupted == 0 and (.verify.error == null)' \
    "$WORK/$name.json" >/dev/null || fail "$name: bad report: $(cat "$WORK/$name.json")"
  log "$name: $(jq -c '{lines_acked, lines_failed, verify}' "$WORK/$name.json")"
}

# ---- load across both scribes
run_load load1 "$WORK/s1" "$WORK/s2"
for id in s1 s2; do
  [[ -n "$(find "$WORK/$id" -type f -print -quit)" ]] || fail "scribe $id got no files"
done
log "both scribe roots got files"

# ---- lose scribe 2
kill -KILL "$S2_PID"
wait "$S2_PID" 2>/dev/null || true
wait_for 20 scribes_are 1 || fail "mediator did not drop s2 within 20s: $(ctl_scribes)"
ctl_scribes | grep -q "10.231.1.2:$SCRIBE_PORT" || fail "s1 missing after s2 was dropped: $(ctl_scribes)"
log "mediator dropped s2"

run_load load2 "$WORK/s1" "$WORK/s2"

FAILED=0
log "PASS"
