#!/usr/bin/env bash
# The issue's "done when", exactly as a user types it: `c1sim gen 5 DIR`,
# `source DIR/env.sh` (which starts a c1sim when none answers), then the
# `aws` executable lists the universe's stacks. Exit 77 (SKIP) without aws.
set -uo pipefail
# shellcheck source=tests/integration/sim_test_lib.sh
source "$(dirname "$0")/sim_test_lib.sh"

sim_need aws curl python3
sim_clean_env
sim_gen 5

# shellcheck disable=SC1091
source "$SIM_UNIVERSE/env.sh" >"$SIM_DIR/env.log" 2>&1 || sim_fail "source env.sh: $(cat "$SIM_DIR/env.log")"
[ -s "$SIM_UNIVERSE/c1sim.pid" ] || sim_fail "env.sh started no c1sim (no $SIM_UNIVERSE/c1sim.pid)"
pid=$(cat "$SIM_UNIVERSE/c1sim.pid")
port=$(cat "$SIM_UNIVERSE/c1sim.port")
[ "${AWS_ENDPOINT_URL:-}" = "http://127.0.0.1:$port" ] || sim_fail "AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-} port $port"
SIM_URL=$AWS_ENDPOINT_URL
sim_wait_http "$SIM_URL/_sim/state" "$pid" 10 || sim_fail "the c1sim env.sh started does not answer"

# Sourcing again reuses the live server.
# shellcheck disable=SC1091
source "$SIM_UNIVERSE/env.sh" >"$SIM_DIR/env2.log" 2>&1 || sim_fail "second source env.sh"
[ "$(cat "$SIM_UNIVERSE/c1sim.pid")" = "$pid" ] || sim_fail "a second source started another c1sim"
[ "$AWS_ENDPOINT_URL" = "$SIM_URL" ] || sim_fail "second source changed the endpoint"

out="$SIM_DIR/out.json"
aws cloudformation describe-stacks --output json >"$out" 2>"$SIM_DIR/err" ||
	sim_fail "aws cloudformation describe-stacks: $(cat "$SIM_DIR/err")"
[ "$(json_get "$out" 'type(d.get("Stacks")).__name__')" = list ] || sim_fail "describe-stacks: $(cat "$out")"

acct=$(sed -n 's/^\[profile acct-\([0-9]\{12\}\)\]$/\1/p' "$AWS_CONFIG_FILE" | head -1)
[ -n "$acct" ] || sim_fail "no acct-<id> profile in $AWS_CONFIG_FILE"
tpl='{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}'
aws cloudformation create-stack --profile "acct-$acct" --stack-name envsh-demo --template-body "$tpl" \
	--output json >"$out" 2>"$SIM_DIR/err" || sim_fail "create-stack: $(cat "$SIM_DIR/err")"
aws cloudformation list-stacks --profile "acct-$acct" --output json >"$out" 2>"$SIM_DIR/err" ||
	sim_fail "aws cloudformation list-stacks: $(cat "$SIM_DIR/err")"
names=$(json_get "$out" '[s["StackName"] for s in d["StackSummaries"]]')
[ "$names" = '["envsh-demo"]' ] || sim_fail "list-stacks for acct-$acct shows $names, want [\"envsh-demo\"]"

# The stack is the account's, not the MSP's.
aws cloudformation list-stacks --output json >"$out" 2>"$SIM_DIR/err" || sim_fail "list-stacks (msp)"
[ "$(json_get "$out" 'len(d["StackSummaries"])')" = 0 ] || sim_fail "the msp account sees $(cat "$out")"

kill "$pid" 2>/dev/null
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$pid" 2>/dev/null && sim_fail "the env.sh c1sim ignored SIGTERM"
echo "envsh_awscli: gen 5 + source env.sh + aws cloudformation describe-stacks/list-stacks work"
exit 0
