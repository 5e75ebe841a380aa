#!/usr/bin/env bash
# The demo: builds, then runs c1onboard on examples/accounts.csv. Until the
# engine lands it validates the spreadsheet offline (with the example secrets).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
# Example secrets for the example tenants (not real keys).
export C1_API_KEY_T1='demoKeyId1:demo-secret-1' V1_TOKEN_T1='demo-v1-token-1'
export C1_API_KEY_T2='demoKeyId2:demo-secret-2' V1_TOKEN_T2='demo-v1-token-2'
export AWS_CONFIG_FILE="$PWD/examples/aws/config" AWS_SHARED_CREDENTIALS_FILE="$PWD/examples/aws/credentials"
echo "== c1onboard validate examples/accounts.csv"
build/c1onboard validate examples/accounts.csv
echo "== c1onboard validate examples/bad-accounts.csv (every error of the file, exit 65)"
set +e
build/c1onboard validate examples/bad-accounts.csv
echo "exit code: $?"
