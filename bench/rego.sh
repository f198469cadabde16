#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Rego decision latency on one core (issue 3): generated scenarios, each compiled once and
# evaluated for a few seconds by bench_rego.  Usage: bench/rego.sh BUILD_DIR [seconds]
# Prints a markdown table (also written to BUILD_DIR/bench-rego.md).
set -euo pipefail
build=$(cd "$1" && pwd); secs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/writ-bench-rego.XXXXXX)
trap 'rm -rf "$T"' EXIT
python3 "$here/rego/gen.py" "$T"
declare -A med
{
  echo "| scenario | decisions | median | p99 | allocations | compile | compiled size | result |"
  echo "|---|---|---|---|---|---|---|---|"
  for s in rbac abac agent rules10 rules10k; do
    if ! line=$(taskset -c 0 "$build/bench/bench_rego" "$T/$s" "$T/$s/input.json" \
        "$(cat "$T/$s/query.txt")" "$secs" 2>&1); then
      echo "| $s | failed: $line | | | | | | |"; med[$s]=0; continue
    fi
    get() { printf '%s' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    med[$s]=$(get median_ns)
    printf '| %s | %s | %.2f us | %.2f us | %s | %s ms | %s KB | %s |\n' "$s" "$(get decisions)" \
      "$(awk -v n="$(get median_ns)" 'BEGIN{print n/1000}')" "$(awk -v n="$(get p99_ns)" 'BEGIN{print n/1000}')" \
      "$(get allocs)" "$(get compile_ms)" "$(get compiled_kb)" "$(get result | cut -c1-40)"
  done
  # The same RBAC question to Cedar (npm @cedar-policy/cedar-wasm), in the same run.
  if command -v node >/dev/null && (cd "$here/cedar" && npm ci --no-audit --no-fund >/dev/null 2>&1); then
    if line=$(taskset -c 0 node "$here/cedar/rbac.mjs" "$T/rbac" "$secs" 2>&1); then
      get() { printf '%s' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
      med[cedar]=$(get median_ns)
      printf '| rbac, Cedar (cedar-wasm 4.13, one policy per grant) | %s | %.2f us | %.2f us | - | %s ms | - | %s |\n' \
        "$(get decisions)" "$(awk -v n="$(get median_ns)" 'BEGIN{print n/1000}')" \
        "$(awk -v n="$(get p99_ns)" 'BEGIN{print n/1000}')" "$(get compile_ms)" "$(get result)"
    else
      echo "| rbac, Cedar | failed: $line | | | | | | |"
    fi
  else
    echo "| rbac, Cedar | not run: node or npm ci unavailable | | | | | | |"
  fi
  awk -v w="${med[rbac]}" -v c="${med[cedar]:-0}" \
    'BEGIN { if (w > 0 && c > 0) printf "\nCedar / writ, RBAC median: %.1fx\n", c / w }'
  awk -v a="${med[rules10k]}" -v b="${med[rules10]}" \
    'BEGIN { if (b > 0) printf "\n10,000 rules vs 10 rules, median: %.2fx (goal: within 2x)\n", a / b }'
} | tee "$build/bench-rego.md"
