#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Someone with database or file access: a stored value copied to another row
# fails to decrypt; an edited audit line is found by `writ audit verify`; and
# when the audit device cannot write, requests are refused and change nothing.
. "$(dirname "$0")/lib.sh"

cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
audit "file" { path = "$T/audit.log" }
CONF
start_config "$T/writ.hcl"
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'
KEY=$(jqe '.keys[0]'); ROOT=$(jqe .root_token)
unseal() { TOKEN= api PUT sys/unseal "{\"key\":\"$KEY\"}"; }
unseal; TOKEN=$ROOT
api POST sys/mounts/secret '{"type":"kv-v2"}'
api POST secret/data/alice '{"data":{"key":"alice-secret"}}'; expect_status 200 "write alice"
api POST secret/data/bob '{"data":{"key":"bob-secret"}}'; expect_status 200 "write bob"
stop_server

# 1. Copy alice's encrypted version row over bob's.
sqlite3 "$T/writ.db" "UPDATE kv SET value = (SELECT value FROM kv WHERE key LIKE '%/ver/alice/%')
  WHERE key LIKE '%/ver/bob/%';"
[ "$(sqlite3 "$T/writ.db" "SELECT count(*) FROM kv WHERE key LIKE '%/ver/bob/%'")" = 1 ] \
  || fail "test setup: bob's row not found"
start_config "$T/writ.hcl"; unseal; TOKEN=$ROOT
api GET secret/data/bob
[ "$STATUS" -ge 500 ] || fail "a moved value was served: $STATUS $BODY"
! printf '%s' "$BODY" | grep -q alice-secret || fail "alice's secret leaked through bob's path"
ok "a value copied to another row fails to decrypt ($STATUS)"
api GET secret/data/alice; expect_json .data.data.key alice-secret "the original still reads"
stop_server

# 2. Edit one audit line: verify names it.
"$WRIT" audit verify "$T/audit.log" -pubkey "$T/audit.log.pub" >/dev/null || fail "clean log does not verify"
cp "$T/audit.log" "$T/audit.bak"
sed -i '5s/"operation":"[a-z]*"/"operation":"read"/' "$T/audit.log"
if cmp -s "$T/audit.log" "$T/audit.bak"; then sed -i '5s/"time":"2/"time":"1/' "$T/audit.log"; fi
if out=$("$WRIT" audit verify "$T/audit.log" -pubkey "$T/audit.log.pub" 2>&1); then
  fail "an edited audit log verified: $out"
fi
printf '%s\n' "$out" | grep -qE 'line (5|6)\b' || fail "verify does not name the edited line: $out"
ok "audit verify names the edited line: $out"
sed -i '7d' "$T/audit.bak"
if out=$("$WRIT" audit verify "$T/audit.bak" -pubkey "$T/audit.log.pub" 2>&1); then
  fail "a log with a removed line verified"
fi
ok "audit verify finds a removed line: $out"

# 3. Fail closed: cap the server's file size just above the audit log's size.
rm -f "$T/audit.log" "$T/audit.log.pub"   # a fresh audit log for this part
start_config "$T/writ.hcl"; unseal; TOKEN=$ROOT
curl -s -H "X-Vault-Token: $ROOT" $(printf "http://$ADDR/v1/secret/data/alice?n=%d " $(seq 1 300)) >/dev/null
stop_server
limit=$(( $(stat -c %s "$T/audit.log") + 6000 ))
[ "$limit" -gt "$(stat -c %s "$T/writ.db")" ] || fail "test setup: db larger than the limit"
rm -f "$T/port"
WRIT_PORT_FILE=$T/port prlimit --fsize=$limit "$WRIT" server -config "$T/writ.hcl" \
  >"$T/server.out" 2>>"$T/server.log" &
SERVER_PID=$!; wait_port "$T/port"
unseal; TOKEN=$ROOT
refused=; acked=()
for i in $(seq 1 40); do
  api POST "secret/data/fc/k$i" "{\"data\":{\"v\":\"$i\"}}"
  if [ "$STATUS" = 200 ]; then acked+=("$i"); continue; fi
  [ "$STATUS" = 500 ] || fail "unexpected status when audit is full: $STATUS $BODY"
  expect_json '.errors[0]' "internal error" "a request the audit log cannot record is refused"
  refused=$i; break
done
[ -n "$refused" ] || fail "the audit device never failed"
api GET secret/data/alice; expect_status 500 "reads are refused too while audit cannot write"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
start_config "$T/writ.hcl"; unseal; TOKEN=$ROOT
for i in "${acked[@]}"; do
  api GET "secret/data/fc/k$i"; [ "$STATUS" = 200 ] || fail "acknowledged write k$i lost"
done
ok "every write acknowledged before the audit device failed is stored (${#acked[@]})"
api GET "secret/data/fc/k$refused"
if [ "$STATUS" = 200 ]; then
  grep -q "\"path\":\"secret/data/fc/k$refused\"" "$T/audit.log" \
    || fail "a refused write was stored without an audit entry"
  ok "the refused write's request entry was recorded before its response failed"
else
  expect_status 404 "the refused write changed nothing"
fi
stop_server
"$WRIT" audit verify "$T/audit.log" -pubkey "$T/audit.log.pub" >"$T/v.out" \
  || fail "audit log after the failure does not verify: $(cat "$T/v.out")"
ok "the audit log still verifies after write failures"
finish
