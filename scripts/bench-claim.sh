#!/usr/bin/env bash
# Claim latency vs depth and Redis memory per queued job: scripts/bench.sh claim "$@".
exec "$(dirname "$0")/bench.sh" claim "$@"
