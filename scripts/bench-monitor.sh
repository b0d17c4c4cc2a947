#!/usr/bin/env bash
# The monitor page at fleet scale (docs/benchmarks.md, "Monitor page at fleet scale"): 100 machines,
# 400 workers, 2,400 jobs, 400 of them reporting progress, in headless Chromium. Runs the scale test
# of the monitor module in its long form and prints the page's figures and this machine.
#
#   scripts/bench-monitor.sh                   # 60 s per view, 2 progress reports per job per second
#   SECONDS_PER_VIEW=20 RATE=4 scripts/bench-monitor.sh
#
# Needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${SECONDS_PER_VIEW:-60}
rate=${RATE:-2}
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
  || { echo "bench-monitor: needs /usr/bin/chromium and /usr/bin/chromedriver: apt-get install -y chromium chromium-driver" >&2; exit 1; }
offline=""; [ -d "$HOME/.m2/repository/io/emp/emp-core" ] && offline="-o"
# the monitor's siblings (core, api, worker, router, supervisor, testkit) must be in the local repository
[ -d "$HOME/.m2/repository/io/emp/emp-supervisor" ] || mvn -B -q $offline install -DskipTests
mvn -B -q $offline -pl verticles/monitor test -Dtest=MonitorScaleTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmonitor.bench.seconds="$seconds" -Dmonitor.bench.rate="$rate"
echo "== result (verticles/monitor/target/monitor-bench/result.json)"
cat verticles/monitor/target/monitor-bench/result.json
echo
echo "== machine"
echo "nproc: $(nproc)"
free -g | sed -n '1,2p'
/usr/bin/chromium --version 2>/dev/null | grep -v '^\s*$' || true
java -version 2>&1 | head -1
