#!/usr/bin/env bash
# make-certs.sh: development certificates for logscribe, in one step, with the
# openssl command only.
#
#   tools/certs/make-certs.sh [options] DIR
#
# Makes, in DIR (created if missing):
#   ca.crt, ca.key            a development CA (CA:TRUE)
#   server.crt, server.key    a server certificate signed by it, for serverAuth and clientAuth
#                             (in mutual TLS a process presents it when it dials too), with the
#                             SANs 127.0.0.1 and localhost plus every -san
#   client.crt, client.key    a client certificate signed by it, for clientAuth, CN from -client-cn
#
# Options:
#   -san NAME          one more SAN of the server certificate (repeatable). IP addresses become
#                      IP SANs, NAME with '@' an email, with '://' a URI, else a DNS name; a
#                      DNS:/IP:/URI:/email: prefix says it outright
#   -server-cn CN      CN of the server certificate (default: localhost)
#   -client-cn CN      CN of the client certificate (default: logscribe-client)
#   -client-san NAME   a SAN of the client certificate (repeatable; default: none)
#   -client NAME=CN    one more client certificate, NAME.crt and NAME.key, with that CN (repeatable)
#   -server NAME=CN    one more server certificate, NAME.crt and NAME.key, with that CN and the
#                      server certificate's SANs, for serverAuth and clientAuth: a scribe of its
#                      own identity (repeatable)
#   -days N            validity of the new leaf certificates in days (default: 365; the CA: 10 times)
#   -reuse-ca          sign with the ca.crt and ca.key already in DIR instead of making a new CA
#   -other-ca          also other-ca.crt/.key, an unrelated CA, and other-client.crt/.key, a client
#                      certificate with the same CN signed by it
#   -expired           also expired-client.crt/.key and expired-server.crt/.key, signed by the CA
#                      but valid only during 2020
#   -not-yet-valid     also future-server.crt/.key, valid only from 2090 on
#   -h, -help          this text
#
# Keys are EC P-256 in PKCS#8 PEM, mode 0600. Certificates are written whole
# with rename(2); see docs/security.md for renewal.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "make-certs.sh: $*" >&2; exit 2; }

server_cn=localhost
client_cn=logscribe-client
days=365
reuse_ca=0
other_ca=0
expired=0
not_yet_valid=0
server_sans=(127.0.0.1 localhost)
# Server certificates serve as client certificates too: a mediator dials its
# scribes, and a scribe its mediator, presenting its own -crt.
server_usage="serverAuth, clientAuth"
client_sans=()
extra_clients=()
extra_servers=()
dir=""

while (($#)); do
  opt="$1"
  [[ "$opt" != --?* ]] || opt="${opt#-}"
  if [[ "$opt" == -?*=* ]]; then  # -name=value
    set -- "${opt%%=*}" "${opt#*=}" "${@:2}"
    opt="$1"
  fi
  need() { (($# >= 2)) || die "$opt needs a value"; }
  case "$opt" in
    -h|-help) usage; exit 0 ;;
    -san) need "$@"; server_sans+=("$2"); shift 2 ;;
    -server-cn) need "$@"; server_cn="$2"; shift 2 ;;
    -client-cn) need "$@"; client_cn="$2"; shift 2 ;;
    -client-san) need "$@"; client_sans+=("$2"); shift 2 ;;
    -client) need "$@"; [[ "$2" == ?*=?* ]] || die "-client wants NAME=CN, not '$2'"
             extra_clients+=("$2"); shift 2 ;;
    -server) need "$@"; [[ "$2" == ?*=?* ]] || die "-server wants NAME=CN, not '$2'"
             extra_servers+=("$2"); shift 2 ;;
    -days) need "$@"; [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "-days wants a positive number, not '$2'"
           days="$2"; shift 2 ;;
    -reuse-ca) reuse_ca=1; shift ;;
    -other-ca) other_ca=1; shift ;;
    -expired) expired=1; shift ;;
    -not-yet-valid) not_yet_valid=1; shift ;;
    -*) die "unknown option '$1' (see -help)" ;;
    *) [ -z "$dir" ] || die "one directory only, not '$dir' and '$1'"; dir="$1"; shift ;;
  esac
done
[ -n "$dir" ] || die "which directory? (see -help)"
command -v openssl >/dev/null || die "the openssl command is missing (apt-get install openssl)"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# "127.0.0.1" -> "IP:127.0.0.1", "a.example" -> "DNS:a.example", ...
san_entry() {
  case "$1" in
    DNS:*|IP:*|URI:*|email:*) echo "$1" ;;
    *://*) echo "URI:$1" ;;
    *@*) echo "email:$1" ;;
    *)
      if [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "$1" == *:*:* ]]; then echo "IP:$1"; else echo "DNS:$1"; fi ;;
  esac
}
join_sans() {
  local out="" s
  for s in "$@"; do out+="${out:+,}$(san_entry "$s")"; done
  echo "$out"
}

# Writes $1 atomically: the content comes from $2 (a file in scratch).
install_file() {
  local dest="$1" src="$2" mode="$3"
  chmod "$mode" "$src"
  mv -f "$src" "$dest.tmp.$$" && mv -f "$dest.tmp.$$" "$dest"
}

new_key() { (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null); }

# make_ca NAME CN: NAME.crt and NAME.key, a self-signed CA.
make_ca() {
  local name="$1" cn="$2"
  new_key "$scratch/$name.key"
  openssl req -x509 -new -key "$scratch/$name.key" -subj "/CN=$cn" -days $((days * 10)) -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$scratch/$name.crt" 2>/dev/null
  install_file "$dir/$name.key" "$scratch/$name.key" 600
  install_file "$dir/$name.crt" "$scratch/$name.crt" 644
}

# make_leaf NAME CA CN USAGE SANS [START END]: NAME.crt/.key signed by CA.crt/.key,
# extendedKeyUsage USAGE (e.g. "serverAuth, clientAuth" or clientAuth); valid for -days from now,
# or from START to END (YYYYMMDDHHMMSSZ) when given: `openssl ca` is the one
# OpenSSL 3.0 command that takes explicit dates.
make_leaf() {
  local name="$1" ca="$2" cn="$3" usage="$4" sans="$5" start="${6:-}" end="${7:-}"
  local work="$scratch/ca-$name"
  mkdir -p "$work"
  : >"$work/index.txt"
  cat >"$work/ca.cnf" <<CNF
[ca]
default_ca = dev
[dev]
database = $work/index.txt
new_certs_dir = $work
rand_serial = yes
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = $usage
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
${sans:+subjectAltName = $sans}
CNF
  new_key "$scratch/$name.key"
  openssl req -new -key "$scratch/$name.key" -subj "/CN=$cn" -out "$work/req.csr" 2>/dev/null
  local dates=(-days "$days")
  [ -z "$start" ] || dates=(-startdate "$start" -enddate "$end")
  if ! openssl ca -batch -notext -config "$work/ca.cnf" -cert "$dir/$ca.crt" -keyfile "$dir/$ca.key" \
      -extensions leaf "${dates[@]}" -in "$work/req.csr" -out "$scratch/$name.crt" 2>"$work/err"; then
    cat "$work/err" >&2
    die "openssl could not sign $name.crt"
  fi
  install_file "$dir/$name.key" "$scratch/$name.key" 600
  install_file "$dir/$name.crt" "$scratch/$name.crt" 644
}

if ((reuse_ca)) && [ -s "$dir/ca.crt" ] && [ -s "$dir/ca.key" ]; then
  made=("ca.crt (kept)")
else
  make_ca ca "logscribe development CA"
  made=(ca.crt ca.key)
fi
server_san_list="$(join_sans "${server_sans[@]}")"
client_san_list="$(join_sans "${client_sans[@]+"${client_sans[@]}"}")"
make_leaf server ca "$server_cn" "$server_usage" "$server_san_list"
make_leaf client ca "$client_cn" clientAuth "$client_san_list"
made+=(server.crt server.key client.crt client.key)
for spec in "${extra_clients[@]+"${extra_clients[@]}"}"; do
  name="${spec%%=*}"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "-client NAME must be a plain file name, not '$name'"
  make_leaf "$name" ca "${spec#*=}" clientAuth ""
  made+=("$name.crt" "$name.key")
done
for spec in "${extra_servers[@]+"${extra_servers[@]}"}"; do
  name="${spec%%=*}"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "-server NAME must be a plain file name, not '$name'"
  make_leaf "$name" ca "${spec#*=}" "$server_usage" "$server_san_list"
  made+=("$name.crt" "$name.key")
done
if ((other_ca)); then
  make_ca other-ca "unrelated development CA"
  make_leaf other-client other-ca "$client_cn" clientAuth "$client_san_list"
  made+=(other-ca.crt other-ca.key other-client.crt other-client.key)
fi
if ((expired)); then
  make_leaf expired-client ca "$client_cn" clientAuth "$client_san_list" 20200101000000Z 20201231235959Z
  make_leaf expired-server ca "$server_cn" "$server_usage" "$server_san_list" 20200101000000Z 20201231235959Z
  made+=(expired-client.crt expired-client.key expired-server.crt expired-server.key)
fi
if ((not_yet_valid)); then
  make_leaf future-server ca "$server_cn" "$server_usage" "$server_san_list" 20900101000000Z 20910101000000Z
  made+=(future-server.crt future-server.key)
fi

echo "make-certs.sh: in $dir: ${made[*]}"
echo "  server SANs: $server_san_list; client CN: $client_cn${client_san_list:+, SANs: $client_san_list}"
