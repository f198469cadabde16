#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The decision service (issue 4), each figure beside its peer measured in the same run:
#  - direct decisions: POST /v1/data/rbac/allow, 1 KB input, the RBAC policy of
#    bench/rego/gen.py, wrk -t1 -c32 keep-alive; peer: nginx `return 204` (HTTP/1.1, wrk);
#  - gRPC Check (Envoy ext_authz) with a policy that verifies an HS256 bearer JWT and checks
#    a claim, h2load -t1 -c32 -m1; peer: nginx `return 204` over h2c (h2load, same body).
# Each writ figure is taken with decision logging on (the -dev audit device: one audit entry
# per decision) and off (the device disabled), on a fresh dev server each time.
# Usage: bench/decision.sh BUILD_DIR [seconds per run]
# Prints a markdown table (also written to BUILD_DIR/bench-decision.md).
set -euo pipefail
. "$(dirname "$0")/nginx.sh"
build=$(cd "$1" && pwd); secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
writ=${WRIT_BENCH_BIN:-$build/writ} # WRIT_BENCH_BIN: another binary, for A/B runs
T=$(mktemp -d /tmp/writ-bench-decision.XXXXXX)
pid=; devdir=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -s "$T/nginx/nginx.pid" ] && kill "$(cat "$T/nginx/nginx.pid")" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
conns=32
command -v h2load >/dev/null || { echo "bench/decision.sh: h2load missing (scripts/deps.sh)" >&2; exit 1; }
load=$(cut -d" " -f1-3 /proc/loadavg)
python3 "$here/decision/gen.py" "$T"
export WRIT_BENCH_BODY=$T/rbac.json
CHECK=/envoy.service.auth.v3.Authorization/Check

run_wrk() { # name url -> "rate p99"
  local out=$T/$1.wrk
  wrk -t1 -c$conns -d${secs}s --latency -s "$here/decision.lua" "$2" >"$out"
  grep -q 'Non-2xx\|Socket errors' "$out" && { echo "bench $1:" >&2; cat "$out" >&2; exit 1; }
  awk '/Requests\/sec/ {r = int($2)} / 99%/ {p = $2} END {print r, p}' "$out"
}
run_h2load() { # name url -> "rate mean max succeeded"
  local out=$T/$1.h2
  h2load -t1 -c$conns -m1 -D "$secs" --warm-up-time=1 -d "$T/check.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' "$2" >"$out"
  grep -q ' 0 failed, 0 errored, 0 timeout' "$out" || { echo "bench $1:" >&2; cat "$out" >&2; exit 1; }
  awk '/^finished in/ {r = int($4)} /^requests:/ {s = $8} /^time for request:/ {m = $6; x = $5}
    END {print r, m, x, s}' "$out"
}

# Peers: nginx answering 204 with as many workers as writ has cores, HTTP/1.1 and h2c.
start_nginx() {
  bench_nginx "$T/nginx" <<CONF
  server { listen 127.0.0.1:18280; location / { return 204; } }
  server { listen 127.0.0.1:18281 http2; location / { return 204; } }
CONF
  sleep 0.3
}
stop_nginx() { kill "$(cat "$T/nginx/nginx.pid")"; sleep 0.3; rm -f "$T/nginx/nginx.pid"; }

# writ with the generated policy directory, SQLite storage, a decision listener and ext_authz in
# cleartext, and with audit=on the audit device `writ server -dev` has (hash-chained, HMACed,
# a checkpoint every 1000 entries); audit=off leaves it out.  (-dev's device cannot be
# disabled: sys/audit is read-only.)  Initialised and unsealed through the API.
start_writ() { # on|off
  devdir=$T/srv; rm -rf "$devdir"; mkdir -p "$devdir"
  rm -f "$T/port" "$T/dport" "$T/gport"
  {
    echo "storage \"sqlite\" { path = \"$devdir/writ.db\" }"
    echo 'listener "tcp" { address = "127.0.0.1:0"'; echo ' tls_disable = true }'
    echo 'decision_listener "tcp" { address = "127.0.0.1:0"'; echo ' tls_disable = true }'
    echo 'ext_authz "grpc" { address = "127.0.0.1:0"'; echo ' tls_disable = true }'
    echo "policy { bundle_dir = \"$T/bundle\" }"
    [ "$1" = off ] || echo "audit \"file\" { path = \"$devdir/audit.log\"
      checkpoint_every = 1000 }"
  } >"$T/writ.hcl"
  HOME=$T WRIT_PORT_FILE=$T/port WRIT_DECISION_PORT_FILE=$T/dport WRIT_GRPC_PORT_FILE=$T/gport \
    "$writ" server -config "$T/writ.hcl" >"$T/srv.out" 2>"$T/srv.log" &
  pid=$!
  for _ in $(seq 1 200); do [ -s "$T/gport" ] && [ -s "$T/dport" ] && break; sleep 0.05; done
  local api=http://127.0.0.1:$(cat "$T/port")/v1/sys key
  dport=$(cat "$T/dport"); gport=$(cat "$T/gport")
  key=$(curl -sf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$api/init" | jq -r '.keys[0]')
  curl -sf -X PUT -d "{\"key\":\"$key\"}" "$api/unseal" | grep -q '"sealed":false' ||
    { echo "bench: cannot unseal: $(cat "$T/srv.log")" >&2; exit 1; }
  # The answers the runs repeat: allowed, not an error.
  curl -sf --data-binary "@$T/rbac.json" "http://127.0.0.1:$dport/v1/data/rbac/allow" |
    grep -q '"result":true' || { echo "bench: RBAC decision is not true" >&2; exit 1; }
  curl -s --http2-prior-knowledge -X POST -H 'content-type: application/grpc' -H 'te: trailers' \
    --data-binary "@$T/check.bin" -D "$T/check.h" -o "$T/check.out" "http://127.0.0.1:$gport$CHECK"
  grep -q '^grpc-status: 0' "$T/check.h" && [ "$(head -c 7 "$T/check.out" | xxd -p)" != "" ] &&
    [ "$(dd if="$T/check.out" bs=1 skip=5 count=2 2>/dev/null | xxd -p)" = 0a00 ] ||
    { echo "bench: Check is not OK:" >&2; cat "$T/check.h" >&2; exit 1; }
}
stop_writ() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
allowed_logged() { grep -c "\"path\":\"$1\".*\"allowed\":true,\"result\":true" "$devdir/audit.log" || true; }

declare -A R
start_nginx
read -r R[nginx] R[nginx_p99] < <(run_wrk nginx http://127.0.0.1:18280/204)
read -r R[nginx2] R[nginx2_mean] R[nginx2_max] _ < <(run_h2load nginx_h2 "http://127.0.0.1:18281$CHECK")
stop_nginx
for audit in on off; do
  start_writ $audit
  read -r R[rest_$audit] R[rest_${audit}_p99] < <(run_wrk rest_$audit "http://127.0.0.1:$dport/v1/data/rbac/allow")
  stop_writ
  [ $audit = on ] && R[rest_logged]=$(allowed_logged rbac/allow)
  start_writ $audit
  read -r R[grpc_$audit] R[grpc_${audit}_mean] R[grpc_${audit}_max] R[grpc_${audit}_n] < \
    <(run_h2load grpc_$audit "http://127.0.0.1:$gport$CHECK")
  stop_writ
  [ $audit = on ] && R[grpc_logged]=$(allowed_logged envoy/authz/allow)
done
# Every gRPC response h2load counted must be an allowed decision (grpc-status 0, status OK):
# the audit log holds one entry per decision, including the warm-up's and the probe's.
if [ "${R[grpc_logged]}" -lt "${R[grpc_on_n]}" ]; then
  echo "bench: ${R[grpc_on_n]} gRPC responses but ${R[grpc_logged]} allowed decisions logged" >&2
  exit 1
fi

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
{
  echo "| measurement | writ | peer (same run) | ratio | goal |"
  echo "|---|---|---|---|---|"
  echo "| direct decision, RBAC, 1 KB input, decision log on | ${R[rest_on]}/s (p99 ${R[rest_on_p99]}) | nginx 204: ${R[nginx]}/s (p99 ${R[nginx_p99]}) | $(pct "${R[rest_on]}" "${R[nginx]}") | >= 50%, p99 < 2 ms |"
  echo "| direct decision, decision log off | ${R[rest_off]}/s (p99 ${R[rest_off_p99]}) | | $(pct "${R[rest_off]}" "${R[nginx]}") | |"
  echo "| gRPC Check, HS256 JWT policy, decision log on | ${R[grpc_on]}/s (mean ${R[grpc_on_mean]}) | nginx 204 over h2c: ${R[nginx2]}/s (mean ${R[nginx2_mean]}) | $(pct "${R[grpc_on]}" "${R[nginx2]}") | >= 20000/s |"
  echo "| gRPC Check, decision log off | ${R[grpc_off]}/s (mean ${R[grpc_off_mean]}) | | $(pct "${R[grpc_off]}" "${R[nginx2]}") | |"
  echo
  echo "Allowed decisions in the audit log: REST ${R[rest_logged]}, gRPC ${R[grpc_logged]} (h2load: ${R[grpc_on_n]} responses). Load before the run: $load."
} | tee "$build/bench-decision.md"
