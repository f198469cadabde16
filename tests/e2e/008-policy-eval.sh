#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `writ policy eval` and `writ policy test` on a small RBAC policy with data
# in a directory tree and a YAML file, as opa eval and opa test are used.
. "$(dirname "$0")/lib.sh"

P=$T/policy
mkdir -p "$P/rbac" "$P/roles"
cat >"$P/rbac/authz.rego" <<'REGO'
package rbac

import rego.v1

default allow := false

allow if {
	some role in data.bindings[input.user]
	some grant in data.roles[role]
	grant.action == input.action
	glob.match(grant.resource, ["/"], input.resource)
}
REGO
cat >"$P/rbac/authz_test.rego" <<'REGO'
package rbac

import rego.v1

test_alice_reads if allow with input as {"user": "alice", "action": "read", "resource": "/models/a"}

test_bob_cannot_write if not allow with input as {"user": "bob", "action": "write", "resource": "/models/a"}

todo_later if false
REGO
echo '{"bindings": {"alice": ["reader"], "bob": ["reader"]}}' >"$P/data.json"
cat >"$P/roles/data.yaml" <<'YAML'
reader:
  - action: read
    resource: /models/*
YAML
echo '{"user": "alice", "action": "read", "resource": "/models/a"}' >"$T/input.json"

out=$("$WRIT" policy eval -d "$P" -i "$T/input.json" 'data.rbac.allow') || fail "eval: $out"
[ "$(printf '%s' "$out" | jq -c '.result[0].expressions[0].value')" = true ] || fail "eval result: $out"
ok "policy eval: data from a directory tree (JSON and YAML) and an input file"

out=$("$WRIT" policy eval -d "$P" 'data.rbac.allow' --format pretty) || fail "eval pretty: $out"
[ "$out" = false ] || fail "pretty output without input: $out"
ok "policy eval --format pretty prints the value"

out=$("$WRIT" policy eval -d "$P" 'data.nothing.here') || fail "undefined: $out"
[ "$out" = '{}' ] || fail "undefined query output: $out"
"$WRIT" policy eval -d "$P" --fail 'data.nothing.here' >/dev/null && fail "--fail on undefined exited 0"
ok "an undefined query prints {} and --fail makes it exit 1"

out=$("$WRIT" policy eval 'x := ' 2>&1) && fail "a bad query exited 0: $out"
printf '%s' "$out" | jq -e '.errors[0].code' >/dev/null || fail "errors shape: $out"
ok "an error is reported as {errors: [{code, message}]} with exit 1"

cat >"$T/print.rego" <<'REGO'
package dbg

import rego.v1

p if {
	print("user is", input.user, "missing is", input.nope)
	input.user == "alice"
}
REGO
"$WRIT" policy eval -d "$T/print.rego" -i "$T/input.json" 'data.dbg.p' >/dev/null 2>"$T/print.err" \
  || fail "eval with print failed"
grep -qx 'user is alice missing is <undefined>' "$T/print.err" || fail "print output: $(cat "$T/print.err")"
ok "print() writes its operands to stderr, <undefined> for an undefined one"

cat >"$T/trace.rego" <<'REGO'
package dbg

import rego.v1

t if {
	trace("checking the user")
	input.user == "alice"
}
REGO
out=$("$WRIT" policy eval -d "$T/trace.rego" -i "$T/input.json" --explain notes 'data.dbg.t') \
  || fail "eval --explain notes: $out"
printf '%s' "$out" | jq -e '.result[0].expressions[0].value == true' >/dev/null \
  || fail "--explain changed the result: $out"
[ "$(printf '%s' "$out" | jq -c '[.explanation[] | [.op, .type, .node, .message]]')" = \
  '[["Enter","body","data.dbg.t",null],["Enter","rule","data.dbg.t",null],["Note","",null,"checking the user"]]' ] \
  || fail "notes explanation: $out"
out=$("$WRIT" policy eval -d "$T/trace.rego" -i "$T/input.json" --format pretty --explain=full \
  'data.dbg.t') || fail "eval --explain=full --format pretty: $out"
printf '%s\n' "$out" | head -1 | grep -qE '^query:1 +Enter data\.dbg\.t$' || fail "pretty trace: $out"
printf '%s\n' "$out" | grep -qE 'trace\.rego:6 +\| \| Note "checking the user"$' || fail "pretty note: $out"
[ "$(printf '%s\n' "$out" | tail -1)" = true ] || fail "pretty result after the trace: $out"
"$WRIT" policy eval -d "$T/trace.rego" 'data.dbg.t' 2>&1 | grep -q 'checking' && fail "trace() printed untraced"
"$WRIT" policy eval --explain sideways 'true' >/dev/null 2>&1 && fail "a bad --explain mode was accepted"
ok "policy eval --explain: notes in the JSON explanation, full as pretty lines before the result"

out=$("$WRIT" policy test -v "$P") || fail "policy test: $out"
printf '%s' "$out" | grep -q 'data.rbac.test_alice_reads: PASS' || fail "test output: $out"
printf '%s' "$out" | grep -q '^PASS: 2/3' || fail "summary: $out"
printf '%s' "$out" | grep -q '^SKIPPED: 1/3' || fail "todo_ counted as skipped: $out"
ok "policy test runs test_ rules, counts todo_ as skipped"

cat >"$P/rbac/fail_test.rego" <<'REGO'
package rbac

import rego.v1

test_wrong if allow with input as {"user": "bob", "action": "write", "resource": "/x"}
REGO
out=$("$WRIT" policy test "$P") && fail "a failing test exited 0: $out"
printf '%s' "$out" | grep -q 'data.rbac.test_wrong: FAIL' || fail "failure not reported: $out"
out=$("$WRIT" policy test --run 'alice' "$P") || fail "--run: $out"
printf '%s' "$out" | grep -q '^PASS: 1/1' || fail "--run did not select one test: $out"
ok "a failing test exits 1; --run selects tests by name"
finish
