#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# OPA's REST API on the decision listener: every endpoint with OPA's status codes, error
# shapes and result shapes (writ server -dev); a bundle directory reloaded while requests
# run, a broken bundle keeping the old one; policies and data surviving a restart, and a
# sealed server refusing decisions until it is unsealed.
. "$(dirname "$0")/lib.sh"

start_dev

# ---------------------------------------------------------------------------
# Health, policies, decisions.
dapi GET health; expect_status 200 "GET /health"
[ "$BODY" = '{}' ] || fail "health body: $BODY"

RBAC='package authz

import rego.v1

default allow := false

allow if data.users[input.user].admin

allow if input.user == "alice"
'
dapi PUT v1/policies/authz "$RBAC"; expect_status 200 "PUT /v1/policies/authz"
[ "$BODY" = '{}' ] || fail "policy put body: $BODY"
dapi PUT v1/policies/authz "$RBAC"; expect_status 200 "PUT of the same module again"

dapi POST v1/data/authz/allow '{"input":{"user":"alice"}}'
expect_json .result true "POST /v1/data/authz/allow: allowed"
jqe .decision_id | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' ||
  fail "decision_id is not a UUID: $BODY"
ok "decision_id is a UUID"
dapi POST v1/data/authz/allow '{"input":{"user":"bob"}}'; expect_json .result false "bob is denied"
dapi GET v1/data/authz/allow; expect_json .result false "GET /v1/data without input"
dapi POST v1/data/authz/allow ''
expect_json .warning.code api_usage_warning "no input: OPA's api_usage_warning"
expect_json .warning.message "'input' key missing from the request" "the warning's message"
dapi POST v1/data/nothing/here '{"input":{}}'; expect_status 200 "an undefined document is 200"
expect_json 'has("result")' false "an undefined document has no result"
expect_json 'has("decision_id")' true "an undefined document still has a decision_id"
dapi POST v1/data/authz '{"input":{"user":"alice"}}'; expect_json .result.allow true "a package's document"

dapi POST 'v1/data/authz/allow?pretty' '{"input":{"user":"alice"}}'
printf '%s' "$BODY" | grep -q '^  "result": true' || fail "pretty body: $BODY"
ok "?pretty indents"
dapi POST 'v1/data/authz/allow?metrics' '{"input":{"user":"alice"}}'
expect_json '.metrics.timer_rego_query_eval_ns > 0' true "?metrics has timer_rego_query_eval_ns"
expect_json '.metrics.counter_server_query_cache_hit' 1 "the prepared query came from the cache"
dapi POST 'v1/data/authz/allow?provenance' '{"input":{}}'
expect_json '.provenance | has("version") and has("build_commit")' true "?provenance has the version"
dapi POST 'v1/data/authz/allow?explain=full' '{"input":{}}'
expect_status 200 "?explain=full"
expect_json '.explanation[0].op' enter "?explain: OPA's events, ops lowercased"
expect_json '[.explanation[] | select(.op == "fail")] | length > 0' true "?explain: the fail event"
dapi GET 'v1/data/authz/allow?explain=notes&pretty'
expect_json '.explanation | type' array "?explain&pretty: the trace's lines"

# The default decision (POST /, default data.system.main): the bare input, the bare value.
dapi POST '' '{"user":"alice"}'; expect_status 404 "POST / before system.main exists"
expect_json .code undefined_document "undefined_document"
expect_json .message "document missing or undefined: data.system.main" "undefined message"
dapi PUT v1/policies/main 'package system
main := {"allowed": data.authz.allow}'
expect_status 200 "PUT the default decision's policy"
dapi POST '' '{"user":"alice"}'; expect_status 200 "POST /"
[ "$(printf '%s' "$BODY" | jq -c .)" = '{"allowed":true}' ] || fail "POST / body: $BODY"
ok "POST / returns the bare value"

# ---------------------------------------------------------------------------
# The policy API.
dapi GET v1/policies; expect_json '[.result[].id] | join(",")' "authz,main" "GET /v1/policies"
dapi GET v1/policies/authz; expect_json .result.raw "${RBAC%$'\n'}" "GET /v1/policies/authz"
dapi GET v1/policies/nope; expect_status 404 "a missing policy"
expect_json .code resource_not_found "missing policy: resource_not_found"
expect_json .message 'storage_not_found_error: policy id "nope"' "missing policy: OPA's message"
dapi PUT v1/policies/bad 'package bad

allow if {'
expect_status 400 "a module that does not parse"
expect_json .code invalid_parameter "compile error: invalid_parameter"
expect_json .message "error(s) occurred while compiling module(s)" "compile error: OPA's message"
expect_json '.errors[0].code' rego_parse_error "compile error: rego_parse_error"
expect_json '.errors[0].location.file' bad "compile error: the location names the policy id"
dapi GET v1/policies/bad; expect_status 404 "a refused module is not stored"
dapi PUT v1/policies/lib 'package lib
f(x) := x * 2'
dapi PUT v1/policies/use 'package use
y := data.lib.f(21)'
dapi GET v1/data/use/y; expect_json .result 42 "a module using another"
dapi DELETE v1/policies/lib; expect_status 400 "deleting a module another needs"
expect_json .code invalid_operation "that is invalid_operation"
dapi DELETE v1/policies/use; expect_status 200 "DELETE /v1/policies/use"
dapi DELETE v1/policies/lib; expect_status 200 "DELETE /v1/policies/lib"
dapi DELETE v1/policies/lib; expect_status 404 "DELETE of a missing policy"
dapi POST v1/policies '{}'; expect_status 405 "POST /v1/policies is not allowed"

# An evaluation error is 500 with the engine's error.
dapi PUT v1/policies/c 'package c
import rego.v1
x := 1 if input.a
x := 2 if input.b'
dapi POST v1/data/c/x '{"input":{"a":true,"b":true}}'; expect_status 500 "an evaluation error"
expect_json .code internal_error "evaluation error: internal_error"
expect_json '.errors[0].code' eval_conflict_error "evaluation error: eval_conflict_error"

# ---------------------------------------------------------------------------
# The data API.
dapi PUT v1/data/users '{"carol": {"admin": true}, "limit": 0.1}'; expect_status 204 "PUT /v1/data/users"
dapi POST v1/data/authz/allow '{"input":{"user":"carol"}}'; expect_json .result true "data drives the decision"
dapi GET v1/data/users/limit
printf '%s' "$BODY" | grep -q '"result":0.1,' || fail "number not kept as written: $BODY"
ok "numbers keep their text"
DAPI_EXTRA=(-H 'If-None-Match: *')
dapi PUT v1/data/users '{}'; expect_status 304 "If-None-Match: * on an existing document"
DAPI_EXTRA=()
dapi PATCH v1/data/users '[{"op":"add","path":"/dave","value":{"admin":true}},{"op":"remove","path":"/carol"}]'
expect_status 204 "PATCH /v1/data/users (JSON patch)"
dapi POST v1/data/authz/allow '{"input":{"user":"dave"}}'; expect_json .result true "patched in"
dapi POST v1/data/authz/allow '{"input":{"user":"carol"}}'; expect_json .result false "patched out"
dapi PATCH v1/data/users '[{"op":"move","from":"/a","path":"/b"}]'; expect_status 400 "unsupported patch op"
dapi PATCH v1/data/users '[{"op":"remove","path":"/nobody"}]'; expect_status 404 "patch of a missing path"
dapi DELETE v1/data/users/dave; expect_status 204 "DELETE /v1/data/users/dave"
dapi DELETE v1/data/users/dave; expect_status 404 "DELETE of a missing document"
expect_json .code resource_not_found "missing document: resource_not_found"
expect_json .message "storage_not_found_error: /users/dave: document does not exist" "OPA's message"
dapi PUT v1/data/authz/allow 'true'; expect_status 400 "data may not shadow a policy's rules"
dapi PUT v1/data/users '{"a":'; expect_status 400 "PUT of malformed JSON"

# ---------------------------------------------------------------------------
# Bad requests.
dapi POST v1/data/authz/allow '{"input": '; expect_status 400 "malformed JSON body"
expect_json .code invalid_parameter "malformed body: invalid_parameter"
expect_json .message "body contains malformed input document" "malformed body: OPA's message"
dapi POST v1/data/authz/allow '[1,2]'; expect_status 400 "a body that is not an object"
dapi GET v1/unknown; expect_status 404 "an unknown path"
dapi DELETE health; expect_status 405 "DELETE /health"
deep=$(printf '%.0s[' $(seq 1 600))$(printf '%.0s]' $(seq 1 600))
dapi POST v1/data/authz/allow "{\"input\": $deep}"; expect_status 400 "an input nested too deeply"

# Keep-alive: many decisions on one connection.
urls=(); for i in $(seq 1 20); do urls+=("http://$DADDR/v1/data/authz/allow"); done
n=$(curl -s -d '{"input":{"user":"alice"}}' -w '%{num_connects}\n' "${urls[@]}" | grep -c '^{"result":true' || true)
[ "$n" = 20 ] || fail "keep-alive decisions: $n of 20"
ok "20 decisions over keep-alive"
stop_server

# ---------------------------------------------------------------------------
# A bundle directory, reloaded while decisions run.
B=$T/bundle
mkdir -p "$B/app"
write_bundle() { # REVISION ALLOW
  printf '{"revision": "%s", "roots": ["app"]}' "$1" >"$B/.manifest.new"
  printf 'package app\nimport rego.v1\ndefault allow := false\nallow if input.user == "%s"\nversion := "%s"\n' \
    "$2" "$1" >"$B/app/policy.rego.new"
  mv "$B/app/policy.rego.new" "$B/app/policy.rego"
  mv "$B/.manifest.new" "$B/.manifest"
}
write_bundle v1 alice
echo '{"roles": ["reader"]}' >"$B/app/data.json"
cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/bundle.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
decision_listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
policy {
  bundle_dir = "$B"
  default_decision = "/app/allow"
  reload_interval = "1s"
}
CONF
"$WRIT" server -config "$T/writ.hcl" -n | grep -q 'configuration OK' || fail "config check"
start_config "$T/writ.hcl"
wait_dport
dapi GET v1/data/app/version; expect_json .result v1 "bundle v1 loaded at start"
dapi GET 'v1/data/app/version?provenance'
expect_json ".provenance.bundles[\"$B\"].revision" v1 "provenance has the bundle's revision"
dapi GET 'health?bundles'; expect_status 200 "GET /health?bundles"
dapi POST '' '{"user":"alice"}'; [ "$BODY" = true ] || fail "default_decision from the config: $BODY"
ok "default_decision from the config"
dapi PUT v1/data/app/x '1'; expect_status 400 "the bundle's roots are not the API's"
dapi PUT v1/policies/x 'package app.more'; expect_status 400 "nor are its packages"
dapi PUT v1/data/other '1'; expect_status 503 "an uninitialised store keeps no API changes"

# Decisions on 4 keep-alive connections while the bundle changes under them.
urls=(); for i in $(seq 1 50); do urls+=("http://$DADDR/v1/data/app/version"); done
racers=()
for c in 1 2 3 4; do
  (while [ ! -e "$T/stop" ]; do curl -s -d '{"input":{}}' -w '\n' "${urls[@]}"; done) >"$T/race.$c" &
  racers+=($!)
done
sleep 0.5
write_bundle v2 bob
for i in $(seq 1 60); do
  dapi GET v1/data/app/version; [ "$(jqe .result)" = v2 ] && break; sleep 0.1
done
expect_json .result v2 "bundle v2 active after the change"
sleep 0.5
touch "$T/stop"
wait "${racers[@]}" 2>/dev/null || true
total=$(cat "$T"/race.* | grep -c . || true)
good=$(cat "$T"/race.* | grep -Ec '^\{"result":"v[12]","decision_id":"[0-9a-f-]{36}"\}$' || true)
v1=$(cat "$T"/race.* | grep -c '"result":"v1"' || true)
v2=$(cat "$T"/race.* | grep -c '"result":"v2"' || true)
[ "$good" = "$total" ] && [ "$v1" -gt 0 ] && [ "$v2" -gt 0 ] ||
  fail "decisions during the reload: $good good of $total ($v1 v1, $v2 v2): $(cat "$T"/race.* | grep -Ev '"result":"v[12]"' | head -3)"
ok "$total decisions during the reload ($v1 by v1, $v2 by v2), none failed"
dapi POST '' '{"user":"bob"}'; [ "$BODY" = true ] || fail "v2 decides: $BODY"
ok "the new bundle decides"

# A broken bundle: logged, the old one keeps serving.
printf 'package app\nallow if {\n' >"$B/app/policy.rego.new"; mv "$B/app/policy.rego.new" "$B/app/policy.rego"
for i in $(seq 1 60); do grep -q 'not reloaded' "$T/server.log" && break; sleep 0.1; done
grep -q 'not reloaded, the old one stays.*policy.rego' "$T/server.log" || fail "no reload error logged"
ok "a bundle that does not compile is logged"
dapi GET v1/data/app/version; expect_json .result v2 "and v2 keeps serving"
write_bundle v3 carol
for i in $(seq 1 60); do
  dapi GET v1/data/app/version; [ "$(jqe .result)" = v3 ] && break; sleep 0.1
done
expect_json .result v3 "a fixed bundle is picked up again"
stop_server

# ---------------------------------------------------------------------------
# Persistence: policies and data pushed through the API survive a restart.
cat >"$T/persist.hcl" <<CONF
storage "sqlite" { path = "$T/persist.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
decision_listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
CONF
start_config "$T/persist.hcl"; wait_dport
TOKEN=
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'; expect_status 200 "init"
KEY=$(jqe '.keys[0]')
api PUT sys/unseal "{\"key\":\"$KEY\"}"; expect_json .sealed false "unsealed"
dapi PUT v1/policies/authz "$RBAC"; expect_status 200 "PUT a policy into the store"
dapi PUT v1/data/users '{"erin": {"admin": true}}'; expect_status 204 "PUT data into the store"
stop_server
if grep -aq 'erin' "$T/persist.db"* 2>/dev/null; then fail "data stored in clear text"; fi
ok "stored data is encrypted"
start_config "$T/persist.hcl"; wait_dport
dapi POST v1/data/authz/allow '{"input":{"user":"erin"}}'; expect_status 503 "sealed: no decisions"
dapi GET health; expect_status 500 "sealed: /health is 500"
expect_json .error "writ is sealed" "sealed: /health says why"
api PUT sys/unseal "{\"key\":\"$KEY\"}"; expect_json .sealed false "unsealed after restart"
dapi POST v1/data/authz/allow '{"input":{"user":"erin"}}'; expect_json .result true "stored policy and data after restart"
dapi GET v1/policies/authz; expect_json .result.raw "${RBAC%$'\n'}" "the stored module's text"
stop_server
finish
