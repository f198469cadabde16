#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nginx auth_request with writ deciding: a real nginx (examples/nginx/nginx.conf's
# layout) protects an upstream (a second nginx server that echoes what reached it);
# requests allowed and denied by path, method and header, a header from the decision
# passed upstream, 401 with WWW-Authenticate vs 403, a policy error denying, and every
# decision in the audit log.  Then Envoy's HTTP ext_authz mode on /v1/authz/envoy/ with
# curl: the same input (checked through a policy that echoes it) and the same verdicts.
. "$(dirname "$0")/lib.sh"

command -v nginx >/dev/null || { echo "1..0 # skip: no nginx"; exit 0; }
here=$(cd "$(dirname "$0")/../.." && pwd)

start_dev
DPORT=${DADDR#*:}
dapi PUT v1/policies/authz "$(cat "$here/examples/nginx/authz.rego")"
expect_status 200 "the example policy loads"

# Two free ports for nginx: the front and the upstream.
read -r FRONT UP < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
N=$T/nginx
mkdir -p "$N/logs"
cat >"$N/nginx.conf" <<CONF
worker_processes 1;
pid $N/nginx.pid;
error_log $N/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $N/body; proxy_temp_path $N/proxy;
  fastcgi_temp_path $N/fcgi; uwsgi_temp_path $N/uwsgi; scgi_temp_path $N/scgi;
  upstream writ_decisions { server 127.0.0.1:$DPORT; keepalive 8; }
  server {
    listen 127.0.0.1:$UP;
    location / { return 200 "upstream user=\$http_x_auth_user decision=\$http_x_writ_decision_id uri=\$request_uri\n"; }
  }
  server {
    listen 127.0.0.1:$FRONT;
    location / {
      auth_request /_writ_authz;
      auth_request_set \$writ_user \$upstream_http_x_auth_user;
      auth_request_set \$writ_decision \$upstream_http_x_writ_decision_id;
      proxy_set_header X-Auth-User \$writ_user;
      proxy_set_header X-Writ-Decision-Id \$writ_decision;
      proxy_pass http://127.0.0.1:$UP;
    }
    location = /_writ_authz {
      internal;
      proxy_pass http://writ_decisions/v1/authz/nginx;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Host \$http_host;
    }
  }
}
CONF
nginx -c "$N/nginx.conf" || fail "nginx does not start: $(cat "$N/logs/error.log")"
trap 'kill "$(cat "$N/nginx.pid" 2>/dev/null)" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$N/nginx.pid" ] && break; sleep 0.05; done
sleep 0.2

# front METHOD PATH [curl args] -> STATUS, BODY, HDRS
front() {
  local m=$1 p=$2; shift 2
  STATUS=$(curl -s -o "$T/body" -D "$T/hdrs" -w '%{http_code}' -X "$m" "$@" \
    "http://127.0.0.1:$FRONT$p") || STATUS=000
  BODY=$(cat "$T/body"); HDRS=$(tr -d '\r' <"$T/hdrs")
}

front GET '/public/page?x=1' -H 'X-User: bob'
expect_status 200 "GET /public is allowed"
case $BODY in "upstream user=bob decision="*" uri=/public/page?x=1") ;; *) fail "upstream saw: $BODY" ;; esac
ok "the decision's x-auth-user header reached the upstream"
ID=$(printf '%s' "$BODY" | sed -n 's/.*decision=\([0-9a-f-]*\) .*/\1/p')
[ ${#ID} = 36 ] || fail "no decision id upstream: $BODY"
ok "the decision id reached the upstream"
front GET /public/page
case $BODY in "upstream user=anonymous "*) ok "no X-User: anonymous" ;; *) fail "upstream saw: $BODY" ;; esac
front POST /public/page -d x=1
expect_status 403 "POST /public is denied by method"
front GET /private
expect_status 403 "GET /private is denied: 403"
front GET /admin/panel
expect_status 401 "no Authorization on /admin: 401"
printf '%s' "$HDRS" | grep -qi '^www-authenticate: Bearer realm="writ"$' ||
  fail "no WWW-Authenticate from the decision: $HDRS"
ok "the 401 carries the decision's WWW-Authenticate"
front GET /admin/panel -H 'Authorization: Bearer wrong'
expect_status 403 "a wrong token on /admin: 403"
front GET /admin/panel -H 'Authorization: Bearer letmein'
expect_status 200 "the right token on /admin is allowed"
case $BODY in "upstream user=admin "*) ;; *) fail "upstream saw: $BODY" ;; esac
front GET /undefined/x
expect_status 500 "an undefined decision: nginx denies with 500"

# The decisions in the audit log, with the input nginx's request became.
e=$("$WRIT" audit query -type decision "$DEVDIR/audit.log" 2>/dev/null)
d=$(printf '%s\n' "$e" | jq -c "select(.decision.decision_id == \"$ID\") | .decision")
[ -n "$d" ] || fail "decision $ID not in the audit log: $e"
[ "$(printf '%s' "$d" | jq -r '.path, .allowed, .input.attributes.request.http.method,
  .input.attributes.request.http.path, .input.attributes.request.http.headers["x-user"],
  .input.attributes.request.http.host, (.input.parsed_path | join("/")),
  .input.parsed_query.x[0], .input.version.ext_authz' | tr '\n' ' ')" = \
  "envoy/authz/allow true GET /public/page?x=1 bob 127.0.0.1:$FRONT public/page 1 v3 " ] ||
  fail "logged decision: $d"
ok "the allowed decision is logged with an Envoy-shaped input"
[ "$(printf '%s' "$d" | jq -r '.input.attributes.request.http.headers | has("x-original-uri")')" = false ] ||
  fail "X-Original-URI leaked into the headers: $d"
ok "X-Original-* are not request headers"
[ "$(printf '%s\n' "$e" | jq -s '[.[] | select(.decision.allowed == false)] | length')" -ge 4 ] ||
  fail "denied decisions missing: $e"
ok "denied decisions are logged"
printf '%s\n' "$e" | jq -e 'select(.decision.error != null or (.decision | has("result") | not))' \
  >/dev/null || fail "the undefined decision is not logged: $e"
ok "the undefined decision is logged"

# The auth endpoint itself without X-Original-URI: refused.
dapi GET v1/authz/nginx; expect_status 400 "no X-Original-URI: 400"

# ---------------------------------------------------------------------------
# Envoy's HTTP mode: path_prefix /v1/authz/envoy, the original method, headers and body.
envoy() { # METHOD PATH [curl args]
  local m=$1 p=$2; shift 2
  STATUS=$(curl -s -o "$T/body" -D "$T/hdrs" -w '%{http_code}' -X "$m" "$@" \
    "http://$DADDR/v1/authz/envoy$p") || STATUS=000
  BODY=$(cat "$T/body"); HDRS=$(tr -d '\r' <"$T/hdrs")
}
envoy GET '/public/a?q=1' -H 'x-user: carol'
expect_status 200 "Envoy HTTP: GET /public is OK"
printf '%s' "$HDRS" | grep -qi '^x-auth-user: carol$' || fail "no x-auth-user: $HDRS"
printf '%s' "$HDRS" | grep -qi '^x-writ-decision-id: ' || fail "no decision id: $HDRS"
ok "Envoy HTTP: the decision's headers for allowed_upstream_headers"
envoy DELETE /public/a; expect_status 403 "Envoy HTTP: DELETE is denied"
[ "$BODY" = "denied by policy" ] || fail "deny body: $BODY"
ok "Envoy HTTP: the deny's body"
envoy GET /admin; expect_status 401 "Envoy HTTP: 401 from http_status"
envoy GET /undefined; expect_status 500 "Envoy HTTP: undefined decision: 500"
envoy GET '/a?b=%zz'; expect_status 400 "Envoy HTTP: a bad escape is a request_parse_error"
[ "$BODY" = 'request_parse_error: invalid URL escape "%zz"' ] || fail "parse error body: $BODY"

# The input, seen by a policy that allows and echoes it in a header.
dapi PUT v1/policies/echo 'package echo

import rego.v1

allow := {"allowed": true, "headers": {"x-input": json.marshal(input)}}'
expect_status 200 "an echo policy"
cat >"$T/echo.hcl" <<CONF
storage "sqlite" { path = "$T/echo.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
decision_listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
policy { authz_decision = "/echo/allow" }
CONF
out=$("$WRIT" server -config "$T/echo.hcl" -n) || fail "-n: $out"
ok "-n accepts policy.authz_decision"
stop_server
start_config "$T/echo.hcl"; wait_dport
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'
KEY=$(jqe '.keys[0]'); api PUT sys/unseal "{\"key\":\"$KEY\"}"
dapi PUT v1/policies/echo 'package echo

import rego.v1

allow := {"allowed": true, "headers": {"x-input": json.marshal(input)}}'
expect_status 200 "the echo policy on the configured server"
envoy POST '/p/a%20b/?k=v&k=w' -H 'X-Multi: 1' -H 'X-Multi: 2' \
  -H 'Content-Type: application/json' -d '{"n":1}'
expect_status 200 "Envoy HTTP with authz_decision = echo/allow"
in=$(printf '%s' "$HDRS" | sed -n 's/^[Xx]-[Ii]nput: //p')
[ "$(printf '%s' "$in" | jq -c '[.attributes.request.http.method, .attributes.request.http.path,
  .attributes.request.http.headers["x-multi"], .attributes.request.http.body,
  .parsed_path, .parsed_query, .parsed_body, .truncated_body, .version]')" = \
  '["POST","/p/a%20b/?k=v&k=w","1,2","{\"n\":1}",["p","a b",""],{"k":["v","w"]},{"n":1},false,{"encoding":"protojson","ext_authz":"v3"}]' ] ||
  fail "input: $in"
ok "Envoy HTTP: the input has the gRPC mode's shape"
stop_server
finish
