#!/bin/sh
# Nightly c1onboard run for cron: onboard new rows and repair what drifted
# (apply is idempotent), keep the newest runs' reports, and print only when a
# person must look, so cron's mail comes only then. Usage:
#   c1onboard-cron.sh ACCOUNTS.csv
# Environment (all optional):
#   C1ONBOARD            the binary (default: c1onboard on PATH)
#   C1_STATE_DIR         state store and lock (default /var/lib/c1onboard)
#   C1_WAIT_LOCK         seconds to wait for a previous run still holding the lock (default 0)
#   C1_REPORTS_DIR       report folders and `latest` (default $C1_STATE_DIR/reports)
#   C1_KEEP_RUNS         runs whose reports and state rows are kept (default 30)
#   C1_EXTRA_ARGS        more options, e.g. "-j 16 --rate cloudformation=3"
# The secret references of the spreadsheet (env:VAR, file:PATH) must resolve in
# cron's environment: source them here or use file: references.
# Exit status: c1onboard's (0 ok, 1 failed or rolled back, 2 drift apply cannot
# repair, 75 the previous run still holds the lock, 78 configuration).
set -u
accounts=${1:?usage: c1onboard-cron.sh ACCOUNTS.csv}
bin=${C1ONBOARD:-c1onboard}
state=${C1_STATE_DIR:-/var/lib/c1onboard}
reports=${C1_REPORTS_DIR:-$state/reports}
keep=${C1_KEEP_RUNS:-30}
log=$state/cron.log
mkdir -p "$state" "$reports" || exit 78

# --fail-on-drift: drift apply could not repair is worth a mail (exit 2).
# --log-format json keeps the log machine-readable; the summary goes to the log too.
# shellcheck disable=SC2086 # C1_EXTRA_ARGS is a list of options on purpose
"$bin" apply "$accounts" --state-dir "$state" --reports-dir "$reports" --no-progress \
	--log-format json --fail-on-drift --keep-runs "$keep" --wait-lock "${C1_WAIT_LOCK:-0}" \
	${C1_EXTRA_ARGS:-} >"$log" 2>&1
rc=$?

case $rc in
0) exit 0 ;;
75)
	echo "c1onboard: skipped: the previous run still holds $state/lock (started $(stat -c %y "$state/lock" 2>/dev/null))"
	exit 75
	;;
esac

# Someone must look: say what, per account, and where the reports are.
echo "c1onboard apply exited $rc ($(date -u +%FT%TZ)); reports: $reports/latest/"
results=$reports/latest/results.csv
if [ -r "$results" ]; then
	python3 - "$results" <<'PY'
import csv, sys
ok = {"succeeded", "unchanged", "repaired"}
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row.get("status") not in ok:
        print("  %s %s: %s" % (row.get("account_id"), row.get("status"), (row.get("reason") or "")[:300]))
PY
else
	tail -n 20 "$log"
fi
exit $rc
