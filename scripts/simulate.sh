#!/usr/bin/env bash
# Fleet simulator (docs/simulator.md): runs a scenario against the real api, router and worker code on a
# private redis-server (started on a free port; never the one on 6379) and writes
# target/sim/<scenario>/report.{md,html,json}.
#   scripts/simulate.sh scripts/scenarios/steady.yaml [--time-scale 20] [--out target/sim] [--verbose true]
# Exit code 1 when a job was lost or completed twice.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: scripts/simulate.sh scripts/scenarios/<name>.yaml [--time-scale K] [--out DIR] [--verbose true]" >&2
  exit 2
fi
jar=verticles/bench/target/emp-bench.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml verticles lua-scripts -newer "$jar" -type f \( -name '*.java' -o -name '*.lua' -o -name 'pom.xml' \) -not -path '*/target/*' | head -1)" ]; then
  mvn -B -q -DskipTests package
fi
# run from a private copy: a concurrent `mvn package` must not swap the jar under the running JVM
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
cp "$jar" "$run/emp-bench.jar"
java -Xmx3g -XX:+UseParallelGC -jar "$run/emp-bench.jar" simulate "$@"
