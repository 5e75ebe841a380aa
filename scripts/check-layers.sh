#!/usr/bin/env bash
# Fails when an include flows upward through the layers (issue 8):
#   engine/core < engine/net < engine/aws, engine/trend < engine/run < batch
#   reports renders: it may use engine/core only, nobody below batch uses it
# An include is written "dir/file.h"; system headers are not checked. The
# includes that break the rule today are listed in KNOWN below, each to go
# with the engine v2 work; a listed include that no longer exists fails the
# check too, so the list only shrinks.
set -uo pipefail
cd "$(dirname "$0")/.."

allowed() { # $1 = layer of the including file, $2 = included path
	local inc=$2
	case $1 in
	engine/core) [[ $inc == engine/core/* ]] ;;
	engine/net) [[ $inc == engine/core/* || $inc == engine/net/* ]] ;;
	engine/aws) [[ $inc =~ ^engine/(core|net|aws)/ ]] ;;
	engine/trend) [[ $inc =~ ^engine/(core|net|trend)/ ]] ;;
	engine/run) [[ $inc =~ ^engine/(core|net|aws|trend|run)/ ]] ;;
	reports) [[ $inc == engine/core/* || $inc == reports/* ]] ;;
	batch) return 0 ;;
	*) return 0 ;;
	esac
}

KNOWN="
engine/run/account_job.c reports/report_json.h
engine/run/state.c reports/report_json.h
"

found=""
status=0
while IFS= read -r line; do
	file=${line%%:*}
	inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$line")
	layer=$(dirname "$file")
	[[ $layer == engine/* ]] || layer=${layer%%/*}
	allowed "$layer" "$inc" && continue
	found+="$file $inc"$'\n'
	if ! grep -qxF "$file $inc" <<<"$KNOWN"; then
		echo "$file includes $inc: an include that flows upward (see scripts/check-layers.sh)"
		status=1
	fi
done < <(grep -rnE '^#include "[a-z_]+/' --include='*.c' --include='*.h' engine reports batch | sed -E 's/:[0-9]+:/:/')

while IFS= read -r known; do
	[ -z "$known" ] && continue
	if ! grep -qxF "$known" <<<"$found"; then
		echo "scripts/check-layers.sh lists '$known', which is gone: take it off the list"
		status=1
	fi
done <<<"$KNOWN"
exit $status
