#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Configuration checking (-n) and a TLS listener with optional and required
# client certificates, checked with curl and certificates made by openssl.
. "$(dirname "$0")/lib.sh"

# -n: good and bad configurations.
cat >"$T/good.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
CONF
out=$("$WRIT" server -config "$T/good.hcl" -n) || fail "-n on a good config: $out"
[ "$out" = "configuration OK" ] || fail "-n printed '$out'"
ok "-n says configuration OK"
cat >"$T/bad.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  adress = "127.0.0.1:0"
}
CONF
if out=$("$WRIT" server -config "$T/bad.hcl" -n 2>&1); then fail "-n accepted a bad config"; fi
printf '%s\n' "$out" | grep -q "^$T/bad.hcl:3: " || fail "-n error lacks file:line: $out"
ok "-n names file and line of an error"

# A CA, a server certificate and two client certificates (one from another CA).
cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=writ-test-ca -keyout ca.key -out ca.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=other-ca -keyout other.key -out other.pem 2>/dev/null
mkcert() { # name ca san
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 1 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
mkcert server ca "IP:127.0.0.1,DNS:localhost"
mkcert agent ca "URI:spiffe://example.org/agent/a"
mkcert rogue other "URI:spiffe://example.org/agent/b"
cd - >/dev/null

for mode in optional required; do
  req=false; [ $mode = required ] && req=true
  cat >"$T/tls-$mode.hcl" <<CONF
storage "sqlite" { path = "$T/$mode.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_cert_file = "$T/server.pem"
  tls_key_file = "$T/server.key"
  tls_client_ca_file = "$T/ca.pem"
  tls_require_and_verify_client_cert = $req
}
CONF
  start_config "$T/tls-$mode.hcl"
  SCHEME=https
  CURL_EXTRA="--cacert $T/ca.pem" api GET sys/seal-status
  if [ $mode = optional ]; then
    expect_status 200 "TLS without a client certificate when it is optional"
  else
    [ "$STATUS" = 000 ] || fail "required mTLS accepted a client without a certificate ($STATUS)"
    ok "required mTLS refuses a client without a certificate"
  fi
  CURL_EXTRA="--cacert $T/ca.pem --cert $T/agent.pem --key $T/agent.key" api GET sys/seal-status
  expect_status 200 "mTLS with a good client certificate ($mode)"
  expect_json .initialized false "uninitialised server answers over mTLS ($mode)"
  CURL_EXTRA="--cacert $T/ca.pem --cert $T/rogue.pem --key $T/rogue.key" api GET sys/seal-status
  [ "$STATUS" = 000 ] || fail "a client certificate from another CA was accepted ($mode): $STATUS"
  ok "a client certificate from another CA is refused ($mode)"
  unset SCHEME
  stop_server
done
# The served certificate chains to the CA (checked with OpenSSL's command line).
start_config "$T/tls-optional.hcl"
echo | openssl s_client -connect "$ADDR" -CAfile "$T/ca.pem" -verify_return_error \
  >"$T/sclient.out" 2>&1 || fail "openssl s_client: $(tail -5 "$T/sclient.out")"
grep -q 'Verify return code: 0 (ok)' "$T/sclient.out" || fail "certificate did not verify"
ok "openssl s_client verifies the server certificate"
stop_server
finish
