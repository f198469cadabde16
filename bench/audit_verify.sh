#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build and run the audit log verification benchmark (bench/audit_verify.c).
#   bench/audit_verify.sh [build-dir] [lines]
# With a build directory holding libwrit.a (e.g. build/release) it links that;
# otherwise it compiles lib/base, lib/crypto and lib/audit itself with -O2.
# Prints lines/s of writ_audit_verify_file; the target is >= 200,000 lines/s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-}
lines=${2:-1000000}
out=$(mktemp -d "${TMPDIR:-/tmp}/writ-bench-audit.XXXXXX")
trap 'rm -rf "$out"' EXIT

libs="$(pkg-config --libs libcrypto jansson) -lpthread"
cflags="-std=c11 -D_DEFAULT_SOURCE -O2 -g -Iinclude"
if [ -n "$build" ] && [ -f "$build/libwrit.a" ]; then
  # shellcheck disable=SC2086
  gcc $cflags bench/audit_verify.c "$build/libwrit.a" $(pkg-config --libs sqlite3) $libs \
    -o "$out/audit_verify"
else
  # shellcheck disable=SC2086
  gcc $cflags -Ilib lib/base/*.c lib/crypto/*.c lib/audit/*.c bench/audit_verify.c $libs \
    -o "$out/audit_verify"
fi
TMPDIR="$out" "$out/audit_verify" "$lines"
