#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# writ policy push, list and decide against `writ server -dev`'s decision listener: a
# directory of modules that need one another, data at the root and below a path, compile
# errors shown as file:line:col with the source line, decisions with -i, -input-json,
# -explain, -fail and -fail-defined, JSON output, and the address from WRIT_DECISION_ADDR.
. "$(dirname "$0")/lib.sh"

start_dev
export WRIT_DECISION_ADDR=http://$DADDR

mkdir -p "$T/p/authz" "$T/p/lib"
# authz needs lib, which sorts after it: push retries until both compile.
cat >"$T/p/authz/rbac.rego" <<'REGO'
package authz

import rego.v1

default allow := false

allow if data.lib.admin(input.user)

allow if input.user == "alice"

reason := sprintf("%s is %s", [input.user, data.roles[input.user]]) if data.roles[input.user]
REGO
cat >"$T/p/lib/util.rego" <<'REGO'
package lib

import rego.v1

admin(u) if data.roles[u] == "admin"
REGO
echo 'not rego' >"$T/p/README.md"
echo '{"roles": {"carol": "admin", "dave": "viewer"}}' >"$T/roles.json"

out=$("$WRIT" policy push -d "$T/roles.json" "$T/p") || fail "push: $out"
grep -q 'Uploaded policy: authz/rbac.rego' <<<"$out" || fail "push output: $out"
grep -q 'Uploaded policy: lib/util.rego' <<<"$out" || fail "push output: $out"
grep -q 'Uploaded data: ' <<<"$out" || fail "push output: $out"
ok "push of a directory with -d"

out=$("$WRIT" policy list) || fail "list: $out"
[ "$out" = $'authz/rbac.rego\nlib/util.rego' ] || fail "list: $out"
ok "list: one id a line"
BODY=$("$WRIT" policy list -format json) || fail "list -format json"
expect_json '.result[1].raw | startswith("package lib")' true "list -format json has the text"

out=$("$WRIT" policy decide -input-json '{"user":"carol"}' authz/allow) || fail "decide: $out"
[ "$(head -1 <<<"$out")" = true ] || fail "decide carol: $out"
grep -Eq '^decision_id: [0-9a-f-]{36}$' <<<"$out" || fail "no decision_id: $out"
ok "decide: result and decision_id"
echo '{"user":"dave"}' >"$T/in.json"
out=$("$WRIT" policy decide -i "$T/in.json" data.authz.allow) || fail "decide dave: $out"
[ "$(head -1 <<<"$out")" = false ] || fail "decide dave: $out"
ok "decide -i FILE with a data.a.b path"
out=$("$WRIT" policy decide -i - authz/reason <"$T/in.json") || fail "decide stdin: $out"
[ "$(head -1 <<<"$out")" = '"dave is viewer"' ] || fail "decide reason: $out"
ok "decide -i - reads stdin"

# Undefined: 0, or 1 with -fail; defined with -fail-defined: 1.
out=$("$WRIT" policy decide -input-json '{"user":"zed"}' authz/reason) || fail "undefined: $out"
[ "$(head -1 <<<"$out")" = undefined ] || fail "undefined: $out"
ok "undefined prints undefined, exit 0"
rc=0; "$WRIT" policy decide -fail -input-json '{"user":"zed"}' authz/reason >/dev/null || rc=$?
[ "$rc" = 1 ] || fail "-fail on undefined: exit $rc"
ok "-fail: undefined exits 1"
rc=0; "$WRIT" policy decide --fail-defined -input-json '{}' authz/allow >/dev/null || rc=$?
[ "$rc" = 1 ] || fail "--fail-defined on a defined result: exit $rc"
ok "--fail-defined: defined exits 1"
rc=0; "$WRIT" policy decide --fail-defined -input-json '{"user":"zed"}' authz/reason >/dev/null ||
  rc=$?
[ "$rc" = 0 ] || fail "--fail-defined on undefined: exit $rc"
ok "--fail-defined: undefined exits 0"

BODY=$("$WRIT" policy decide -format json -input-json '{"user":"alice"}' authz) ||
  fail "decide -format json"
expect_json .result.allow true "decide -format json prints the reply"
jqe .decision_id | grep -Eq '^[0-9a-f-]{36}$' || fail "no decision_id: $BODY"
BODY=$("$WRIT" policy decide -format json -explain full -input-json '{"user":"carol"}' \
  authz/allow) || fail "decide -explain full -format json"
expect_json '.explanation[0].op' enter "-explain full: OPA's events"
out=$("$WRIT" policy decide -explain full -input-json '{"user":"carol"}' authz/allow) ||
  fail "decide -explain full"
grep -q 'Enter data.authz.allow' <<<"$out" || fail "-explain: no trace lines: $out"
[ "$(grep -v '^decision_id' <<<"$out" | tail -1)" = true ] || fail "-explain: result: $out"
ok "-explain full prints the trace before the result"

# Data below a path, replacing what is there.
echo '{"carol": "viewer"}' >"$T/roles2.json"
"$WRIT" policy push -d "$T/roles2.json" -data-path roles >/dev/null || fail "push -data-path"
out=$("$WRIT" policy decide -input-json '{"user":"carol"}' authz/allow)
[ "$(head -1 <<<"$out")" = false ] || fail "after -data-path: $out"
ok "push -d -data-path PATH"

# A module that does not compile: file:line:col with the source line, exit 1.
printf 'package bad\n\nallow if {\n\tinput.x ==\n}\n' >"$T/bad.rego"
rc=0; out=$("$WRIT" policy push "$T/bad.rego" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "bad module: exit $rc: $out"
grep -q "^$T/bad.rego:[0-9]*:[0-9]*: rego_parse_error: " <<<"$out" || fail "no file:row: $out"
grep -q 'invalid_parameter: error(s) occurred while compiling module(s)' <<<"$out" ||
  fail "no server message: $out"
ok "compile errors as file:line:col"
printf 'package bad2\n\nimport rego.v1\n\nallow if data.nolib.f(1)\n' >"$T/bad2.rego"
rc=0; out=$("$WRIT" policy push "$T/bad2.rego" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "bad2: exit $rc: $out"
grep -q "^$T/bad2.rego:5:[0-9]*: rego_" <<<"$out" || fail "bad2: $out"
grep -q 'allow if data.nolib.f(1)' <<<"$out" || fail "bad2: no source line: $out"
ok "a compile (not parse) error shows the source line"

# Errors: usage, transport, bad input.
rc=0; "$WRIT" policy decide >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "decide without PATH: exit $rc"
rc=0; "$WRIT" policy decide -input-json '{' authz/allow >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "bad -input-json: exit $rc"
rc=0; "$WRIT" policy decide -explain lots authz/allow >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "bad -explain: exit $rc"
rc=0; out=$("$WRIT" policy list -decision-address http://127.0.0.1:1 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "unreachable listener: exit $rc: $out"
ok "usage (2), bad input and transport errors (1)"

echo "1..$npass"
