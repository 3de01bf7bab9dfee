#!/usr/bin/env bash
# Checks the units installed under ROOT with this host's `systemd-analyze
# verify`: ExecStart is pointed at ROOT's binaries (verify wants them to
# exist), and any unknown or ignored setting fails. Does nothing without
# systemd-analyze.
#   tests/install/verify_units.sh ROOT SCRATCH_DIR
set -euo pipefail
root=$1
scratch=$2
command -v systemd-analyze >/dev/null || exit 0
mkdir -p "$scratch/units"
for u in logscribe logmediator; do
  sed "s#^ExecStart=/usr/bin/#ExecStart=$root/usr/bin/#" "$root/usr/lib/systemd/system/$u.service" \
    >"$scratch/units/$u.service"
  systemd-analyze verify --man=no "$scratch/units/$u.service" >"$scratch/verify-$u" 2>&1 ||
    { cat "$scratch/verify-$u"; echo "systemd-analyze verify $u.service failed" >&2; exit 1; }
  if grep -qi "unknown\|ignoring" "$scratch/verify-$u"; then
    cat "$scratch/verify-$u"
    echo "$u.service has unknown settings" >&2
    exit 1
  fi
done
