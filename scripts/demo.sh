#!/usr/bin/env bash
# The demo: builds, starts the simulator (c1sim), onboards examples/accounts.csv
# against it, runs apply a second time (all unchanged), and prints where the
# reports are. Nothing leaves this machine: every endpoint is the local c1sim.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
demo="$PWD/build/demo"
rm -rf "$demo"
mkdir -p "$demo"
reports="$PWD/demo-reports"

# A simulated universe: the MSP's own keys (profile msp) and Cloud One keys and
# Vision One tokens for three tenants (us-1, gb-1, de-1).
build/c1sim gen 3 "$demo/universe" --tenants 3 >/dev/null
build/c1sim --port 0 --port-file "$demo/c1sim.port" --time-scale 0.01 2>"$demo/c1sim.log" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/c1sim.port" ] && break; sleep 0.05; done
endpoint="http://127.0.0.1:$(cat "$demo/c1sim.port")"

export AWS_CONFIG_FILE="$PWD/examples/aws/config"
export AWS_SHARED_CREDENTIALS_FILE="$demo/universe/aws/credentials"
# c1sim runs 100x faster than AWS (--time-scale 0.01): poll its stacks faster than the
# engine's real-AWS default (5 s doubling to 30 s).
export C1ONBOARD_POLL_MIN_MS=200 C1ONBOARD_POLL_MAX_MS=2000
export AWS_ENDPOINT_URL="$endpoint" C1_ENDPOINT_URL="$endpoint" V1_ENDPOINT_URL="$endpoint"
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
set -a
# shellcheck disable=SC1091
. "$demo/universe/secrets.env"
set +a
# Acme's Cloud One account is in us-1; Globex's in de-1 (eu-central-1).
export C1_API_KEY_T2="$C1_API_KEY_T3" V1_TOKEN_T2="$V1_TOKEN_T3"

# The customers' existing CloudTrail buckets (Globex's lives in its retail account).
for b in acme-org-cloudtrail-logs:us-east-1:111122223333 acme-staging-trail:us-east-1:111122224444 \
	globex-cloudtrail-eu:eu-central-1:222233334444; do
	IFS=: read -r name region account <<<"$b"
	curl -fsS -X POST "$endpoint/_sim/buckets" \
		-d "{\"name\":\"$name\",\"region\":\"$region\",\"account_id\":\"$account\"}" >/dev/null
done

echo "== c1onboard validate examples/accounts.csv"
build/c1onboard validate examples/accounts.csv
echo
echo "== c1onboard apply examples/accounts.csv  (against c1sim at $endpoint)"
set +e
build/c1onboard apply examples/accounts.csv --no-progress --state-dir "$demo/state" --reports-dir "$reports"
rc=$?
echo "exit code: $rc"
first_report=$(readlink -f "$reports/latest/report.json")
echo "-- the first run, account by account ($first_report):"
python3 - "$first_report" <<'PY' || true
import json, sys
r = json.load(open(sys.argv[1]))
for a in r["accounts"]:
    print(f'  {a["account_id"]} {a.get("region") or "-":15} {a["status"]:10} {(a.get("reason") or "")[:90]}')
PY
echo
echo "== c1onboard apply again: already onboarded accounts are 'unchanged'"
build/c1onboard apply examples/accounts.csv --no-progress -q --state-dir "$demo/state" --reports-dir "$reports"
echo "exit code: $?"
set -e
echo
echo "Reports of the second run: $reports/latest/report.json"
python3 - "$reports/latest/report.json" <<'PY' || true
import json, sys
r = json.load(open(sys.argv[1]))
print("summary:", {k: v for k, v in r["summary"].items() if v})
for a in r["accounts"]:
    print(f'  {a["account_id"]} {a.get("region") or "-":15} {a["status"]}')
PY
exit "$rc"
