#!/usr/bin/env bash
# Benchmark (not in ctest): onboard N simulated accounts end to end and report
# the wall time and the requests per account that c1sim counted.
#   tests/bench/engine_onboard.sh [BUILD_DIR] [N] [TIME_SCALE] [JOBS] [LATENCY_MS]
# Defaults: build 200 0.01 50 0. LATENCY_MS makes c1sim answer every request
# that much later (real AWS and Cloud One take 50-300 ms). The engine's worker
# threads come from C1ONBOARD_THREADS when set. Use a build without sanitizers.
set -euo pipefail
build=${1:-build}
n=${2:-200}
scale=${3:-0.01}
jobs=${4:-50}
latency=${5:-0}
work=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build/c1sim" gen "$n" "$work/u" --tenants 3 >/dev/null
printf '{"latency_ms": %d}\n' "$latency" >"$work/faults.json"
"$build/c1sim" --port 0 --port-file "$work/u/c1sim.port" --time-scale "$scale" --faults "$work/faults.json" \
	2>"$work/sim.log" &
sim=$!
for _ in $(seq 200); do [ -s "$work/u/c1sim.port" ] && break; sleep 0.05; done
# shellcheck disable=SC1091
. "$work/u/env.sh" >/dev/null
start=$(date +%s.%N)
rc=0
C1ONBOARD_POLL_MIN_MS=${C1ONBOARD_POLL_MIN_MS:-200} C1ONBOARD_POLL_MAX_MS=${C1ONBOARD_POLL_MAX_MS:-15000} \
"$build/c1onboard" apply "$work/u/accounts.csv" -j "$jobs" --no-progress -q \
	--state-dir "$work/state" --reports-dir "$work/reports" || rc=$?
end=$(date +%s.%N)
curl -fsS "http://127.0.0.1:$(cat "$work/u/c1sim.port")/_sim/state" >"$work/state.json"
python3 - "$work/state.json" "$work/reports/latest/report.json" "$n" "$start" "$end" "$rc" <<'PY'
import json, sys
state, report, n, start, end, rc = sys.argv[1:]
s = json.load(open(state)); r = json.load(open(report)); n = int(n)
total = sum(x["count"] for x in s["requests"])
throttled = sum(x.get("throttled", 0) for x in s["requests"])
print(f"accounts={n} exit={rc} wall_s={float(end) - float(start):.1f} "
      f"summary={ {k: v for k, v in r['summary'].items() if v} }")
print(f"requests={total} per_account={total / n:.1f} throttled={throttled}")
for x in sorted(s["requests"], key=lambda x: -x["count"])[:12]:
    print(f"  {x['service']:15} {x['route']:45} {x['count']:6} ({x['count'] / n:.2f}/account)")
PY
