#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# OPA's npm client @styra/opa, installed from the npm registry, against the decision
# listener of `writ server -dev`.
. "$(dirname "$0")/../e2e/lib.sh"

here=$(cd "$(dirname "$0")/opa" && pwd)
mods=${WRIT_TEST_TMP:-/tmp}/interop-opa
mkdir -p "$mods"
if ! cmp -s "$here/package-lock.json" "$mods/package-lock.json" || [ ! -d "$mods/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$mods/"
  (cd "$mods" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci"
fi
start_dev
cp "$here/client.mjs" "$mods/client.mjs"
WRIT_DECISION_ADDR=http://$DADDR node "$mods/client.mjs" || fail "client.mjs"
stop_server
