# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the end-to-end tests: start a real `writ server` on an
# ephemeral loopback port in a temporary directory, call its API with curl,
# and assert on status codes and JSON bodies (jq).
set -euo pipefail

WRIT=${WRIT:?set WRIT to the writ binary}
WRIT_SRC=${WRIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
base=${WRIT_TEST_TMP:-/tmp}
mkdir -p "$base"
T=$(mktemp -d "$base/e2e.XXXXXX")
export HOME=$T
SERVER_PID=
ADDR=
DADDR=
TOKEN=
npass=0

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -20 "$T/server.log" >&2; exit 1; }
ok() { npass=$((npass + 1)); echo "ok $npass - $*"; }

# wait_port FILE: wait for the server to write its port.
wait_port() {
  local i
  for i in $(seq 1 200); do
    if [ -s "$1" ]; then ADDR="127.0.0.1:$(cat "$1")"; return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited: $(tail -5 "$T/server.log")"
    sleep 0.05
  done
  fail "server did not start"
}

# wait_dport: the decision listener's address (written after the API's) in DADDR.
wait_dport() {
  local i
  for i in $(seq 1 200); do
    if [ -s "$T/dport" ]; then DADDR="127.0.0.1:$(cat "$T/dport")"; return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited: $(tail -5 "$T/server.log")"
    sleep 0.05
  done
  fail "no decision listener"
}

# start_dev: dev server; sets ADDR, DADDR, TOKEN, UNSEAL_KEY, DEVDIR.  Ports are ephemeral
# (the decision listener's and ext_authz's too), so tests can run side by side.
start_dev() {
  rm -f "$T/port" "$T/dport"
  WRIT_PORT_FILE=$T/port WRIT_DECISION_PORT_FILE=$T/dport "$WRIT" server -dev \
    -dev-listen-address 127.0.0.1:0 -dev-decision-address 127.0.0.1:0 \
    -dev-grpc-listen-address 127.0.0.1:0 >"$T/server.out" 2>"$T/server.log" &
  SERVER_PID=$!
  wait_port "$T/port"
  local i
  for i in $(seq 1 100); do grep -q '^Root Token:' "$T/server.out" && break; sleep 0.05; done
  TOKEN=$(sed -n 's/^Root Token: //p' "$T/server.out")
  UNSEAL_KEY=$(sed -n 's/^Unseal Key: //p' "$T/server.out")
  DEVDIR=$(sed -n 's|^Storage: \(.*\)/writ.db$|\1|p' "$T/server.out")
  [ -n "$TOKEN" ] || fail "no root token printed"
  wait_dport
}

# start_config FILE: server from a config file (listener address must use port 0); with a
# decision_listener, call wait_dport for DADDR.
start_config() {
  rm -f "$T/port" "$T/dport"
  WRIT_PORT_FILE=$T/port WRIT_DECISION_PORT_FILE=$T/dport "$WRIT" server -config "$1" \
    >"$T/server.out" 2>>"$T/server.log" &
  SERVER_PID=$!
  wait_port "$T/port"
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

# api METHOD PATH [JSON] -> sets STATUS and BODY. Uses $TOKEN when set.
api() {
  local method=$1 path=$2 data=${3-}
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$method")
  [ -n "${TOKEN:-}" ] && args+=(-H "X-Vault-Token: $TOKEN")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  STATUS=$(curl "${args[@]}" "${SCHEME:-http}://$ADDR/v1/$path" ${CURL_EXTRA:-}) || STATUS=000
  BODY=$(cat "$T/body" 2>/dev/null || true)
}

# dapi METHOD PATH [BODY] -> STATUS and BODY from the decision listener (PATH without the
# leading '/'; BODY sent as is).  Extra curl arguments in DAPI_EXTRA (an array).
dapi() {
  local method=$1 path=$2
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$method")
  [ $# -ge 3 ] && args+=(--data-binary "$3")
  STATUS=$(curl "${args[@]}" ${DAPI_EXTRA[@]+"${DAPI_EXTRA[@]}"} "http://$DADDR/$path") ||
    STATUS=000
  BODY=$(cat "$T/body" 2>/dev/null || true)
}

expect_status() {
  [ "$STATUS" = "$1" ] || fail "$2: expected HTTP $1, got $STATUS: $BODY"
  ok "$2"
}

# jqe FILTER: evaluate a jq filter on BODY.
jqe() { printf '%s' "$BODY" | jq -r "$1"; }

expect_json() {
  local got
  got=$(jqe "$1") || fail "$3: body is not JSON: $BODY"
  [ "$got" = "$2" ] || fail "$3: $1 = '$got', expected '$2' (body: $BODY)"
  ok "$3"
}

finish() { echo "$npass passed, 0 failed"; }
