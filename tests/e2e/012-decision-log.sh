#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Decision logs: every decision of the decision listener is a hash-chained "decision" entry
# in the audit log, with the decision_id the caller got, the caller, the bundle revision,
# whether it allowed; the mask policy (data.system.log.mask) erases and overwrites secrets
# in the input before it is written; decision_log_input = "hmac" logs only the input's HMAC;
# an investigator finds the decisions with `writ audit query`, and the log verifies.
. "$(dirname "$0")/lib.sh"

start_dev
LOG=$DEVDIR/audit.log
q() { "$WRIT" audit query "$@" "$LOG" 2>/dev/null; }

AUTHZ='package authz

import rego.v1

default allow := false

allow if input.agent == "support-1"
'
MASK='package system.log

import rego.v1

mask contains "/input/api_key"

mask contains {"op": "upsert", "path": "/input/password", "value": "**REDACTED**"} if input.input.password
'
dapi PUT v1/policies/authz "$AUTHZ"; expect_status 200 "policy"
dapi PUT v1/policies/mask "$MASK"; expect_status 200 "mask policy"

dapi POST v1/data/authz/allow '{"input":{"agent":"support-1","api_key":"sk-live-123","password":"hunter2"}}'
expect_status 200 "an allowed decision"
ID1=$(jqe .decision_id)
dapi POST v1/data/authz/allow '{"input":{"agent":"returns-7"}}'
expect_json .result false "a denied decision"
ID2=$(jqe .decision_id)

e=$(q -type decision -request-id "$ID1")
[ -n "$e" ] || fail "decision $ID1 not in the audit log: $(q -type decision)"
[ "$(printf '%s' "$e" | jq -r .decision.path)" = authz/allow ] || fail "path: $e"
[ "$(printf '%s' "$e" | jq -r .decision.allowed)" = true ] || fail "allowed: $e"
[ "$(printf '%s' "$e" | jq -r .caller.remote_address)" = 127.0.0.1 ] || fail "caller: $e"
ok "the decision is logged with its id, path, caller and outcome"
printf '%s' "$e" | grep -q 'sk-live-123' && fail "the API key reached the log: $e"
printf '%s' "$e" | grep -q 'hunter2' && fail "the password reached the log: $e"
[ "$(printf '%s' "$e" | jq -r .decision.input.password)" = '**REDACTED**' ] || fail "upsert: $e"
[ "$(printf '%s' "$e" | jq -c .decision.erased)" = '["/input/api_key"]' ] || fail "erased: $e"
[ "$(printf '%s' "$e" | jq -c .decision.masked)" = '["/input/password"]' ] || fail "masked: $e"
[ "$(printf '%s' "$e" | jq -r .decision.input.agent)" = support-1 ] || fail "input: $e"
ok "the mask policy erased the key and overwrote the password"
grep -q 'sk-live-123\|hunter2' "$LOG" && fail "a secret is somewhere in the audit log"
ok "no secret anywhere in the audit log"

n=$(q -type decision -outcome denied | jq -r .decision.decision_id)
[ "$n" = "$ID2" ] || fail "denied decisions: $n"
ok "the denied decision found by outcome"
n=$(q -type decision -path 'authz/*' | wc -l)
[ "$n" = 2 ] || fail "decisions under authz/: $n"
ok "decisions found by path"

# The default decision (POST /) and an undefined document are decisions too.
dapi POST "" '{"agent":"support-1"}'
[ "$STATUS" = 404 ] || fail "POST / without system.main: $STATUS $BODY"
n=$(q -type decision -path system/main | wc -l)
[ "$n" = 1 ] || fail "default decision entries: $n"
ok "an undefined default decision is logged"
"$WRIT" audit verify "$LOG" -pubkey "$DEVDIR/audit.log.pub" >/dev/null || fail "the log does not verify"
ok "the audit log verifies"
stop_server

# decision_log_input = "hmac": the input only as its HMAC under the device's key.
cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
decision_listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
audit "file" { path = "$T/audit.log" }
policy {
  decision_log_input = "hmac"
}
CONF
start_config "$T/writ.hcl"; wait_dport
TOKEN=
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'; expect_status 200 "init"
KEY=$(jqe '.keys[0]')
api PUT sys/unseal "{\"key\":\"$KEY\"}"; expect_json .sealed false "unsealed"
dapi PUT v1/policies/authz "$AUTHZ"; expect_status 200 "policy"
dapi POST v1/data/authz/allow '{"input":{"agent":"support-1","note":"private-words"}}'
expect_json .result true "a decision"
e=$("$WRIT" audit query -type decision "$T/audit.log" 2>/dev/null)
[ "$(printf '%s' "$e" | jq -r '.decision.input_hmac | startswith("hmac-sha256:")')" = true ] ||
  fail "no input_hmac: $e"
printf '%s' "$e" | grep -q 'private-words' && fail "the input reached the log: $e"
ok "decision_log_input = hmac logs the input's HMAC only"
stop_server

cat >"$T/bad.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
policy {
  decision_log_input = "some"
}
CONF
if out=$("$WRIT" server -config "$T/bad.hcl" -n 2>&1); then fail "a bad decision_log_input passed: $out"; fi
printf '%s' "$out" | grep -q 'decision_log_input must be' || fail "message: $out"
ok "a bad decision_log_input is a configuration error"
finish
