#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# node-vault and hashi-vault-js, installed from the npm registry, against a live
# writ server started from a configuration file (uninitialised, then init and
# unseal through the clients).
. "$(dirname "$0")/../e2e/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
mods=${WRIT_TEST_TMP:-/tmp}/interop-node
mkdir -p "$mods"
if ! cmp -s "$here/package-lock.json" "$mods/package-lock.json" || [ ! -d "$mods/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$mods/"
  (cd "$mods" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci"
fi
cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
audit "file" { path = "$T/audit.log" }
CONF
start_config "$T/writ.hcl"
cp "$here/clients.mjs" "$mods/clients.mjs"
WRIT_ADDR=http://$ADDR node "$mods/clients.mjs" || fail "clients.mjs"
stop_server
"$WRIT" audit verify "$T/audit.log" -pubkey "$T/audit.log.pub" || fail "audit verify"
echo "ok - audit log verifies"
