#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 during a write load loses no acknowledged write: every KV write and
# token the server acknowledged is there after restart and unseal, nothing is
# half-written, and the audit log still verifies.
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
api PUT sys/unseal "{\"key\":\"$KEY\"}"; expect_json .sealed false "unsealed"
TOKEN=$ROOT
api POST sys/mounts/secret '{"type":"kv-v2"}'; expect_status 204 "mount"

kv_writer() { # w: writes until the server dies, logs acknowledged writes
  local w=$1 i=0 code
  while :; do
    i=$((i + 1))
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Vault-Token: $ROOT" \
      -d "{\"data\":{\"v\":\"value-$w-$i\",\"pad\":\"$(printf '%0200d' $i)\"}}" \
      "http://$ADDR/v1/secret/data/load/w$w/k$i") || break
    [ "$code" = 200 ] && echo "$w $i" >>"$T/acked.$w" || break
  done
}
token_writer() {
  local body
  while body=$(curl -sf --max-time 5 -H "X-Vault-Token: $ROOT" -d '{"policies":["default"],"ttl":"1h"}' \
      "http://$ADDR/v1/auth/token/create"); do
    printf '%s' "$body" | jq -r .auth.client_token >>"$T/acked.tokens"
  done
}
for w in 1 2 3; do kv_writer $w & done
token_writer &
sleep 5
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
wait
nkv=$(cat "$T"/acked.[0-9] | wc -l); ntok=$(wc -l <"$T/acked.tokens")
[ "$nkv" -gt 20 ] && [ "$ntok" -gt 5 ] || fail "too little load before the kill ($nkv writes, $ntok tokens)"
ok "killed with -9 after $nkv acknowledged writes and $ntok tokens"

start_config "$T/writ.hcl"
TOKEN=; api PUT sys/unseal "{\"key\":\"$KEY\"}"; expect_json .sealed false "unsealed after the crash"
TOKEN=$ROOT
missing=0
while read -r w i; do
  api GET "secret/data/load/w$w/k$i"
  if [ "$STATUS" != 200 ] || [ "$(jqe .data.data.v)" != "value-$w-$i" ] || \
     [ "$(jqe .data.metadata.version)" != 1 ]; then
    echo "lost or damaged: w$w/k$i: $STATUS $BODY" >&2; missing=$((missing + 1))
  fi
done < <(cat "$T"/acked.[0-9])
[ $missing = 0 ] || fail "$missing acknowledged writes lost or damaged"
ok "all $nkv acknowledged KV writes are intact"
bad=0
while read -r t; do
  TOKEN=$t api GET auth/token/lookup-self
  [ "$STATUS" = 200 ] || { echo "lost token: $STATUS" >&2; bad=$((bad + 1)); }
done <"$T/acked.tokens"
[ $bad = 0 ] || fail "$bad acknowledged tokens lost"
ok "all $ntok acknowledged tokens work"
TOKEN=$ROOT api LIST secret/metadata/load/w1
expect_status 200 "listing after the crash works"
stop_server
"$WRIT" audit verify "$T/audit.log" -pubkey "$T/audit.log.pub" >"$T/verify.out" \
  || fail "audit verify after the crash: $(cat "$T/verify.out")"
ok "audit log verifies after kill -9 and restart ($(head -c 80 "$T/verify.out"))"
finish
