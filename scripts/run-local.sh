#!/usr/bin/env bash
# Runs the product on this machine: the standalone broker (api + router + monitor + a simulated GPU machine)
# in the foreground. Ctrl-C stops everything this script started.
#
#   scripts/run-local.sh                 # private redis-server, port 3331, 4 simulated workers
#   EMP_REDIS_URL=redis://host:6379 scripts/run-local.sh   # use that Redis if it answers
#
# Any EMP_* variable (docs/configuration.md) is passed through to the broker.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
run_dir="$root/.run"
jar="verticles/standalone/target/emp-standalone.jar"

die() { echo "run-local: $*" >&2; exit 1; }

# --- Java and Maven --------------------------------------------------------------------------
command -v java >/dev/null 2>&1 || die "Java 17+ is required (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jdk-headless)"
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
[ "${java_major:-0}" -ge 17 ] || die "Java 17+ is required, found: $(java -version 2>&1 | head -1)"

needs_build() {
  [ -f "$jar" ] || return 0
  [ -n "$(find pom.xml verticles lua-scripts webroot -newer "$jar" -type f \
    \( -name '*.java' -o -name '*.lua' -o -name '*.txt' -o -name 'pom.xml' -o -name '*.xml' -o -name '*.yaml' \
       -o -name '*.html' -o -name '*.js' -o -name '*.css' \) -not -path '*/target/*' 2>/dev/null | head -1)" ]
}
if needs_build; then
  command -v mvn >/dev/null 2>&1 || die "Maven is required to build (sudo apt-get install -y maven)"
  echo "run-local: building the jars (mvn -DskipTests package) ..."
  mvn -B -q -DskipTests package
fi

# --- Redis -----------------------------------------------------------------------------------
redis_answers() { # $1 = redis URL; true when it answers PING
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -u "$1" PING 2>/dev/null)" = "PONG" ]
  else
    local hp=${1#*://}; hp=${hp#*@}; hp=${hp%%/*}
    local host=${hp%:*} port=${hp##*:}
    exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || return 1
    printf 'PING\r\n' >&3; local line; read -r -t 2 line <&3 || true; exec 3<&- 3>&-
    [[ "$line" == +PONG* ]]
  fi
}

redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${EMP_REDIS_URL:-}" ] && redis_answers "$EMP_REDIS_URL"; then
  echo "run-local: using Redis at $EMP_REDIS_URL"
else
  [ -n "${EMP_REDIS_URL:-}" ] && echo "run-local: $EMP_REDIS_URL does not answer; starting a private redis-server"
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "run-local: installing redis-server with apt-get ..."
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
    else
      die "redis-server (>= 7.0) is not installed. Install it (sudo apt-get install -y redis-server, or brew install redis) or set EMP_REDIS_URL to a running Redis."
    fi
  fi
  port=${EMP_LOCAL_REDIS_PORT:-6390}
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  mkdir -p "$run_dir/redis"
  # own session: Ctrl-C reaches the broker first, which still needs Redis to release its jobs
  setsid=""; command -v setsid >/dev/null 2>&1 && setsid="setsid"
  $setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$run_dir/redis" --save "" --appendonly no \
    --logfile "$run_dir/redis/redis.log" --daemonize no &
  redis_pid=$!
  export EMP_REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 1 100); do redis_answers "$EMP_REDIS_URL" && break; sleep 0.05; done
  redis_answers "$EMP_REDIS_URL" || die "the private redis-server did not start; see $run_dir/redis/redis.log"
  echo "run-local: private redis-server on $EMP_REDIS_URL (pid $redis_pid, stopped when you press Ctrl-C)"
fi

# --- The broker ------------------------------------------------------------------------------
java ${EMP_JAVA_OPTS:--Xmx1g} -jar "$jar" &
broker_pid=$!
trap 'kill -TERM $broker_pid 2>/dev/null || true' INT TERM
wait "$broker_pid" || true
trap - INT TERM
wait "$broker_pid" 2>/dev/null || true
