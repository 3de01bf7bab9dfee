#!/usr/bin/env bash
# The .deb installed for real, as root, in a clean Debian 12: a minimal
# bookworm root made by debootstrap (cached), where `apt-get install ./*.deb`
# resolves the package's Depends from the mirror: the proof that they are
# right. Then: postinst made the user and directories, the installed binaries
# run there as that user from the installed configs (a mediator and a scribe
# registered with it; lines sent through them from outside the root land in
# /var/log/logscribe), the units verify, and remove and purge work.
#   tests/install/deb_chroot_test.sh BUILD_DIR LOADGEN_BINARY
# Exits 77 (ctest: skipped) when not root, without debootstrap, when the mirror
# cannot be reached, or when making the root takes longer than its bound.
# Environment:
#   LOGSCRIBE_DEBIAN_MIRROR   default http://deb.debian.org/debian
#   LOGSCRIBE_CHROOT_CACHE    where the root's tarball and downloaded .debs are
#                             kept; default /var/cache/logscribe-test
#   LOGSCRIBE_BOOTSTRAP_LIMIT seconds debootstrap may take; default 600
set -euo pipefail
build=$(cd "$1" && pwd)
loadgen=$2
mirror=${LOGSCRIBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${LOGSCRIBE_CHROOT_CACHE:-/var/cache/logscribe-test}
bootstrap_limit=${LOGSCRIBE_BOOTSTRAP_LIMIT:-600}
suite=bookworm
started=$SECONDS

skip() { echo "deb_chroot_test: skipped: $*"; exit 77; }
fail() { echo "deb_chroot_test: $*" >&2; exit 1; }
say() { echo "deb_chroot_test: [$((SECONDS - started))s] $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || skip "no debootstrap (apt-get install debootstrap)"
if command -v curl >/dev/null; then
  curl -fsS --max-time 20 -o /dev/null "$mirror/dists/$suite/Release" ||
    skip "the mirror $mirror cannot be reached"
fi

work=$(mktemp -d /tmp/logscribe-chroot-test.XXXXXX)
root="$work/root"
pids=()
mounted=""
cleanup() {
  local code=$?
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  # Anything else still running inside the root (a maintainer script's child).
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null || true
  done
  if [ -n "$mounted" ]; then umount "$root/proc" 2>/dev/null || umount -l "$root/proc" 2>/dev/null || true; fi
  # Never delete through a mount point that is still there.
  if ! grep -q " $root/" /proc/mounts; then rm -rf "$work"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# 1. The clean root: from the cached tarball, or made now and cached. A
#    tarball is kept per month, so security updates come in without a
#    debootstrap on every run.
tarball="$cache/$suite-minbase-$(date +%Y%m).tar"
mkdir -p "$cache/archives"
if [ ! -s "$tarball" ]; then
  say "no $tarball: debootstrap --variant=minbase $suite from $mirror"
  mkdir -p "$root"
  timeout "$bootstrap_limit" debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    code=$?
    tail -5 "$work/debootstrap.log"
    [ "$code" = 124 ] && skip "debootstrap took more than ${bootstrap_limit}s"
    skip "debootstrap failed (exit $code; the mirror may be unreachable)"
  }
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  # Older months' roots are stale: drop them.
  find "$cache" -maxdepth 1 -name "$suite-minbase-*.tar" ! -name "$(basename "$tarball")" -delete
  say "cached the root in $tarball"
else
  mkdir -p "$root"
  tar -C "$root" -xf "$tarball"
  say "root unpacked from $tarball"
fi

# 2. The package, built from this build directory.
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/pkg/logscribe_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no .deb in $work/pkg"
cp "$deb" "$root/tmp/"

# 3. Install it as an operator would; apt resolves the Depends from the mirror.
#    The .debs downloaded last time are handed to apt first, so reruns fetch
#    only what changed. /proc is mounted because apt and the binaries read it.
mount -t proc proc "$root/proc"
mounted=yes
cp -n "$cache"/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
in_root apt-get update -qq >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log"; fail "apt-get update"; }
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")" \
  >"$work/apt-install.log" 2>&1 || { tail -30 "$work/apt-install.log"; fail "apt-get install of the .deb"; }
cp -n "$root"/var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null || true
say "installed $(basename "$deb") with $(grep -c '^Setting up' "$work/apt-install.log") packages set up"
in_root dpkg-query -W -f='${Status}\n' logscribe | grep -qx "install ok installed" || fail "logscribe is not installed"

# 4. What postinst did: the system user, the log root and the TLS directory.
in_root getent passwd logscribe >/dev/null || fail "postinst did not create the user logscribe"
# Names as the root knows them (stat inside it), not as this host does.
owner() { in_root stat -c '%U:%G %a' "$1"; }
[ "$(owner /var/log/logscribe)" = "logscribe:logscribe 750" ] || fail "/var/log/logscribe is $(owner /var/log/logscribe)"
[ "$(owner /etc/logscribe/tls)" = "root:logscribe 750" ] || fail "/etc/logscribe/tls is $(owner /etc/logscribe/tls)"
for b in logscribe logmediator logscribectl logscribe-cat; do
  in_root "/usr/bin/$b" -help >"$work/help-$b" 2>&1 || { cat "$work/help-$b"; fail "$b -help"; }
done

# 5. The units apt installed. The root has no systemd (minbase, as in a
#    container), so this host's systemd-analyze checks them.
"$(dirname "$0")/verify_units.sh" "$root" "$work" || fail "the units do not verify"

# 6. Run them as the unit would (the user, the installed configs; ports moved
#    aside): a mediator, a scribe registered with it, lines sent through the
#    mediator from outside the root, read back from the root's log directory.
uid=$(in_root id -u logscribe)
gid=$(in_root id -g logscribe)
# chroot and env exec: $! is the binary itself, so a signal reaches it.
as_service=(chroot --userspec="$uid:$gid" "$root" /usr/bin/env -i PATH=/usr/bin:/bin)
"${as_service[@]}" /usr/bin/logmediator -config /etc/logscribe/mediator.conf -bind 127.0.0.1 -port 0 -pport 0 \
  -ping-interval 500ms >"$work/mediator.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/mediator.out" && break; sleep 0.1; done
mport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/mediator.out")
[ -n "$mport" ] || { cat "$work/mediator.out"; fail "the mediator did not start"; }
"${as_service[@]}" /usr/bin/logscribe -config /etc/logscribe/scribe.conf -bind 127.0.0.1 -port 0 -pport 0 \
  -mediator "127.0.0.1:$mport" -id chroot-scribe -ping-interval 500ms >"$work/scribe.out" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q "listening on" "$work/scribe.out" && break; sleep 0.1; done
grep -q "listening on" "$work/scribe.out" || { cat "$work/scribe.out"; fail "the scribe did not start"; }
grep -q "root:      /var/log/logscribe" "$work/scribe.out" || { cat "$work/scribe.out"; fail "the scribe's root"; }
"$loadgen" -target "127.0.0.1:$mport" -mode batch -lines 1000 -files 4 -verify-root "$root/var/log/logscribe" \
  >"$work/loadgen.out" 2>&1 || { cat "$work/loadgen.out"; fail "lines through the installed mediator and scribe"; }
files=$(find "$root/var/log/logscribe" -name '*.log' -uid "$uid" | wc -l)
[ "$files" -ge 1 ] || fail "no log file owned by logscribe under /var/log/logscribe"
in_root /usr/bin/logscribectl -target "127.0.0.1:$mport" scribes >"$work/ctl.out" 2>&1 ||
  { cat "$work/ctl.out"; fail "logscribectl scribes"; }
grep -q chroot-scribe "$work/ctl.out" || { cat "$work/ctl.out"; fail "logscribectl does not list the scribe"; }
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do wait "$p" || fail "a binary exited non-zero on SIGTERM"; done
pids=()
say "mediator and scribe ran in the root: $(grep -m1 'lines sent\|ok' "$work/loadgen.out" || true)"

# 7. Remove keeps the configs (conffiles), purge takes them; the logs stay.
in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y logscribe >"$work/remove.log" 2>&1 ||
  { cat "$work/remove.log"; fail "apt-get remove"; }
[ ! -e "$root/usr/bin/logscribe" ] || fail "remove left /usr/bin/logscribe"
[ -e "$root/etc/logscribe/scribe.conf" ] || fail "remove took the conffile scribe.conf"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y logscribe >"$work/purge.log" 2>&1 ||
  { cat "$work/purge.log"; fail "apt-get purge"; }
[ ! -e "$root/etc/logscribe/scribe.conf" ] || fail "purge left /etc/logscribe/scribe.conf"
! in_root dpkg-query -W -f='${Status}\n' logscribe 2>/dev/null | grep -q "installed" || fail "still installed after purge"
echo "deb_chroot_test: ok ($(basename "$deb") in a clean $suite root, $((SECONDS - started))s)"
