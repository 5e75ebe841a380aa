#!/usr/bin/env python3
"""engine_report_spool: a full disk under the report spool (reports/spool.h).

Finished accounts' report entries go to a temp file, not memory. With that
file on /dev/full (C1ONBOARD_REPORT_SPOOL_FILE) every write fails with ENOSPC:
- `apply` still onboards every account and ends with exit 70 and an error
  naming /dev/full and the reason; no sanitizer report, no report.json;
- state.db has every account's outcome and the run's summary (from the
  spool's counts, which do not depend on the disk);
- the next `apply` (a normal spool) reports every account `unchanged`."""

import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_report_spool")
if not os.path.exists("/dev/full"):
    el.skip("/dev/full is not available")
u = el.Universe(6, tenants=2, seed=66, prefix="c1eng-spool-")
u.write_csv()
eng = el.Engine(u, time_scale="0.01")
eng.external_ids()


def db_rows(sql, *args):
    con = sqlite3.connect(os.path.join(eng.state_dir, "state.db"))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


normal_env = dict(eng.env)
eng.env["C1ONBOARD_REPORT_SPOOL_FILE"] = "/dev/full"
run = eng.run("apply", "-j", "3")
eng.env = normal_env
el.check_sanitizers(chk, run, "apply on a full disk")
el.require_engine(run)
chk.eq(run.rc, 70, "apply on a full disk: exit code (C1_EXIT_SOFTWARE)", run)
chk.check("/dev/full" in run.err and os.strerror(28) in run.err,
          "the error names the spool file and the reason", run.err[-2000:])
chk.check(run.report is None, "no report.json written", run.report and run.report.get("summary"))

runs = db_rows("SELECT id, status, summary_json FROM runs")
chk.eq(len(runs), 1, "state.db has the run", runs)
if runs:
    rid, status, summary = runs[0]
    chk.eq(status, "finished", "state.db: run status")
    summary = json.loads(summary or "{}")
    chk.eq((summary.get("succeeded"), summary.get("total")), (6, 6), "state.db: run summary", summary)
    db = dict(db_rows("SELECT account_id, status FROM accounts WHERE run_id = ?", rid))
    chk.eq(db, {a: "succeeded" for a in u.ids()}, "state.db: every account's outcome")
state = eng.state()
for row in u.rows:
    el.check_onboarded(chk, state, u, row, "apply on a full disk", deep=False)

again = eng.run("apply", "-j", "3")
el.check_sanitizers(chk, again, "second apply")
el.check_report(chk, again, {a: "unchanged" for a in u.ids()}, "second apply", rc=0)
eng.stop(chk)
chk.finish()
