#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Envoy ext_authz v3 over gRPC: a real gRPC client from npm (@grpc/grpc-js,
# @grpc/proto-loader loading writ's proto/ files) against `writ server -dev`
# deciding with the policy in tests/interop/envoy/policy.
. "$(dirname "$0")/../e2e/lib.sh"

here=$(cd "$(dirname "$0")/envoy" && pwd)
mods=${WRIT_TEST_TMP:-/tmp}/interop-envoy
mkdir -p "$mods"
if ! cmp -s "$here/package-lock.json" "$mods/package-lock.json" || [ ! -d "$mods/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$mods/"
  (cd "$mods" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci"
fi
rm -f "$T/port" "$T/grpc-port"
WRIT_PORT_FILE=$T/port WRIT_GRPC_PORT_FILE=$T/grpc-port "$WRIT" server -dev \
  -dev-listen-address 127.0.0.1:0 -dev-grpc-listen-address 127.0.0.1:0 \
  -dev-policy-dir "$here/policy" >"$T/server.out" 2>"$T/server.log" &
SERVER_PID=$!
wait_port "$T/port"
wait_port "$T/grpc-port"
GRPC_ADDR=$ADDR
grep -q 'ext_authz: listening' "$T/server.log" || fail "no ext_authz listener"
ok "writ server -dev with ext_authz on $GRPC_ADDR"
cp "$here/check.mjs" "$mods/check.mjs"
WRIT_GRPC_ADDR=$GRPC_ADDR WRIT_PROTO_DIR=$WRIT_SRC/proto node "$mods/check.mjs" || fail "check.mjs"
kill -0 "$SERVER_PID" 2>/dev/null || fail "server died"
stop_server
ok "server stopped cleanly"
finish
