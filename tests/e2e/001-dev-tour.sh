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
TOKEN=$ROOT

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
finish
