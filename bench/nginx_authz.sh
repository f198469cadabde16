#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nginx auth_request in front of an upstream, with writ deciding (decision log on)
# against the same nginx where the auth subrequest goes to a second nginx location
# answering 204: the cost writ adds over the proxy hop itself (issue 4's goal: >= 80%).
# Usage: bench/nginx_authz.sh BUILD_DIR [seconds per wrk run]
# Prints a markdown table (appended to BUILD_DIR/bench-results.md).
set -euo pipefail
. "$(dirname "$0")/nginx.sh"
build=$(cd "$1" && pwd); secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
writ=$build/writ
T=$(mktemp -d /tmp/writ-bench-nginx.XXXXXX)
pids=()
cleanup() {
  [ -s "$T/nginx/nginx.pid" ] && kill "$(cat "$T/nginx/nginx.pid")" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true; rm -rf "$T"
}
trap cleanup EXIT
conns=32

rate() { awk '/Requests\/sec/ {printf "%d", $2}' "$1"; }
p99() { awk '/ 99%/ {print $2}' "$1"; }
run_wrk() { # name url
  local out=$T/$1.wrk
  wrk -t1 -c$conns -d${secs}s --latency -H 'X-User: bench' "$2" >"$out"
  grep -q 'Non-2xx' "$out" && { echo "bench $1: non-2xx responses:" >&2; cat "$out" >&2; exit 1; }
  echo "$(rate "$out") $(p99 "$out")"
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d%%", (b > 0 ? 100 * a / b : 0) }'; }

# writ in dev mode (SQLite, audit log on: every decision is logged), the example policy.
HOME=$T "$writ" server -dev -dev-listen-address 127.0.0.1:18300 \
  -dev-decision-address 127.0.0.1:18381 -dev-grpc-listen-address 127.0.0.1:0 \
  >"$T/dev.out" 2>"$T/dev.log" &
pids=($!)
for _ in $(seq 1 100); do grep -q '^Root Token:' "$T/dev.out" 2>/dev/null && break; sleep 0.05; done
curl -sf -o /dev/null -X PUT --data-binary "@$here/../examples/nginx/authz.rego" \
  http://127.0.0.1:18381/v1/policies/authz

# One nginx, two fronts: 18480 asks writ, 18481 asks its own location answering 204;
# both proxy to the same upstream (18482) and pass a header from the auth answer.
bench_nginx "$T/nginx" <<CONF
  upstream writ { server 127.0.0.1:18381; keepalive 64; keepalive_requests 10000000; }
  upstream peer { server 127.0.0.1:18483; keepalive 64; keepalive_requests 10000000; }
  upstream app { server 127.0.0.1:18482; keepalive 64; keepalive_requests 10000000; }
  server { listen 127.0.0.1:18482; location / { return 200 "ok \$http_x_auth_user\n"; } }
  server { listen 127.0.0.1:18483; location / { add_header X-Auth-User bench; return 204; } }
  server {
    listen 127.0.0.1:18480;
    location / {
      auth_request /_authz;
      auth_request_set \$user \$upstream_http_x_auth_user;
      proxy_set_header X-Auth-User \$user;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_pass http://app;
    }
    location = /_authz {
      internal;
      proxy_pass http://writ/v1/authz/nginx;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_pass_request_body off; proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
      proxy_set_header Host \$http_host;
    }
  }
  server {
    listen 127.0.0.1:18481;
    location / {
      auth_request /_authz;
      auth_request_set \$user \$upstream_http_x_auth_user;
      proxy_set_header X-Auth-User \$user;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_pass http://app;
    }
    location = /_authz {
      internal;
      proxy_pass http://peer;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_pass_request_body off; proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
      proxy_set_header Host \$http_host;
    }
  }
CONF
sleep 0.3
curl -sf http://127.0.0.1:18480/public/x -H 'X-User: bench' | grep -q '^ok bench$' ||
  { echo "bench: writ did not allow" >&2; exit 1; }
read -r peer_rate peer_p99 < <(run_wrk nginx-204 http://127.0.0.1:18481/public/x)
read -r writ_rate writ_p99 < <(run_wrk nginx-writ http://127.0.0.1:18480/public/x)
ndec=$(grep -c '"type":"decision"' "$(sed -n 's|^Storage: \(.*\)/writ.db$|\1|p' "$T/dev.out")/audit.log" || true)

{
  echo
  echo "| nginx auth_request, wrk -t1 -c$conns, ${secs}s | writ | peer: auth location answering 204 | writ / peer | goal |"
  echo "|---|---|---|---|---|"
  echo "| GET /public/x through nginx, decision logged | $writ_rate/s (p99 $writ_p99) | $peer_rate/s (p99 $peer_p99) | $(pct "$writ_rate" "$peer_rate") | >= 80% |"
  echo
  echo "Decisions in the audit log: $ndec.  Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee -a "$build/bench-results.md"
