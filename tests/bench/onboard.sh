#!/usr/bin/env bash
# The onboarding benchmark, one command (docs/benchmark.md):
#   tests/bench/onboard.sh [-n N] [-t T] [-j J] [--latency-ms MS] [--time-scale F]
#                          [--c1-rate R] [--cfn-rate R] [--peers] [--peer-jobs J] [--out FILE] ...
# Builds a universe with `c1sim gen`, starts c1sim with the latency and limits, runs
# `c1onboard apply` (and with --peers the template strategy and the AWS CLI xargs script) and
# prints one JSON line per run. Measure with a Release build (build-rel, the default when it
# exists); `--help` lists every option.
set -euo pipefail
exec python3 "$(dirname "$0")/onboard.py" "$@"
