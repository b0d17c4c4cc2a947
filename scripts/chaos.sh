#!/usr/bin/env bash
# The chaos suite (docs/reliability.md): every role as its own JVM against a private redis-server with
# AOF (started on a free port; never the one on 6379), under kill -9, SIGSTOP, control-plane restarts,
# Redis restarts and outages and a submission burst, with the invariant checker after each scenario.
#   scripts/chaos.sh            the short forms (the same ones `mvn -B verify` runs), ~6-10 minutes
#   scripts/chaos.sh --long     the long forms: longer kill loops, 3 Redis restarts, a 100k burst (~40+ minutes)
#   scripts/chaos.sh --seed N   another random seed (default 20261128); --burst N: burst size
# Report: verticles/standalone/target/chaos/report.md (figures, recovery times, invariant results);
# role logs under verticles/standalone/target/chaos/logs/. Exit code non-zero when an invariant failed.
set -euo pipefail
cd "$(dirname "$0")/.."
props=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) props+=(-Demp.chaos.long=true); shift ;;
    --seed) props+=("-Demp.chaos.seed=${2:?--seed needs a number}"); shift 2 ;;
    --burst) props+=("-Demp.chaos.burst=${2:?--burst needs a number}"); shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install -y redis-server)" >&2; exit 1; }
# builds the role jars the suite starts (their own tests skipped), then runs only the chaos suite
mvn -B -pl verticles/standalone -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ChaosIT -Dfailsafe.failIfNoSpecifiedTests=false ${props[@]+"${props[@]}"}
echo "report: verticles/standalone/target/chaos/report.md"
