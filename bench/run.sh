#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# writ's benchmarks, each beside the peer or limit it is compared to, in the same run on
# the same machine.  Usage: bench/run.sh BUILD_DIR [seconds per wrk run]
# Prints a markdown table (also written to BUILD_DIR/bench-results.md).
set -euo pipefail
. "$(dirname "$0")/nginx.sh"
build=$(cd "$1" && pwd); secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
writ=$build/writ
T=$(mktemp -d /tmp/writ-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
conns=32

rate() { awk '/Requests\/sec/ {printf "%d", $2}' "$1"; }
p99() { awk '/ 99%/ {print $2}' "$1"; }
run_wrk() { # name url [script]
  local out=$T/$1.wrk
  if [ -n "${3:-}" ]; then wrk -t1 -c$conns -d${secs}s --latency -s "$3" "$2" >"$out"
  else wrk -t1 -c$conns -d${secs}s --latency "$2" >"$out"; fi
  grep -q 'Non-2xx' "$out" && { echo "bench $1: non-2xx responses:" >&2; cat "$out" >&2; exit 1; }
  echo "$(rate "$out") $(p99 "$out")"
}

# 1. The HTTP limit: nginx answering 204 with as many workers as writ has cores.
bench_nginx "$T/nginx" <<CONF
  server { listen 127.0.0.1:18280; location = /204 { return 204; } }
CONF
sleep 0.3
read -r nginx_rate nginx_p99 < <(run_wrk nginx http://127.0.0.1:18280/204)
kill "$(cat "$T/nginx/nginx.pid")"

# 2. writ in dev mode (SQLite, audit log on), release build.  Each measurement gets a fresh
# server, so one phase's unsynced audit pages do not land on the next phase's fsyncs.
start_writ() {
  rm -f "$T/dev.out"
  HOME=$T "$writ" server -dev -dev-listen-address 127.0.0.1:18200 >"$T/dev.out" 2>"$T/dev.log" &
  pids=($!)
  for _ in $(seq 1 100); do grep -q '^Root Token:' "$T/dev.out" 2>/dev/null && break; sleep 0.05; done
  export WRIT_TOKEN=$(sed -n 's/^Root Token: //p' "$T/dev.out")
  devdir=$(sed -n 's|^Storage: \(.*\)/writ.db$|\1|p' "$T/dev.out")
}
stop_writ() { kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=(); }

start_writ
curl -sf -o /dev/null -H "X-Vault-Token: $WRIT_TOKEN" -d '{"data":{"user":"app","password":"s3cr3t"}}' \
  http://127.0.0.1:18200/v1/secret/data/bench/read
read -r read_rate read_p99 < <(run_wrk kv_read http://127.0.0.1:18200/v1/secret/data/bench/read "$here/kv_read.lua")
# A write right after the read run: it must not wait for the run's audit pages to reach the disk.
after_burst_ms=$(curl -sf -o /dev/null -w '%{time_total}' -H "X-Vault-Token: $WRIT_TOKEN" \
  -d '{"data":{"a":"b"}}' http://127.0.0.1:18200/v1/secret/data/bench/after | awk '{printf "%.0f", $1 * 1000}')
stop_writ
audit_lines=$(wc -l <"$devdir/audit.log")
vstart=$(date +%s%N)
"$writ" audit verify "$devdir/audit.log" -pubkey "$devdir/audit.log.pub" >/dev/null
vend=$(date +%s%N)
verify_rate=$(( audit_lines * 1000000000 / (vend - vstart) ))
rm -rf "$devdir"

start_writ
read -r write_rate write_p99 < <(run_wrk kv_write http://127.0.0.1:18200 "$here/kv_write.lua")
stop_writ; rm -rf "$devdir"
start_writ
read -r tok_rate tok_p99 < <(run_wrk token_create http://127.0.0.1:18200/v1/auth/token/create "$here/token_create.lua")
stop_writ; rm -rf "$devdir"

# 3. What the disk allows: appends of 2 KiB, each followed by fdatasync, for 3 s.
fsync_rate=$(python3 - "$T/fsync.probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
n, t0, buf = 0, time.time(), b"x" * 2048
while time.time() - t0 < 3:
    os.write(fd, buf); os.fdatasync(fd); n += 1
print(int(n / (time.time() - t0)))
PY
)

# 4. Start-up and idle memory.
read -r _ startup_ms < <(python3 "$here/startup.py" "$writ" 5 | grep startup_ms)
read -r _ idle_mb < <(python3 "$here/startup.py" "$writ" 3 | grep idle_rss_mb)

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
{
  echo "| measurement | writ | peer or limit (same run) | ratio | goal |"
  echo "|---|---|---|---|---|"
  echo "| HTTP limit: nginx 204, 2 workers, wrk -t1 -c$conns | | $nginx_rate/s (p99 $nginx_p99) | | |"
  echo "| KV v2 read, valid token, audit on | $read_rate/s (p99 $read_p99) | nginx $nginx_rate/s | $(pct "$read_rate" "$nginx_rate") | >= 50% |"
  echo "| KV v2 write, audit on, fsync group commit | $write_rate/s (p99 $write_p99) | disk: $fsync_rate appends+fdatasync/s | $(awk -v a="$write_rate" -v b="$fsync_rate" 'BEGIN { printf "%.1f writes per disk fsync", a / b }') | >= 10000/s |"
  echo "| first KV write after the read run | ${after_burst_ms} ms | | | no stall |"
  echo "| token create | $tok_rate/s (p99 $tok_p99) | Vault AppRole login, published: 15000/s | $(pct "$tok_rate" 15000) | >= 20000/s |"
  echo "| \`writ server -dev\` ready | ${startup_ms} ms | | | < 100 ms |"
  echo "| idle resident memory | ${idle_mb} MB | | | < 20 MB |"
  echo "| \`writ audit verify\` ($audit_lines lines) | $verify_rate lines/s | | | >= 200000/s |"
} | tee "$build/bench-results.md"
