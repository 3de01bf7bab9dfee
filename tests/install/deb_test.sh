#!/usr/bin/env bash
# The .deb as an operator meets it: cpack builds it from BUILD_DIR, dpkg
# unpacks it into a scratch root (with its own dpkg database; maintainer
# scripts are checked, not run, so nothing touches this host's users), and the
# installed binaries start from the installed configs. Also DESTDIR installs.
#   tests/install/deb_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/logscribe-deb-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "deb_test: $*" >&2; exit 1; }

# 1. Build the package (into $work, not the build directory).
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/pkg/logscribe_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no .deb in $work/pkg"
dpkg-deb --info "$deb" >"$work/info"
for field in "Package: logscribe" "Depends:.*libgrpc++" "Depends:.*libcpp-httplib" \
             "Depends:.*libzstd1" "Depends:.*zlib1g"; do
  grep -q "$field" "$work/info" || fail "control has no '$field'"
done
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" >"$work/$script" || fail "no $script"
  sh -n "$work/$script" || fail "$script does not parse"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/logscribe/scribe.conf ||
  fail "scribe.conf is not a conffile"

# 2. Unpack into a scratch root through dpkg, as an install would.
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-depends --force-not-root --unpack "$deb" >"$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log"; fail "dpkg --unpack failed"; }
grep -q "^Package: logscribe" "$root/var/lib/dpkg/status" || fail "dpkg did not record the package"
# --unpack leaves new conffiles as .dpkg-new; --configure (which would also
# run postinst in the root) renames them. Do that part by hand.
for f in scribe.conf mediator.conf; do
  [ -e "$root/etc/logscribe/$f.dpkg-new" ] || fail "conffile $f was not unpacked"
  mv "$root/etc/logscribe/$f.dpkg-new" "$root/etc/logscribe/$f"
done
for f in usr/bin/logscribe usr/bin/logmediator usr/bin/logscribectl usr/bin/logscribe-cat \
         usr/lib/systemd/system/logscribe.service usr/lib/systemd/system/logmediator.service \
         usr/lib/sysusers.d/logscribe.conf usr/lib/tmpfiles.d/logscribe.conf \
         etc/logscribe/scribe.conf etc/logscribe/mediator.conf usr/share/doc/logscribe/README.md; do
  [ -e "$root/$f" ] || fail "missing /$f"
done
[ -x "$root/usr/bin/logscribe" ] || fail "logscribe is not executable"

# 3. The units: hardened, pointing at the installed files, and valid to systemd.
unit="$root/usr/lib/systemd/system/logscribe.service"
for line in "User=logscribe" "ProtectSystem=strict" "ReadWritePaths=/var/log/logscribe" \
            "NoNewPrivileges=yes" "ExecStart=/usr/bin/logscribe -config /etc/logscribe/scribe.conf"; do
  grep -qx "$line" "$unit" || fail "logscribe.service lacks '$line'"
done
grep -qx "ExecStart=/usr/bin/logmediator -config /etc/logscribe/mediator.conf" \
  "$root/usr/lib/systemd/system/logmediator.service" || fail "logmediator.service ExecStart"
grep -q "^path /var/log/logscribe" "$root/etc/logscribe/scribe.conf" || fail "scribe.conf path"
"$(dirname "$0")/verify_units.sh" "$root" "$work" || fail "the units do not verify"

# 4. The installed binaries start from the installed configs (log root and
#    ports moved aside on the command line, which wins over the file).
"$root/usr/bin/logscribe" -config "$root/etc/logscribe/scribe.conf" -path "$work/logs" \
  -bind 127.0.0.1 -port 0 -pport 0 >"$work/scribe.out" 2>&1 &
pids+=($!)
"$root/usr/bin/logmediator" -config "$root/etc/logscribe/mediator.conf" -bind 127.0.0.1 -port 0 -pport 0 \
  >"$work/mediator.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  grep -q "metrics:" "$work/scribe.out" && grep -q "listening on" "$work/mediator.out" && break
  sleep 0.1
done
grep -q "metrics:   http://127.0.0.1:" "$work/scribe.out" || { cat "$work/scribe.out"; fail "scribe did not start"; }
grep -q "listening on" "$work/mediator.out" || { cat "$work/mediator.out"; fail "mediator did not start"; }
grep -q "metrics:   http://127.0.0.1:" "$work/mediator.out" || { cat "$work/mediator.out"; fail "mediator metrics"; }
port=$(sed -n 's#.*metrics:   http://127.0.0.1:\([0-9]*\)/metrics.*#\1#p' "$work/scribe.out")
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
head -1 <&3 | grep -q "200" || fail "/healthz of the installed scribe"
exec 3<&-
for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "a binary exited non-zero on SIGTERM"; done
pids=()

# 5. cmake --install with DESTDIR puts the same files in place.
DESTDIR="$work/destdir" cmake --install "$build" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "cmake --install failed"; }
for f in usr/bin/logscribe etc/logscribe/scribe.conf usr/lib/systemd/system/logscribe.service; do
  [ -e "$work/destdir/$f" ] || fail "cmake --install: missing /$f"
done
echo "deb_test: ok ($(basename "$deb"))"
