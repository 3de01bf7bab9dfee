# shellcheck shell=bash
# Small steps the shell tests share for processes they start: sourced by
# tests/netns_cluster.sh and tests/reliability/cluster_soak.sh.

log() { echo "[$(date +%T.%3N)] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds or time is up.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.1
  done
}

# exited PID: the child has exited (gone, or a zombie waiting for `wait`).
exited() { [[ ! -e /proc/$1 || "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" == Z ]]; }

# stop_child PID SIGNAL SECONDS: signals PID and waits for it (bounded); sets CHILD_RC.
stop_child() {
  kill "-$2" "$1" 2>/dev/null || true
  wait_for "$3" exited "$1" || fail "pid $1 did not exit within $3s of SIG$2"
  CHILD_RC=0
  wait "$1" || CHILD_RC=$?
}
