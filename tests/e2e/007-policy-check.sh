#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `writ policy fmt` and `writ policy check` on local Rego files (no server):
# canonical formatting to stdout, -l, --diff and -w; check of clean files and
# directories (exit 0), of v0 syntax, syntax errors and duplicate defaults
# (file:line:col: code: message, the source line and a caret; exit 1).
# eval and test have their own test (008).
. "$(dirname "$0")/lib.sh"

P=$T/policies
mkdir -p "$P/sub"

cat >"$P/messy.rego" <<'REGO'
package   authz
import data.roles
import  rego.v1
default allow:=false
allow if { input.user=="alice" ; some r in data.roles[input.user]
r=="admin" }
REGO

cat >"$P/clean.rego" <<'REGO'
package authz

import data.roles

default allow := false

allow if {
	input.user == "alice" # the admin
	some r in roles[input.user]
}
REGO
cp "$P/clean.rego" "$P/sub/also-clean.rego"
echo "not rego" >"$P/sub/notes.txt"

want=$(cat <<'REGO'
package authz

import data.roles
import rego.v1

default allow := false

allow if {
	input.user == "alice"
	some r in data.roles[input.user]
	r == "admin"
}
REGO
)

# fmt to stdout.
got=$("$WRIT" policy fmt "$P/messy.rego") || fail "fmt exited $?"
[ "$got" = "$want" ] || fail "fmt output differs:
$got"
ok "fmt prints the canonical form"
got=$("$WRIT" policy fmt "$P/clean.rego")
[ "$got" = "$(cat "$P/clean.rego")" ] || fail "fmt changed a formatted file"
ok "fmt leaves a formatted file as it is"
got=$("$WRIT" policy fmt - <"$P/messy.rego")
[ "$got" = "$want" ] || fail "fmt - (stdin) differs"
ok "fmt reads stdin"

# -l lists what would change; --diff shows how.
got=$("$WRIT" policy fmt -l "$P")
[ "$got" = "$P/messy.rego" ] || fail "fmt -l listed: $got"
ok "fmt -l lists only the unformatted file, searching directories"
"$WRIT" policy fmt --diff "$P/messy.rego" >"$T/diff"
grep -q '^-default allow:=false$' "$T/diff" || fail "diff lacks the old line: $(cat "$T/diff")"
grep -q '^+default allow := false$' "$T/diff" || fail "diff lacks the new line"
grep -q '^ package authz$' "$T/diff" && fail "diff kept an unchanged line that changed"
ok "fmt --diff shows removed and added lines"

# -w rewrites in place, and a second run changes nothing.
cp "$P/messy.rego" "$T/w.rego"
"$WRIT" policy fmt -w "$T/w.rego" >"$T/out" || fail "fmt -w exited $?"
[ ! -s "$T/out" ] || fail "fmt -w printed something"
[ "$(cat "$T/w.rego")" = "$want" ] || fail "fmt -w wrote: $(cat "$T/w.rego")"
[ -z "$("$WRIT" policy fmt -l "$T/w.rego")" ] || fail "fmt -w result is not stable"
ls "$T" | grep -q writfmt && fail "fmt -w left a temporary file"
ok "fmt -w rewrites the file, idempotently"

# check: clean files and directories.
"$WRIT" policy check "$P" 2>"$T/err" || fail "check of clean files exited $?: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "check of clean files printed: $(cat "$T/err")"
ok "check exits 0 on clean files"

# check: v0 syntax gets OPA's v1 error with line, column, source and caret.
printf 'package x\n\np {\n\ttrue\n}\n' >"$T/v0.rego"
if "$WRIT" policy check "$T/v0.rego" 2>"$T/err"; then fail "check accepted v0 syntax"; fi
expected="$T/v0.rego:3:1: rego_parse_error: \`if\` keyword is required before rule body
	p {
	^
1 error"
[ "$(cat "$T/err")" = "$expected" ] || fail "check v0 said: $(cat "$T/err")"
ok "check reports v0 syntax like OPA, with a caret"

# check: a syntax error deep in a body, the caret under the column (tabs kept).
printf 'package x\n\np if {\n\tx := [1, 2\n\ty := 3\n}\n' >"$T/bad.rego"
if "$WRIT" policy check "$T/bad.rego" "$P/clean.rego" 2>"$T/err"; then fail "check passed a bad file"; fi
head -1 "$T/err" | grep -qF "$T/bad.rego:5:2: rego_parse_error: unexpected ident token: expected \",\" or \"]\"" ||
  fail "check said: $(cat "$T/err")"
[ "$(sed -n 3p "$T/err")" = "$(printf '\t\t^')" ] || fail "caret line: $(sed -n 3p "$T/err" | od -c)"
ok "check points at the error"

# check: compile-level problems are all reported.
printf 'package x\n\nimport data.a\nimport data.b as a\n\ndefault p := 1\n\ndefault p := 2\n' >"$T/dup.rego"
if "$WRIT" policy check "$T/dup.rego" 2>"$T/err"; then fail "check passed duplicates"; fi
grep -qF "$T/dup.rego:4:1: rego_compile_error: import must not shadow import a" "$T/err" ||
  fail "no import error: $(cat "$T/err")"
grep -qF "$T/dup.rego:8:1: rego_type_error: multiple default rules p found" "$T/err" ||
  fail "no default error: $(cat "$T/err")"
grep -qx "2 errors" "$T/err" || fail "no error count: $(cat "$T/err")"
ok "check reports every compile-level error"

# Missing files, usage, and the subcommands that come later.
if "$WRIT" policy check "$T/nope.rego" 2>"$T/err"; then fail "check of a missing file passed"; fi
grep -q "nope.rego" "$T/err" || fail "missing file not named"
set +e
"$WRIT" policy check >/dev/null 2>&1; [ $? = 2 ] || fail "check without files is not a usage error"
"$WRIT" policy eval >/dev/null 2>&1; [ $? = 2 ] || fail "eval without a query is not a usage error"
set -e
ok "a missing file and missing arguments are reported"

finish
