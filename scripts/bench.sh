#!/usr/bin/env bash
# Runs one benchmark of verticles/bench (docs/benchmarks.md has the figures and the commands):
#   scripts/bench.sh claim      [--depths 1000,100000,1000000] [--signatures 50] [--claims 2000]
#   scripts/bench.sh dispatch   [--workers 4] [--jobs 2000]
#   scripts/bench.sh throughput [--jobs 50000] [--slots 32] [--in-flight 64]      (--slots 1,8,32: one run each)
#   scripts/bench.sh idle       [--workers 20] [--seconds 60]
#   scripts/bench.sh recovery   [--trials 20] [--lease-ms 15000] [--heartbeat-ms 2000] [--reap-ms 1000]
#   scripts/bench.sh bullmq     [--jobs 50000] [--concurrency 16] [--producers 64] [--warmup 2000]
# Each starts its own redis-server on a free port (never the one on 6379). Results: target/bench/.
# `bullmq` installs BullMQ (versions pinned in scripts/bullmq-bench/package.json and package-lock.json)
# into target/bullmq-bench with the machine's npm, then runs emp and BullMQ against the same redis-server.
# The fleet simulator has its own script: scripts/simulate.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=verticles/bench/target/emp-bench.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml verticles lua-scripts -newer "$jar" -type f \( -name '*.java' -o -name '*.lua' -o -name 'pom.xml' \) -not -path '*/target/*' | head -1)" ]; then
  mvn -B -q -DskipTests package
fi
# run from a private copy: a concurrent `mvn package` must not swap the jar under the running JVM
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
cp "$jar" "$run/emp-bench.jar"
if [ -f verticles/worker/target/emp-worker.jar ]; then cp verticles/worker/target/emp-worker.jar "$run/emp-worker.jar"; fi
jar="$run/emp-bench.jar"
java=(java -Xmx3g "-Demp.worker.jar=$run/emp-worker.jar" -jar "$jar")
if [ "${1:-}" = "bullmq" ]; then
  shift
  command -v node >/dev/null || { echo "node is required (Debian: apt-get install -y nodejs npm)" >&2; exit 2; }
  dir=target/bullmq-bench
  if ! cmp -s scripts/bullmq-bench/package-lock.json "$dir/package-lock.json" || [ ! -d "$dir/node_modules/bullmq" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp scripts/bullmq-bench/package.json scripts/bullmq-bench/package-lock.json "$dir/"
    npm ci --prefix "$dir" --no-audit --no-fund >&2
  fi
  cp scripts/bullmq-bench/bench.mjs "$dir/"
  "${java[@]}" compare --node-script "$dir/bench.mjs" "$@"
  exit
fi
"${java[@]}" "$@"
