#!/usr/bin/env bash
# The real AWS CLI against c1sim: `c1sim gen 5`, source env.sh, then STS,
# S3 and CloudTrail calls, a wrong secret and an unknown key, and the
# /_sim/state document. Starts its own server on a random port; the server
# must exit 0 on SIGTERM (LeakSanitizer fails it on a leak).
# usage: sim_aws_cli.sh path/to/c1sim
set -euo pipefail

c1sim=$1
if ! command -v aws >/dev/null 2>&1; then
	echo "SKIP: the aws CLI is not installed (apt-get install awscli)"
	exit 77
fi

work=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/c1sim.log" ] && { echo "--- c1sim log" >&2; cat "$work/c1sim.log" >&2; }
	exit 1
}

# json FILE EXPR: evaluate a Python expression over the parsed document `d`.
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# A private HOME: the CLI caches assumed-role credentials under ~/.aws/cli/cache,
# and c1sim's stateless sessions would let a previous run's cache answer.
export PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv}
export HOME="$work/home"
mkdir -p "$HOME"

u="$work/u"
"$c1sim" gen 5 "$u" --tenants 2 --seed 7 >/dev/null || fail "gen failed"
[ "$(wc -l <"$u/accounts.csv")" -eq 6 ] || fail "accounts.csv should have a header and 5 rows"
head -1 "$u/accounts.csv" | grep -qx 'account_id,name,profile,region,bucket,create_new_trail,stack_name,cloudone_api_key,visionone_token,tags' ||
	fail "accounts.csv header"
[ "$(stat -c %a "$u/aws/credentials")" = 600 ] || fail "aws/credentials must be 0600"
[ "$(stat -c %a "$u/secrets.env")" = 600 ] || fail "secrets.env must be 0600"

# Our own server, so the test controls its lifetime; env.sh finds it through c1sim.port.
"$c1sim" --port 0 --port-file "$u/c1sim.port" -v >"$work/c1sim.log" 2>&1 &
pid=$!
echo "$pid" >"$u/c1sim.pid"
for _ in $(seq 100); do [ -s "$u/c1sim.port" ] && break; sleep 0.1; done
[ -s "$u/c1sim.port" ] || fail "c1sim did not write its port file"
port=$(cat "$u/c1sim.port")

# shellcheck disable=SC1091
. "$u/env.sh"
[ "$AWS_ENDPOINT_URL" = "http://127.0.0.1:$port" ] || fail "env.sh endpoint $AWS_ENDPOINT_URL is not our server"
[ -n "${C1_API_KEY_T2:-}" ] && [ -n "${V1_TOKEN_T1:-}" ] || fail "env.sh did not export the tenant secrets"

row=$(sed -n 3p "$u/accounts.csv") # tenant 2: gb-1 -> eu-west-2
acct=${row%%,*}
region=$(echo "$row" | cut -d, -f4)
bucket=$(echo "$row" | cut -d, -f5)
[ "$region" = eu-west-2 ] || fail "tenant 2 should map to eu-west-2, got $region"

out="$work/out.json"
aws sts get-caller-identity --output json >"$out" || fail "get-caller-identity (msp)"
[ "$(json "$out" 'd["Account"]')" = 999900000000 ] || fail "msp account"

aws sts get-caller-identity --profile "acct-$acct" --output json >"$out" || fail "get-caller-identity via role"
[ "$(json "$out" 'd["Account"]')" = "$acct" ] || fail "assumed account"
json "$out" 'd["Arn"]' | grep -q ":assumed-role/OrganizationAccountAccessRole/" || fail "assumed-role ARN"

aws sts assume-role --role-arn "arn:aws:iam::$acct:role/OrganizationAccountAccessRole" \
	--role-session-name itest --duration-seconds 900 --external-id ext-123 --output json >"$out" ||
	fail "assume-role"
json "$out" 'd["Credentials"]["AccessKeyId"]' | grep -q "^ASIA$acct" || fail "session key id"
json "$out" 'd["AssumedRoleUser"]["Arn"]' | grep -qx "arn:aws:sts::$acct:assumed-role/OrganizationAccountAccessRole/itest" ||
	fail "AssumedRoleUser.Arn"

# CLI v1 convention: an explicit --endpoint-url works as well as AWS_ENDPOINT_URL.
aws s3api head-bucket --bucket "$bucket" --profile "acct-$acct" --endpoint-url "$AWS_ENDPOINT_URL" \
	--output json >"$out" || fail "head-bucket"
[ "$(json "$out" 'd["BucketRegion"]')" = eu-west-2 ] || fail "head-bucket region"
if aws s3api head-bucket --bucket no-such-bucket-c1sim --profile "acct-$acct" 2>"$work/err"; then
	fail "head-bucket of a missing bucket succeeded"
fi
grep -q "404" "$work/err" || fail "missing bucket should be 404: $(cat "$work/err")"

aws s3api get-bucket-location --bucket "$bucket" --profile "acct-$acct" --output json >"$out" ||
	fail "get-bucket-location"
[ "$(json "$out" 'd["LocationConstraint"]')" = eu-west-2 ] || fail "LocationConstraint"
row1=$(sed -n 2p "$u/accounts.csv") # tenant 1: us-east-1, the empty-constraint quirk
aws s3api get-bucket-location --bucket "$(echo "$row1" | cut -d, -f5)" --profile "acct-${row1%%,*}" \
	--output json >"$out" || fail "get-bucket-location us-east-1"
[ "$(json "$out" 'd["LocationConstraint"]')" = None ] || fail "us-east-1 LocationConstraint should be null"

aws cloudtrail describe-trails --profile "acct-$acct" --region "$region" --output json >"$out" || fail "describe-trails"
[ "$(json "$out" 'd["trailList"][0]["S3BucketName"]')" = "$bucket" ] || fail "trail bucket"
[ "$(json "$out" 'd["trailList"][0]["HomeRegion"]')" = eu-west-2 ] || fail "trail home region"

# A wrong secret and an unknown key id.
bad="$work/bad-credentials"
key=$(sed -n 's/^aws_access_key_id = //p' "$u/aws/credentials")
printf '[bad]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key" \
	"0000000000000000000000000000000000000000" >"$bad"
printf '[unknown]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n' >>"$bad"
if AWS_SHARED_CREDENTIALS_FILE=$bad aws sts get-caller-identity --profile bad --region us-east-1 2>"$work/err"; then
	fail "a wrong secret was accepted"
fi
grep -q SignatureDoesNotMatch "$work/err" || fail "wrong secret: $(cat "$work/err")"
if AWS_SHARED_CREDENTIALS_FILE=$bad aws sts get-caller-identity --profile unknown --region us-east-1 2>"$work/err"; then
	fail "an unknown key was accepted"
fi
grep -q InvalidClientTokenId "$work/err" || fail "unknown key: $(cat "$work/err")"

# The state document: SPEC arrays and the counters of what we just did.
python3 - "$AWS_ENDPOINT_URL/_sim/state" <<'EOF' || fail "/_sim/state"
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1]))
for k in ("stacks", "ws_connectors", "cloud_accounts", "cloudtrail_integrations", "visionone_links", "requests"):
    assert isinstance(d.get(k), list), k
routes = {(r["service"], r["route"]): r for r in d["requests"]}
assert routes[("sts", "AssumeRole")]["count"] >= 2, routes
assert routes[("s3", "HeadBucket")]["failed"] >= 1, routes
assert routes[("sts", "GetCallerIdentity")]["failed"] == 2, routes
EOF

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" -eq 0 ] || fail "c1sim exited with $rc after SIGTERM"
echo "PASS"
