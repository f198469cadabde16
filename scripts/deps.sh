#!/bin/bash
# Install the Debian 12 packages writ needs to build and test, if any is missing.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev
  libssl-dev libevent-dev libjansson-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev
  libpcre2-dev libyaml-dev libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev
  libcmocka-dev openssl curl jq sqlite3 wrk nghttp2-client nginx-light postgresql nodejs npm clang-format python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm may come from elsewhere than Debian's packages; accept what is on PATH.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
