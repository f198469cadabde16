#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Governing policies on writ's own API: after the ACL allows a request, an operator's Rego
# policy (its own bundle directory, reloaded when it changes, unreachable from the decision
# listener) may refuse it with reasons: token creation deeper than two delegations, an
# agent's task that may not read payroll, secret reads outside working hours (hours from
# the bundle's data).  Refusals are 403 with the reasons, and recorded in the audit log; a
# governing policy that does not compile stops the server.
. "$(dirname "$0")/lib.sh"

G=$T/governing
mkdir -p "$G"
cat >"$G/governing.rego" <<'REGO'
package writ.governing

import rego.v1

deny contains "delegation chain too deep for token creation" if {
	input.request.path == "auth/token/create"
	input.token.delegation_depth >= 2
}

deny contains sprintf("task %s may not read payroll", [input.token.metadata.task]) if {
	startswith(input.request.path, "secret/data/payroll/")
	input.token.metadata.task == "returns"
}

deny contains "secret reads only in working hours" if {
	input.request.operation == "read"
	startswith(input.request.path, "secret/")
	[h, _, _] := time.clock([input.request.time_ns, "UTC"])
	not h >= data.writ.governing.hours[0]
}

deny contains "secret reads only in working hours" if {
	input.request.operation == "read"
	startswith(input.request.path, "secret/")
	[h, _, _] := time.clock([input.request.time_ns, "UTC"])
	not h < data.writ.governing.hours[1]
}
REGO
mkdir -p "$G/writ/governing"
echo '{"hours": [0, 24]}' >"$G/writ/governing/data.json"

cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
audit "file" { path = "$T/audit.log" }
governing {
  bundle_dir = "$G"
  reload_interval = "1s"
}
CONF
out=$("$WRIT" server -config "$T/writ.hcl" -n) || fail "-n: $out"
ok "-n accepts a governing block"
start_config "$T/writ.hcl"
grep -q "governing: writ/governing/deny from $G decides after the ACL" "$T/server.log" ||
  fail "governing not loaded: $(cat "$T/server.log")"
TOKEN=
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'; expect_status 200 "init"
KEY=$(jqe '.keys[0]'); ROOT=$(jqe .root_token)
api PUT sys/unseal "{\"key\":\"$KEY\"}"; expect_json .sealed false "unsealed"
TOKEN=$ROOT
api POST sys/mounts/secret '{"type":"kv-v2"}'; expect_status 204 "mount"
api POST secret/data/app '{"data":{"k":"v"}}'; expect_status 200 "root writes"
api POST secret/data/payroll/jan '{"data":{"total":"1"}}'; expect_status 200 "root writes payroll"

# Delegation depth: root -> A (1) -> B (2); B may not create tokens.
api POST auth/token/create '{"policies":["root"],"display_name":"a"}'; expect_status 200 "A"
A=$(jqe .auth.client_token)
TOKEN=$A
api POST auth/token/create '{"policies":["root"],"display_name":"b"}'; expect_status 200 "A creates B"
B=$(jqe .auth.client_token)
TOKEN=$B
api POST auth/token/create '{"policies":["root"]}'
expect_status 403 "B (two delegations deep) may not create a token"
printf '%s' "$BODY" | grep -q 'delegation chain too deep for token creation' || fail "reason: $BODY"
ok "the refusal says why"
api GET secret/data/app; expect_status 200 "B may still read"

# Metadata: an agent whose task is returns may not read payroll.
TOKEN=$ROOT
api POST auth/token/create '{"policies":["root"],"display_name":"returns-agent","meta":{"task":"returns"}}'
R=$(jqe .auth.client_token)
TOKEN=$R
api GET secret/data/payroll/jan; expect_status 403 "the returns agent may not read payroll"
printf '%s' "$BODY" | grep -q 'task returns may not read payroll' || fail "reason: $BODY"
api GET secret/data/app; expect_status 200 "the returns agent reads its own secret"

# Working hours from the bundle's data, reloaded: outside them no secret is read.
echo '{"hours": [25, 25]}' >"$G/writ/governing/data.json.new"
mv "$G/writ/governing/data.json.new" "$G/writ/governing/data.json"
TOKEN=$ROOT
for _ in $(seq 1 60); do
  api GET secret/data/app
  [ "$STATUS" = 403 ] && break
  sleep 0.1
done
expect_status 403 "after the reload no secret is read outside working hours, not even by root"
printf '%s' "$BODY" | grep -q 'secret reads only in working hours' || fail "reason: $BODY"
api POST secret/data/app '{"data":{"k":"v2"}}'; expect_status 200 "writes are not governed by that rule"
echo '{"hours": [0, 24]}' >"$G/writ/governing/data.json.new"
mv "$G/writ/governing/data.json.new" "$G/writ/governing/data.json"
for _ in $(seq 1 60); do
  api GET secret/data/app
  [ "$STATUS" = 200 ] && break
  sleep 0.1
done
expect_status 200 "back within working hours"

# The refusals are in the audit log with their reasons.
n=$("$WRIT" audit query -outcome denied "$T/audit.log" 2>/dev/null | jq -r .error | sort -u)
printf '%s\n' "$n" | grep -q 'delegation chain too deep' || fail "audit: $n"
printf '%s\n' "$n" | grep -q 'may not read payroll' || fail "audit: $n"
ok "governing refusals are in the audit log"
stop_server

# A governing policy that does not compile stops the server.
echo 'package writ.governing
deny contains "x" if {' >"$G/broken.rego"
if "$WRIT" server -config "$T/writ.hcl" >"$T/out" 2>&1; then fail "started with a broken governing policy"; fi
grep -q "broken.rego:" "$T/out" || fail "no file in the error: $(cat "$T/out")"
ok "a governing policy that does not compile stops the server with file:row"
finish
