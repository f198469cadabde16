#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# http.send from `writ policy eval` and `writ policy test`: refused by default,
# enabled per host with --http-send-allow, refused for other hosts, bounded
# by --http-send-timeout; https with a private CA and client certificates. The
# servers it talks to are real `writ server`s (-dev, then mTLS from a config).
. "$(dirname "$0")/lib.sh"

unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
start_dev
Q="r := http.send({\"method\": \"get\", \"url\": \"http://$ADDR/v1/sys/health\"})"

out=$("$WRIT" policy eval "$Q") && fail "http.send without --http-send-allow exited 0: $out"
[ "$(printf '%s' "$out" | jq -r '.errors[0].message')" = \
  "http.send: outbound requests are disabled in this server" ] || fail "refusal: $out"
ok "http.send is refused by default"

out=$("$WRIT" policy eval --http-send-allow 127.0.0.1 "$Q") || fail "allowed eval: $out"
[ "$(printf '%s' "$out" | jq -c '.result[0].bindings.r.status_code')" = 200 ] || fail "status: $out"
[ "$(printf '%s' "$out" | jq -c '.result[0].bindings.r.body.initialized')" = true ] \
  || fail "JSON body not decoded: $out"
printf '%s' "$out" | jq -e '.result[0].bindings.r.headers["content-type"][0]' >/dev/null \
  || fail "headers not lower-cased: $out"
ok "policy eval --http-send-allow 127.0.0.1 reaches the server and decodes its JSON"

out=$("$WRIT" policy eval --http-send-allow api.example.com "$Q") && fail "other host exited 0: $out"
printf '%s' "$out" | jq -r '.errors[0].message' | grep -q 'disallowed host: 127.0.0.1' \
  || fail "other host: $out"
ok "a host that is not allowed is refused"

mkdir -p "$T/p"
cat >"$T/p/health_test.rego" <<REGO
package health

import rego.v1

test_server_is_up if {
	r := http.send({"method": "get", "url": "http://$ADDR/v1/sys/health", "cache": true})
	r.status_code == 200
	r.body.sealed == false
}
REGO
out=$("$WRIT" policy test --http-send-allow 127.0.0.1 --http-send-timeout 2s "$T/p") \
  || fail "policy test with http.send: $out"
printf '%s' "$out" | grep -q '^PASS: 1/1' || fail "policy test output: $out"
out=$("$WRIT" policy test "$T/p") && fail "policy test without the flag passed: $out"
printf '%s' "$out" | grep -q 'outbound requests are disabled' || fail "refusal in policy test: $out"
ok "policy test: http.send with --http-send-allow, refused without"

"$WRIT" policy eval --http-send-allow 127.0.0.1 --http-send-timeout 5parsecs "$Q" 2>/dev/null \
  && fail "a bad --http-send-timeout was accepted"
"$WRIT" policy eval --http-send-timeout 2s "$Q" 2>/dev/null \
  && fail "--http-send-timeout without --http-send-allow was accepted"
ok "bad http.send flags are usage errors"
stop_server

# https with a private CA and a client certificate the server requires (mTLS).
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
mkcert agent "URI:spiffe://example.org/agent/a"
cd - >/dev/null
cat >"$T/tls.hcl" <<CONF
storage "sqlite" { path = "$T/tls.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_cert_file = "$T/server.pem"
  tls_key_file = "$T/server.key"
  tls_client_ca_file = "$T/ca.pem"
  tls_require_and_verify_client_cert = true
}
CONF
start_config "$T/tls.hcl"
U="https://$ADDR/v1/sys/seal-status"
out=$("$WRIT" policy eval --http-send-allow 127.0.0.1 "r := http.send({\"method\": \"get\", \"url\": \"$U\",
  \"tls_ca_cert_file\": \"$T/ca.pem\", \"tls_client_cert_file\": \"$T/agent.pem\",
  \"tls_client_key_file\": \"$T/agent.key\"}).body.initialized") || fail "mTLS files: $out"
[ "$(printf '%s' "$out" | jq -c '.result[0].bindings.r')" = false ] || fail "mTLS files: $out"
jq -n --rawfile ca "$T/ca.pem" --rawfile cert "$T/agent.pem" --rawfile key "$T/agent.key" \
  '{ca: $ca, cert: $cert, key: $key}' >"$T/pems.json"
out=$("$WRIT" policy eval --http-send-allow 127.0.0.1 -i "$T/pems.json" "r := http.send({
  \"method\": \"get\", \"url\": \"$U\", \"tls_ca_cert\": input.ca, \"tls_client_cert\": input.cert,
  \"tls_client_key\": input.key}).status_code") || fail "mTLS inline: $out"
[ "$(printf '%s' "$out" | jq -c '.result[0].bindings.r')" = 200 ] || fail "mTLS inline: $out"
ok "https with a private CA and a client certificate, as files and inline"

out=$("$WRIT" policy eval --http-send-allow 127.0.0.1 -i "$T/pems.json" "r := http.send({
  \"method\": \"get\", \"url\": \"$U\", \"tls_client_cert\": input.cert,
  \"tls_client_key\": input.key, \"raise_error\": false}).error.code") || fail "no CA: $out"
[ "$(printf '%s' "$out" | jq -r '.result[0].bindings.r')" = eval_http_send_network_error ] \
  || fail "unknown CA accepted: $out"
out=$("$WRIT" policy eval --http-send-allow 127.0.0.1 -i "$T/pems.json" "r := http.send({
  \"method\": \"get\", \"url\": \"$U\", \"tls_ca_cert\": input.ca,
  \"raise_error\": false}).error.code") || fail "no client certificate: $out"
[ "$(printf '%s' "$out" | jq -r '.result[0].bindings.r')" = eval_http_send_network_error ] \
  || fail "no client certificate accepted: $out"
out=$("$WRIT" policy eval --http-send-allow 127.0.0.1 -i "$T/pems.json" "r := http.send({
  \"method\": \"get\", \"url\": \"$U\", \"tls_insecure_skip_verify\": true,
  \"tls_client_cert\": input.cert, \"tls_client_key\": input.key}).status_code") \
  || fail "insecure: $out"
[ "$(printf '%s' "$out" | jq -c '.result[0].bindings.r')" = 200 ] || fail "insecure: $out"
ok "an unknown CA and a missing client certificate fail; tls_insecure_skip_verify skips the CA"
stop_server
finish
