#!/usr/bin/env bash
# ctest bench.onboard_smoke: the benchmark end to end on the build it is given (the sanitizer
# build in the default run), small and fast, no timing assertion: 200 accounts over 10 tenants
# with latency and both rate limits on; the JSON line parses, every account succeeded,
# requests_per_account is a number and no account failed on throttling.
#   tests/bench/onboard_smoke.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: onboard_smoke.sh BUILD_DIR}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
"$(dirname "$0")/onboard.sh" --build "$build" -n 200 -t 10 -j 50 --time-scale 0.002 --latency-ms 20 \
	--c1-rate 10 --cfn-rate 5 --timeout 240 >"$out" || rc=$?
cat "$out"
python3 - "$out" "$rc" <<'PY'
import json, numbers, sys
text = open(sys.argv[1]).read().strip().splitlines()
assert len(text) == 1, f"want one JSON line, got {len(text)} (onboard.sh exited {sys.argv[2]})"
line = json.loads(text[0])
problems = []
if line["run"] != "direct":
    problems.append(f"run {line['run']}")
if line["succeeded"] != line["accounts"] or line["exit_code"] != 0:
    problems.append(f"{line['succeeded']} of {line['accounts']} succeeded, exit {line['exit_code']}: {line['summary']}")
for k in ("requests_per_account", "min_requests_per_account", "makespan_s", "lower_bound_s", "ratio",
          "cpu_s_per_account", "peak_rss_mb", "sim_cpu_s", "throttled"):
    if not isinstance(line.get(k), numbers.Number):
        problems.append(f"{k} is not a number: {line.get(k)!r}")
if line["throttled_failures"]:
    problems.append(f"{line['throttled_failures']} account(s) failed on throttling")
if problems:
    sys.exit("bench smoke: " + "; ".join(problems))
print(f"bench smoke: {line['accounts']} accounts succeeded, {line['requests_per_account']} requests/account "
      f"(min {line['min_requests_per_account']}), {line['throttled']} throttled answers, ratio {line['ratio']}")
PY
[ "$rc" -eq 0 ] || { echo "onboard.sh exited $rc" >&2; exit 1; }
