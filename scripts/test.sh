#!/bin/bash
# Run every CTest suite of one build directory and end with "N passed, N failed".
# Usage: scripts/test.sh BUILD_DIR [ctest args...]
set -uo pipefail
dir=$1; shift
log=$(mktemp)
ctest --test-dir "$dir" --output-on-failure -j2 "$@" 2>&1 | tee "$log"
passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log")
failed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Timeout|Exception|Not Run)' "$log")
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
