#!/usr/bin/env bash
# Runs one benchmark of verticles/bench (docs/benchmarks.md has the figures and the commands):
#   scripts/bench.sh claim      [--depths 1000,100000,1000000] [--signatures 50] [--claims 2000]
#   scripts/bench.sh dispatch   [--workers 4] [--jobs 2000]
#   scripts/bench.sh throughput [--jobs 50000] [--slots 32] [--in-flight 64]
#   scripts/bench.sh idle       [--workers 20] [--seconds 60]
# Each starts its own redis-server on a free port (never the one on 6379). Results: target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=verticles/bench/target/emp-bench.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml verticles lua-scripts -newer "$jar" -type f \( -name '*.java' -o -name '*.lua' -o -name 'pom.xml' \) -not -path '*/target/*' | head -1)" ]; then
  mvn -B -q -DskipTests package
fi
exec java -Xmx3g -jar "$jar" "$@"
