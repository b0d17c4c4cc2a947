#!/usr/bin/env bash
# Brings up a GPU machine (or a container) and runs its supervisor in the foreground.
#
#   EMP_REDIS_URL=rediss://… EMP_MACHINE_ID=salad-17 EMP_POOL=fast scripts/bootstrap-machine.sh
#
# Steps (each one idempotent, so the script can run at every boot):
#   1. a Java runtime (>= 17): apt-get installs openjdk-17-jre-headless when missing and run as root;
#   2. the jars in $EMP_HOME (default /opt/emp): copied from $EMP_JARS_DIR (a build's verticles/*/target)
#      or downloaded from $EMP_JARS_URL/<jar> (https, checked against <jar>.sha256 when present);
#   3. the machine spec: $EMP_MACHINE_SPEC if set, else written from the template $EMP_MACHINE_TEMPLATE
#      (comfyui-gpu | simulation; default comfyui-gpu when nvidia-smi sees a GPU, else simulation);
#   4. the supervisor in the foreground, PID-1 friendly: under tini when available (signals forwarded,
#      zombies reaped), else this shell forwards SIGTERM/SIGINT and reaps.
# Environment: every EMP_* variable of docs/configuration.md and docs/supervisor.md is passed through.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." 2>/dev/null && pwd || echo /opt/emp)
EMP_HOME=${EMP_HOME:-/opt/emp}
log() { echo "bootstrap: $*" >&2; }
die() { log "$*"; exit 1; }

# 1. Java ---------------------------------------------------------------------------------------
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing a Java 17 runtime"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless
  else
    die "Java 17+ is required (sudo apt-get install -y openjdk-17-jre-headless)"
  fi
fi

# 2. Jars ---------------------------------------------------------------------------------------
mkdir -p "$EMP_HOME"
for jar in emp-supervisor.jar emp-worker.jar; do
  if [ -n "${EMP_JARS_DIR:-}" ]; then
    src=$(find "$EMP_JARS_DIR" -name "$jar" -type f | head -1)
    [ -n "$src" ] || die "$jar not found under EMP_JARS_DIR=$EMP_JARS_DIR"
    if ! cmp -s "$src" "$EMP_HOME/$jar" 2>/dev/null; then
      cp "$src" "$EMP_HOME/$jar.tmp"
      mv -f "$EMP_HOME/$jar.tmp" "$EMP_HOME/$jar"
    fi
  elif [ -n "${EMP_JARS_URL:-}" ]; then
    case "$EMP_JARS_URL" in https://*) ;; *) die "EMP_JARS_URL must be https://";; esac
    if [ ! -f "$EMP_HOME/$jar" ] || [ "${EMP_JARS_REFRESH:-false}" = true ]; then
      log "downloading $jar"
      curl -fsSL "$EMP_JARS_URL/$jar" -o "$EMP_HOME/$jar.tmp"
      if curl -fsSL "$EMP_JARS_URL/$jar.sha256" -o "$EMP_HOME/$jar.sha256" 2>/dev/null; then
        (cd "$EMP_HOME" && echo "$(cut -d' ' -f1 < "$jar.sha256")  $jar.tmp" | sha256sum -c --quiet -) \
          || die "checksum mismatch for $jar"
      fi
      mv -f "$EMP_HOME/$jar.tmp" "$EMP_HOME/$jar"
    fi
  elif [ -f "$here/verticles/supervisor/target/$jar" ] || [ -f "$here/verticles/worker/target/$jar" ]; then
    src=$(find "$here/verticles" -path '*/target/*' -name "$jar" -type f | head -1)
    cp "$src" "$EMP_HOME/$jar"
  fi
  [ -f "$EMP_HOME/$jar" ] || die "$jar is missing in $EMP_HOME (set EMP_JARS_DIR or EMP_JARS_URL)"
done

# 3. Machine spec ------------------------------------------------------------------------------
if [ -z "${EMP_MACHINE_SPEC:-}" ]; then
  template=${EMP_MACHINE_TEMPLATE:-}
  if [ -z "$template" ]; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then template=comfyui-gpu; else template=simulation; fi
  fi
  src="$here/deploy/machine/$template.yaml"
  [ -f "$src" ] || src="$EMP_HOME/machine/$template.yaml"
  [ -f "$src" ] || die "no machine template $template (deploy/machine/$template.yaml)"
  mkdir -p "$EMP_HOME/machine"
  cp "$src" "$EMP_HOME/machine/spec.yaml"
  export EMP_MACHINE_SPEC="$EMP_HOME/machine/spec.yaml"
  log "machine spec $EMP_MACHINE_SPEC from template $template"
fi
export EMP_HOME EMP_RUN_DIR=${EMP_RUN_DIR:-/var/lib/emp} EMP_MACHINE_ID=${EMP_MACHINE_ID:-$(hostname)}
mkdir -p "$EMP_RUN_DIR"

# 4. Supervisor in the foreground --------------------------------------------------------------
cmd=(java ${EMP_SUPERVISOR_JAVA_OPTS:--Xmx256m} -jar "$EMP_HOME/emp-supervisor.jar" run)
if command -v tini >/dev/null 2>&1 && [ "$$" = 1 ]; then
  # no -g: a stop signal goes to the supervisor alone, which drains its workers before it stops the
  # backends (a signal to the whole group would stop ComfyUI under jobs still finishing)
  exec tini -- "${cmd[@]}"
fi
"${cmd[@]}" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
while kill -0 "$child" 2>/dev/null; do
  wait "$child" || true
done
wait "$child" 2>/dev/null
