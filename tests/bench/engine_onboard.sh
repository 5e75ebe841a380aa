#!/usr/bin/env bash
# The earlier positional form of the benchmark, kept because notes cite it; it runs
# tests/bench/onboard.sh (docs/benchmark.md) with that form's setup: 3 tenants, no rate limits.
#   tests/bench/engine_onboard.sh [BUILD_DIR] [N] [TIME_SCALE] [JOBS] [LATENCY_MS]
# Defaults: build 200 0.01 50 0.
set -euo pipefail
exec "$(dirname "$0")/onboard.sh" --build "${1:-build}" -n "${2:-200}" --time-scale "${3:-0.01}" \
	-j "${4:-50}" --latency-ms "${5:-0}" -t 3 --c1-rate 0 --cfn-rate 0
