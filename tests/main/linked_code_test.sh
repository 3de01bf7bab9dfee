#!/usr/bin/env bash
# Each binary carries only the code it runs: nm -C lists the logscribe::
# classes and functions each one defines, and the rooms of src/ say which
# binary may hold which (README "How it works", docs/architecture.md).
#   linked_code_test.sh LOGSCRIBE LOGMEDIATOR LOGSCRIBECTL LOGSCRIBE_CAT LOADGEN
set -euo pipefail
scribe="$1" mediator="$2" ctl="$3" cat="$4" loadgen="$5"
failed=0

defined() { nm -C --defined-only "$1" | grep -oE "logscribe::[A-Za-z_:]+" | sort -u; }

# expect <binary> <has|lacks> <name>...: each name as a logscribe:: class or
# function defined in the binary.
expect() {
  local bin="$1" want="$2"
  shift 2
  local symbols
  symbols="$(defined "$bin")"
  for name in "$@"; do
    if grep -qE "^logscribe::${name}(::|$)" <<<"$symbols"; then
      [ "$want" = has ] || { echo "FAIL: $(basename "$bin") defines logscribe::$name"; failed=1; }
    else
      [ "$want" = lacks ] || { echo "FAIL: $(basename "$bin") lacks logscribe::$name"; failed=1; }
    fi
  done
}

mediator_only=(Forwarder ScribeLink Registry HealthChecker)
file_side=(FileSink WriterThread LogRoot ArchiveThread)
server_only=(LogStreamCall UnaryLogCall MakeServerSecurity ServerTlsMode PeerAllowList)

# What each binary must hold, so that an empty symbol table cannot pass.
expect "$scribe" has FileSink WriterThread LogStreamCall ScribeServer MakeServerSecurity
expect "$mediator" has Forwarder ScribeLink Registry HealthChecker LogStreamCall MakeServerSecurity
expect "$ctl" has MakeClientSecurity
expect "$cat" has MakeClientSecurity ValidateFileKey

expect "$scribe" lacks "${mediator_only[@]}"
expect "$mediator" lacks "${file_side[@]}"
for client in "$ctl" "$cat" "$loadgen"; do
  expect "$client" lacks "${mediator_only[@]}" "${file_side[@]}" "${server_only[@]}" ScribeServer Registrar
done

[ "$failed" = 0 ] && echo "every binary holds only the code of its rooms"
exit "$failed"
