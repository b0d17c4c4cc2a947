#!/usr/bin/env bash
# Renders the main views of the monitor page (machines, jobs, job details, submit, stats) against a
# small live fleet in headless Chromium and saves them as docs/images/monitor-*.png (used by the README).
# Takes about a minute: the stats view needs some history first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
  || { echo "monitor-screenshots: needs /usr/bin/chromium and /usr/bin/chromedriver: apt-get install -y chromium chromium-driver" >&2; exit 1; }
offline=""; [ -d "$HOME/.m2/repository/io/emp/emp-core" ] && offline="-o"
[ -d "$HOME/.m2/repository/io/emp/emp-supervisor" ] || mvn -B -q $offline install -DskipTests
mvn -B -q $offline -pl verticles/monitor test -Dtest=MonitorScreenshots -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmonitor.screenshots.dir="$root/docs/images"
ls -l docs/images/monitor-*.png
