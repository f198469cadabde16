#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Envoy ext_authz from a configuration file: the ext_authz "grpc" block checked
# with -n, then served over TLS with required client certificates (ALPN h2),
# called with curl's HTTP/2 and hand-made gRPC frames: a boolean allow, a
# deny, an unknown method, a handshake without a client certificate, and a
# policy directory that does not compile.
. "$(dirname "$0")/lib.sh"

cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=writ-test-ca -keyout ca.key -out ca.pem 2>/dev/null
mkcert() { # name san
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$2" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
mkcert server "IP:127.0.0.1,DNS:localhost"
mkcert envoy "URI:spiffe://example.org/envoy"
cd - >/dev/null

mkdir -p "$T/policy/data"
cat >"$T/policy/authz.rego" <<'REGO'
package envoy.authz

import rego.v1

default allow := false

allow if input.parsed_path[0] in data.data.open
REGO
echo '{"open": ["public"]}' >"$T/policy/data/data.json"

cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
policy { bundle_dir = "$T/policy" }
audit "file" { path = "$T/audit.log" }
ext_authz "grpc" {
  address = "127.0.0.1:0"
  tls_cert_file = "$T/server.pem"
  tls_key_file = "$T/server.key"
  tls_client_ca_file = "$T/ca.pem"
  tls_require_and_verify_client_cert = true
}
CONF
out=$("$WRIT" server -config "$T/writ.hcl" -n) || fail "-n: $out"
ok "-n accepts an ext_authz block"

# A CheckRequest whose only field is attributes.request.http.path, framed for gRPC.
check_frame() { # path -> file
  local p=$1 n=${#1}
  {
    printf '\x00\x00\x00\x00'"$(printf '\\x%02x' $((n + 8)))"
    printf '\x0a'"$(printf '\\x%02x' $((n + 6)))"'\x22'"$(printf '\\x%02x' $((n + 4)))"
    printf '\x12'"$(printf '\\x%02x' $((n + 2)))"'\x22'"$(printf '\\x%02x' "$n")"'%s' "$p"
  } >"$2"
}
# call METHOD_PATH FRAME [curl args]: sets HDRS (headers and trailers) and BODYHEX.
call() {
  local m=$1 f=$2; shift 2
  rm -f "$T/h" "$T/b"
  curl -s --http2 --cacert "$T/ca.pem" -X POST -H 'content-type: application/grpc' \
    -H 'te: trailers' --data-binary "@$f" -D "$T/h" -o "$T/b" "$@" \
    "https://127.0.0.1:$GPORT$m" || return 1
  HDRS=$(tr -d '\r' <"$T/h")
  BODYHEX=$(xxd -p "$T/b" | tr -d '\n')
}

rm -f "$T/grpc-port"
WRIT_GRPC_PORT_FILE=$T/grpc-port start_config "$T/writ.hcl"
for _ in $(seq 1 100); do [ -s "$T/grpc-port" ] && break; sleep 0.05; done
GPORT=$(cat "$T/grpc-port")
grep -q "ext_authz: listening on 127.0.0.1:0 (grpc over tls), port $GPORT; decision data.envoy.authz.allow" \
  "$T/server.log" || fail "ext_authz not listening: $(cat "$T/server.log")"
grep -q 'policy: bundle .* activated (revision "", 1 modules)' "$T/server.log" ||
  fail "bundle not loaded: $(cat "$T/server.log")"
ok "ext_authz listens over TLS"
TOKEN=
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'; expect_status 200 "init"
KEY=$(jqe '.keys[0]')
api PUT sys/unseal "{\"key\":\"$KEY\"}"; expect_json .sealed false "unsealed"

CLIENT=(--cert "$T/envoy.pem" --key "$T/envoy.key")
check_frame /public/x "$T/allow.bin"
call /envoy.service.auth.v3.Authorization/Check "$T/allow.bin" "${CLIENT[@]}" || fail "curl"
printf '%s\n' "$HDRS" | grep -q '^grpc-status: 0$' || fail "allow: $HDRS"
# prefix, then CheckResponse.status = {} (OK)
case $BODYHEX in 00????????0a00*) ;; *) fail "allow: body $BODYHEX" ;; esac
ok "allowed by data from the policy directory (status OK)"

check_frame /secret "$T/deny.bin"
call /envoy.service.auth.v3.Authorization/Check "$T/deny.bin" "${CLIENT[@]}" || fail "curl"
printf '%s\n' "$HDRS" | grep -q '^grpc-status: 0$' || fail "deny: $HDRS"
case $BODYHEX in 00????????0a020807*) ;; *) fail "deny: body $BODYHEX" ;; esac
ok "denied (status PERMISSION_DENIED)"

call /envoy.service.auth.v3.Authorization/Nope "$T/deny.bin" "${CLIENT[@]}" || fail "curl"
printf '%s\n' "$HDRS" | grep -q '^grpc-status: 12$' || fail "unknown method: $HDRS"
ok "unknown method: UNIMPLEMENTED"

if call /envoy.service.auth.v3.Authorization/Check "$T/allow.bin"; then
  fail "a client without a certificate was served"
fi
ok "no client certificate: handshake refused"
out=$("$WRIT" audit query -type decision -format table "$T/audit.log" 2>/dev/null)
[ "$(printf '%s\n' "$out" | grep -c 'envoy/authz/allow')" = 2 ] || fail "decision log: $out"
printf '%s\n' "$out" | grep -q 'allowed' && printf '%s\n' "$out" | grep -q 'denied' ||
  fail "decision log outcomes: $out"
ok "both Check decisions are in the audit log, allowed and denied"
stop_server

echo 'package envoy.authz
allow if {' >"$T/policy/broken.rego"
if "$WRIT" server -config "$T/writ.hcl" >"$T/out" 2>&1; then fail "started with a broken policy"; fi
grep -q "broken.rego:" "$T/out" || fail "no file in the error: $(cat "$T/out")"
ok "a policy that does not compile stops the server with file:row"
finish
