#!/bin/bash
# Reject banned functions and constructs in writ's C sources (after curl's checksrc).
set -uo pipefail
cd "$(dirname "$0")/.."
banned='\b(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|gets|atoi|atol|strtol|strtoul|strtoll|strtoull|alloca|rand|srand|system)[[:space:]]*\('
bad=0
while IFS= read -r f; do
  if grep -nE "$banned" "$f" | grep -vE '^\s*[0-9]+:\s*(\*|/\*)' | grep -v 'checksrc:ok'; then
    echo "$f: banned function (see STYLE.md 6)"; bad=1
  fi
done < <(git ls-files 'lib/*.c' 'server/*.c' 'cli/*.c' 'agent/*.c' 'include/*.h')
exit $bad
