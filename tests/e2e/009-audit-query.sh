#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# An investigator's questions to the audit log with `writ audit query`: what
# did this agent's token do, which requests were refused (with no token, a
# bad one, or one its policy does not allow: every attempt is recorded),
# where was a leaked token used (by its HMAC), what happened in a time
# window; and a log that was edited is refused when the key is given.
. "$(dirname "$0")/lib.sh"

start_dev
LOG=$DEVDIR/audit.log
PUB=$DEVDIR/audit.log.pub
q() { "$WRIT" audit query "$@" 2>"$T/q.err"; }

api POST secret/data/models/churn '{"data":{"api_key":"sk-live-123"}}'; expect_status 200 "root writes a secret"
api POST auth/token/create '{"policies":["default"],"display_name":"agent-7","meta":{"task":"returns"}}'
expect_status 200 "a token for the agent"
AGENT=$(jqe .auth.client_token)
ROOT=$TOKEN
TOKEN=$AGENT
api GET secret/data/models/churn; expect_status 403 "the agent may not read the secret"
api GET auth/token/lookup-self; expect_status 200 "the agent looks itself up"
TOKEN=hvs.not-a-token
api GET secret/data/models/churn; expect_status 403 "a bad token is refused"
TOKEN=
api GET secret/data/models/churn; expect_status 403 "no token is refused"
TOKEN=$ROOT

# Every refusal is in the log, as a request and a response entry with the error.
n=$(q -outcome denied -pubkey "$PUB" "$LOG" | wc -l)
[ "$n" = 3 ] || fail "expected 3 refused responses, got $n: $(q -outcome denied "$LOG")"
grep -q "(chain verified)" "$T/q.err" || fail "no verification note: $(cat "$T/q.err")"
ok "three refusals found in a verified log"
n=$(q -type request -path 'secret/*' "$LOG" | jq -r 'select(.error == "permission denied") | .request.path' | sort -u)
[ "$n" = secret/data/models/churn ] || fail "refused request entries: $n"
ok "refused requests have request entries with the error"

# What did the agent do?  By display name and by metadata.
out=$(q -identity token-agent-7 -type response "$LOG" | jq -r '[.request.path, (.error // "ok")] | join(" ")')
[ "$out" = "$(printf 'secret/data/models/churn permission denied\nauth/token/lookup-self ok')" ] ||
  fail "the agent's responses: $out"
ok "the agent's actions by display name"
n=$(q -identity returns "$LOG" | wc -l)
[ "$n" = 4 ] || fail "by metadata: $n entries"
ok "the agent's entries by a metadata value"

# Where was a leaked token used?  Its HMAC, from the server or the key.
api POST sys/audit-hash/file '{"input":"hvs.not-a-token"}'; expect_status 200 "hash a token"
H=$(jqe .hash)
out=$(q -identity "$H" -format table "$LOG")
[ "$(printf '%s\n' "$out" | wc -l)" = 2 ] || fail "entries of the bad token: $out"
printf '%s' "$out" | grep -q "permission denied" || fail "table lacks the error: $out"
ok "a token's attempts found by its HMAC"

# Time windows and limits.
n=$(q -since 1h "$LOG" | wc -l); total=$(wc -l <"$LOG")
[ "$n" = "$total" ] || fail "-since 1h: $n of $total"
n=$(q -until 1h "$LOG" | wc -l)
[ "$n" = 0 ] || fail "-until 1h: $n"
n=$(q -since "$(date -u +%Y-%m-%d)" -until 2100-01-01T00:00:00+01:00 -limit 2 "$LOG" | wc -l)
[ "$n" = 2 ] || fail "-limit 2: $n"
ok "time windows and a limit"

# Bad flags: a usage error, exit 2.
set +e
q -since yesterday "$LOG" >/dev/null; rc=$?
set -e
[ "$rc" = 2 ] || fail "-since yesterday: exit $rc"
grep -q "not a time" "$T/q.err" || fail "message: $(cat "$T/q.err")"
ok "a bad time is a usage error"

# An edited log: refused with the key, still searchable without it.
stop_server
sed -i '3s/"operation":"[a-z]*"/"operation":"list"/' "$LOG"
set +e
q -pubkey "$PUB" "$LOG" >/dev/null; rc=$?
set -e
[ "$rc" = 1 ] || fail "an edited log was searched with -pubkey (exit $rc)"
grep -q "does not verify" "$T/q.err" || fail "message: $(cat "$T/q.err")"
ok "an edited log is refused when the key is given"
[ "$(q "$LOG" | wc -l)" = "$(wc -l <"$LOG")" ] || fail "without -pubkey the lines are listed"
ok "without the key every line is listed"
finish
