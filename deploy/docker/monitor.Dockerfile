# syntax=docker/dockerfile:1
# emp-monitor: the operator web UI and its event-bus bridge (docs/monitor.md). Needs EMP_API_TOKEN.
#
# Build from the repository root (the context must be the whole reactor):
#   docker build -f deploy/docker/monitor.Dockerfile -t emp-monitor .
# Run:
#   docker run --rm -e EMP_REDIS_URL=redis://redis.example:6379 -e EMP_API_TOKEN=… emp-monitor
#
# Stage 1 builds every jar exactly as the README does (mvn -B -DskipTests package); stage 2 is a JRE
# image with one jar, a non-root user and a health check. Every deploy/docker/*.Dockerfile has the same
# build stage, so BuildKit builds the reactor once and reuses the layer for the other roles.
# Not verified here: no Docker engine runs on the project's machines; deploy/… lint tests
# (DeployFilesTest) check the structure of this file, never build it.

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests package

FROM eclipse-temurin:17-jre
# curl for the HEALTHCHECK, tini as PID 1 (signals forwarded, zombies reaped)
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 emp \
 && useradd --system --uid 10001 --gid emp --home-dir /opt/emp --shell /usr/sbin/nologin emp \
 && mkdir -p /opt/emp /var/lib/emp \
 && chown emp:emp /var/lib/emp
COPY --from=build /src/verticles/monitor/target/emp-monitor.jar /opt/emp/emp-monitor.jar

# JAVA_OPTS: JVM options (heap from the container's memory limit; exit at once on OOM so the
# orchestrator restarts a clean process). EMP_* defaults for a container: bind every HTTP server to
# 0.0.0.0 (the roles default to 127.0.0.1 for health servers, which a probe or Prometheus outside the
# container cannot reach) and a Redis host named redis (compose service / Kubernetes Service).
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    EMP_REDIS_URL=redis://redis:6379 \
    EMP_MONITOR_HOST=0.0.0.0 \
    EMP_MONITOR_PORT=3333
USER 10001:10001
WORKDIR /opt/emp
EXPOSE 3333 5701 5801
STOPSIGNAL SIGTERM
# /health is liveness only (200 while the process runs); /ready says whether it can serve.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${EMP_MONITOR_PORT}/health" >/dev/null || exit 1
ENTRYPOINT ["/usr/bin/tini", "--", "sh", "-c", "exec java $JAVA_OPTS -jar /opt/emp/emp-monitor.jar \"$@\"", "emp-monitor"]
