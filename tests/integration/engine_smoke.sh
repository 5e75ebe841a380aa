#!/usr/bin/env bash
# Engine smoke test against c1sim: 6 accounts over 2 tenants onboard, a second
# apply is all `unchanged` with no write call, offboard leaves only the
# Vision One links. C1ONBOARD names the binary (default build/c1onboard).
set -u
source "$(dirname "$0")/sim_test_lib.sh"
C1ONBOARD=${C1ONBOARD:-$(cd "$(dirname "$0")/../.." && pwd)/build/c1onboard}
sim_clean_env
sim_gen 6 --tenants 2
sim_start --time-scale 0.002
# shellcheck disable=SC1091
source "$SIM_UNIVERSE/env.sh"
export C1ONBOARD_POLL_MIN_MS=50 C1ONBOARD_POLL_MAX_MS=500
ST="$SIM_DIR/state" REP="$SIM_DIR/reports"
run() { "$C1ONBOARD" "$@" "$SIM_UNIVERSE/accounts.csv" --state-dir "$ST" --reports-dir "$REP" --no-progress; }
check() { # check PYTHON-EXPR-ON-(state,report) MESSAGE
	sim_state >"$SIM_DIR/state.json" || sim_fail "no state"
	python3 - "$SIM_DIR/state.json" "$REP/latest/report.json" "$1" <<'PY' || sim_fail "$2"
import json, sys
state = json.load(open(sys.argv[1])); report = json.load(open(sys.argv[2]))
live = [s for s in state["stacks"] if s["status"] != "DELETE_COMPLETE"]
writes = sum(r["count"] for r in state["requests"] if r["route"] in (
    "CreateStack", "UpdateStack", "DeleteStack", "POST /api/awsconnectors", "POST /api/cloudaccounts/aws",
    "POST /api/stacks", "DELETE /api/awsconnectors/{id}", "DELETE /api/cloudaccounts/aws/{id}",
    "POST /api/connectors"))
statuses = [a["status"] for a in report["accounts"]]
ok = eval(sys.argv[3])
if not ok:
    print("statuses", statuses, "live stacks", len(live), "connectors", len(state["ws_connectors"]),
          "cloud accounts", len(state["cloud_accounts"]), "writes", writes, file=sys.stderr)
    print(json.dumps(report["accounts"][0], indent=1)[:3000], file=sys.stderr)
open(sys.argv[1] + ".writes", "w").write(str(writes))
sys.exit(0 if ok else 1)
PY
}
run apply || sim_fail "first apply exited $?"
check 'statuses == ["succeeded"] * 6 and len(state["ws_connectors"]) == 6 and len(state["cloud_accounts"]) == 6 and len(live) == 18 and all(sum(1 for s in live if s["account_id"] == a["account_id"]) == 3 for a in report["accounts"])' "first apply"
W1=$(cat "$SIM_DIR/state.json.writes")
run apply || sim_fail "second apply exited $?"
check "statuses == ['unchanged'] * 6 and writes == $W1" "second apply must be unchanged with no write call"
run offboard --yes || sim_fail "offboard exited $?"
check 'len(live) == 0 and not state["ws_connectors"] and not state["cloud_accounts"] and len(state["visionone_links"]) == 2' "offboard must leave only the Vision One links"
sim_stop
echo "engine smoke: ok"
