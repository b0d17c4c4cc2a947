#!/usr/bin/env bash
# Prints or loads the Redis function library 'emp' (the same concatenation the Java loader does).
#   scripts/redis-functions.sh print            # the library source, version placeholder replaced
#   scripts/redis-functions.sh load [redis-cli args...]   # FUNCTION LOAD REPLACE through redis-cli
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir="$here/lua-scripts/emp"
src=$(grep -v '^\s*#' "$dir/library.txt" | grep -v '^\s*$' | while read -r part; do cat "$dir/$part"; echo; done)
sha=$(printf '%s' "$src" | sha1sum | cut -c1-12)
src=${src//__EMP_LIB_VERSION__/cli-$sha}
case "${1:-print}" in
  print) printf '%s\n' "$src" ;;
  load) shift; printf '%s\n' "$src" | redis-cli "$@" -x FUNCTION LOAD REPLACE ;;
  *) echo "usage: $0 print | load [redis-cli args...]" >&2; exit 2 ;;
esac
