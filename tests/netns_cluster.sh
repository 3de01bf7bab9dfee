# shellcheck shell=bash
# Sourced by the tests that run a mediator and two scribes in network
# namespaces of their own (tests/integration/mediator_netns_test.sh,
# tests/reliability/cluster_netns_test.sh):
#
#   <ns>med-<pid>  mediator + clients
#      <v>m1-<pid> SUBNET.1.1/24 <-> <v>s1-<pid> SUBNET.1.2/24  in <ns>s1-<pid> (scribe s1)
#      <v>m2-<pid> SUBNET.2.1/24 <-> <v>s2-<pid> SUBNET.2.2/24  in <ns>s2-<pid> (scribe s2)
#
# Set before sourcing: NS_PREFIX (<ns>), VETH_PREFIX (<v>), SUBNET (a private
# /16 such as 10.231), WORK_NAME (for the scratch directory). Gives: skip,
# now_ms, the steps of tests/proc_steps.sh (log, fail, wait_for, stop_child),
# netns_up (makes the namespaces and links), netns_start_mediator,
# netns_start_scribe, and an EXIT trap that stops every process in PIDS or in the namespaces, removes
# them, prints the tail of $WORK/*.log and *.json when FAILED is still 1, and
# removes $WORK. Exits 77 (skipped) without root, ip, jq or timeout.

# shellcheck source=proc_steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/proc_steps.sh"

skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "needs ip (iproute2)"
command -v jq >/dev/null || skip "needs jq to read the loadgen reports"
command -v timeout >/dev/null || skip "needs timeout (coreutils)"

MED_NS=${NS_PREFIX}med-$$ S1_NS=${NS_PREFIX}s1-$$ S2_NS=${NS_PREFIX}s2-$$
VM1=${VETH_PREFIX}m1-$$ VS1=${VETH_PREFIX}s1-$$ VM2=${VETH_PREFIX}m2-$$ VS2=${VETH_PREFIX}s2-$$
SCRIBE_PORT=18081  # each scribe has a fresh namespace to itself: always free
WORK=$(mktemp -d "${TMPDIR:-/tmp}/${WORK_NAME}.XXXXXX")
CREATED_NS=()
PIDS=()
FAILED=1

now_ms() { date +%s%3N; }

netns_cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for ns in "${CREATED_NS[@]}"; do
    # Anything still inside one of our namespaces was started by this test.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  for pair in "$MED_NS:$VM1" "$MED_NS:$VM2"; do
    ip -n "${pair%%:*}" link del "${pair##*:}" 2>/dev/null
  done
  for ns in "${CREATED_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for dev in "$VM1" "$VS1" "$VM2" "$VS2"; do ip link del "$dev" 2>/dev/null; done
  if [[ $FAILED -ne 0 && $rc -ne 77 ]]; then
    for f in "$WORK"/*.log "$WORK"/*.json; do
      [[ -f $f ]] || continue
      echo "----- $(basename "$f") (last 40 lines)"
      tail -n 40 "$f"
    done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap netns_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

netns_up() {
  for ns in "$MED_NS" "$S1_NS" "$S2_NS"; do
    ip netns add "$ns" 2>"$WORK/netns.err" || skip "ip netns add $ns failed: $(cat "$WORK/netns.err")"
    CREATED_NS+=("$ns")
    ip -n "$ns" link set lo up
  done
  # Both ends are created directly inside their namespaces; the root namespace
  # never holds them.
  ip link add "$VM1" netns "$MED_NS" type veth peer name "$VS1" netns "$S1_NS"
  ip link add "$VM2" netns "$MED_NS" type veth peer name "$VS2" netns "$S2_NS"
  ip -n "$MED_NS" addr add "$SUBNET.1.1/24" dev "$VM1"
  ip -n "$MED_NS" addr add "$SUBNET.2.1/24" dev "$VM2"
  ip -n "$S1_NS" addr add "$SUBNET.1.2/24" dev "$VS1"
  ip -n "$S2_NS" addr add "$SUBNET.2.2/24" dev "$VS2"
  ip -n "$MED_NS" link set "$VM1" up
  ip -n "$MED_NS" link set "$VM2" up
  ip -n "$S1_NS" link set "$VS1" up
  ip -n "$S2_NS" link set "$VS2" up
  log "namespaces $MED_NS, $S1_NS, $S2_NS joined by veth pairs"
}

# netns_start_mediator FLAGS...: the mediator in $MED_NS on a port it picks;
# sets MED_PID, MPORT and MED (its address on the s1 link).
netns_start_mediator() {
  ip netns exec "$MED_NS" "$MEDIATOR" -bind 0.0.0.0 -port 0 "$@" >"$WORK/mediator.log" 2>&1 &
  MED_PID=$!
  PIDS+=("$MED_PID")
  wait_for 15 netns_mediator_port || fail "mediator did not report listening within 15s"
  MPORT=$(netns_mediator_port)
  MED=$SUBNET.1.1:$MPORT
  log "mediator pid $MED_PID listening on port $MPORT"
}
netns_mediator_port() {
  local port
  port=$(sed -n 's/^logmediator .* listening on .*:\([0-9][0-9]*\)$/\1/p' "$WORK/mediator.log" | head -n 1)
  [[ -n $port ]] && echo "$port"
}

# netns_start_scribe ID NS NET FLAGS...: scribe ID in namespace NS on link NET
# (1 or 2), registered with the mediator at its address on that link; sets
# STARTED_PID.
netns_start_scribe() {
  local id=$1 ns=$2 net=$3
  shift 3
  mkdir -p "$WORK/$id"
  ip netns exec "$ns" "$SCRIBE" -bind 0.0.0.0 -port "$SCRIBE_PORT" -path "$WORK/$id" \
    -mediator "$SUBNET.$net.1:$MPORT" -advertise "$SUBNET.$net.2:$SCRIBE_PORT" -id "$id" "$@" \
    >"$WORK/$id.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}
