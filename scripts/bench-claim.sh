#!/usr/bin/env bash
# Claim latency vs depth and Redis memory per queued job (issue: broker core).
#   scripts/bench-claim.sh [--depths 1000,100000,1000000] [--signatures 50] [--claims 2000]
# Starts its own redis-server on a free port (never touches the one on 6379).
# Writes target/bench/claim.{json,md} and prints the Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f verticles/bench/target/emp-bench.jar ] || [ -n "$(find verticles lua-scripts -newer verticles/bench/target/emp-bench.jar -name '*.java' -o -newer verticles/bench/target/emp-bench.jar -name '*.lua' | head -1)" ]; then
  mvn -B -q -DskipTests -pl verticles/bench -am package
fi
exec java -Xmx2g -jar verticles/bench/target/emp-bench.jar claim "$@"
