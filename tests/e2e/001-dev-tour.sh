#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The README's five-minute tour against a dev server: health, KV v2, tokens,
# ACL policies, AppRole, audit verification, seal and unseal.
. "$(dirname "$0")/lib.sh"

start_dev

api GET sys/health; expect_status 200 "health on an unsealed dev server"
expect_json .sealed false "health says unsealed"
api GET sys/seal-status; expect_json '.t' 1 "dev server has one unseal key"

# KV v2 at secret/
api POST secret/data/app/db '{"data":{"user":"app","password":"s3cr3t"}}'
expect_status 200 "kv write"
expect_json .data.version 1 "first version is 1"
api GET secret/data/app/db; expect_status 200 "kv read"
expect_json .data.data.password s3cr3t "kv read returns the value"
api POST secret/data/app/db '{"options":{"cas":0},"data":{"x":"y"}}'
expect_status 400 "cas 0 on an existing secret is refused"
api LIST secret/metadata/app; expect_status 200 "kv list"
expect_json '.data.keys[0]' db "list shows the key"

# ACL: a token with a read-only policy.
api PUT sys/policies/acl/app-read '{"policy":"path \"secret/data/app/*\" { capabilities = [\"read\"] }"}'
expect_status 204 "policy write"
api POST auth/token/create '{"policies":["app-read"],"ttl":"1h"}'
expect_status 200 "token create"
child=$(jqe .auth.client_token)
[ "${child#hvs.}" != "$child" ] || fail "token has no hvs. prefix: $child"
ok "service token prefix"
ROOT=$TOKEN; TOKEN=$child
api GET secret/data/app/db; expect_status 200 "child token may read"
api POST secret/data/app/db '{"data":{"a":"b"}}'; expect_status 403 "child token may not write"
api GET auth/token/lookup-self; expect_status 200 "lookup-self"
expect_json '.data.policies | join(",")' "app-read,default" "policies include default"
# A policy change applies at once to a token whose ACL is cached.
TOKEN=$ROOT api PUT sys/policies/acl/app-read '{"policy":"path \"secret/data/app/*\" { capabilities = [\"deny\"] }"}'
api GET secret/data/app/db; expect_status 403 "a narrowed policy applies to the next request"
TOKEN=$ROOT api PUT sys/policies/acl/app-read '{"policy":"path \"secret/data/app/*\" { capabilities = [\"read\"] }"}'
api GET secret/data/app/db; expect_status 200 "a widened policy applies to the next request"
TOKEN=$ROOT

api PUT sys/policies/acl/narrow '{"policy":"path \"secret/data/x\" { capabilities = [\"update\"] denied_parameters = { \"admin\" = [] } }"}'
expect_status 400 "a policy constraint writ would not enforce is refused"

# The CLI against the same server (token from ~/.writ-token, written by -dev).
export WRIT_ADDR=http://$ADDR
"$WRIT" kv put secret/cli/one user=u password=p >/dev/null || fail "writ kv put"
[ "$("$WRIT" kv get -field=password secret/cli/one)" = p ] || fail "writ kv get -field"
ok "writ kv put and get"
"$WRIT" kv put -cas=0 secret/cli/one user=x >/dev/null 2>&1 && fail "writ kv put -cas=0 overwrote"
ok "writ kv put -cas=0 refuses to overwrite"
printf 'path "secret/data/cli/*" { capabilities = ["read"] }\n' | "$WRIT" acl write cli-read - >/dev/null \
  || fail "writ acl write"
"$WRIT" acl list | grep -q cli-read || fail "writ acl list"
ok "writ acl write and list"
tok=$("$WRIT" token create -policy cli-read -ttl 10m -field token) || fail "writ token create"
WRIT_TOKEN=$tok "$WRIT" kv get secret/cli/one >/dev/null || fail "child token cannot read"
WRIT_TOKEN=$tok "$WRIT" kv put secret/cli/one a=b >/dev/null 2>&1 && fail "child token could write"
"$WRIT" token revoke "$tok" >/dev/null || fail "writ token revoke"
WRIT_TOKEN=$tok "$WRIT" kv get secret/cli/one >/dev/null 2>&1 && fail "revoked token still works"
ok "writ token create, use and revoke"
"$WRIT" status >/dev/null || fail "writ status"
ok "writ status"

# AppRole: a pipeline logs in without a human.
api POST sys/auth/approle '{"type":"approle"}'; expect_status 204 "enable approle"
api POST auth/approle/role/train '{"token_policies":["app-read"],"secret_id_num_uses":1}'
expect_status 204 "approle role"
api GET auth/approle/role/train/role-id; role_id=$(jqe .data.role_id)
api POST auth/approle/role/train/secret-id; secret_id=$(jqe .data.secret_id)
TOKEN= api POST auth/approle/login "{\"role_id\":\"$role_id\",\"secret_id\":\"$secret_id\"}"
expect_status 200 "approle login"
TOKEN= api POST auth/approle/login "{\"role_id\":\"$role_id\",\"secret_id\":\"$secret_id\"}"
expect_status 400 "a one-use secret_id cannot log in twice"

# Audit: the log verifies, and a secret never appears in clear.
stop_server
"$WRIT" audit verify "$DEVDIR/audit.log" -pubkey "$DEVDIR/audit.log.pub" >"$T/verify.out" \
  || fail "audit verify: $(cat "$T/verify.out")"
ok "audit log verifies after shutdown"
! grep -q s3cr3t "$DEVDIR/audit.log" || fail "secret value in the audit log"
ok "secret values are HMACed in the audit log"
! grep -qF "$child" "$DEVDIR/audit.log" || fail "a created token in the audit log"
resp=$(jq -c 'select(.type == "response" and .request.path == "auth/token/create"
  and (.response.auth.policies // []) == ["app-read","default"])' "$DEVDIR/audit.log" | head -1)
[ -n "$resp" ] || fail "no token-create response with readable policies in the audit log"
printf '%s' "$resp" | jq -e '(.response.auth.client_token | startswith("hmac-sha256:"))
  and (.response.auth.accessor | startswith("hmac-sha256:")) and .response.auth.token_type == "service"' \
  >/dev/null || fail "response auth: token and accessor must be HMACs, the rest readable: $resp"
ok "response auth: token and accessor HMACed, policies and type readable (Vault's hashing)"
bad=$(jq -s '[.[] | select(.type == "request" or .type == "response")] | group_by(.request.id)
  | map(select(length == 2 and (.[0].auth != .[1].auth or .[0].request != .[1].request))) | length' \
  "$DEVDIR/audit.log")
[ "$bad" = 0 ] || fail "$bad requests whose two audit entries disagree on auth or request"
ok "a request's two audit entries agree on auth and request"
finish
