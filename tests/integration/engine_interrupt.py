#!/usr/bin/env python3
"""engine_interrupt: SIGTERM and SIGINT during `apply` (issue 4: "SIGINT/SIGTERM
stop starting new work, let in-flight steps reach a safe point, and record
the run as interrupted"; runner.h: exit 1).

10 accounts at -j 2 on a slow clock. Run 1 gets SIGTERM once its first stack
is being created, run 2 SIGINT once it has created a stack of its own. Each
interrupted run must: exit 1 soon after the signal; write report.json with
run.status "interrupted"; record the run as interrupted in state.db; end
every account it started as `interrupted` (SPEC 5) and list the rest
as not_started; stop at a safe point (no resource-ledger row left at
`intent` / `delete_intent`, i.e. no call whose outcome was not recorded).
Run 3 (no signal) then completes every account: exit 0, all onboarded
exactly once, no orphans."""

import os
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_interrupt")
u = el.Universe(10, tenants=2, seed=41, prefix="c1eng-interrupt-")
u.make_new_trail(u.rows[2])
u.write_csv()
eng = el.Engine(u, time_scale="0.01")
eng.external_ids()


def n_stacks():
    return len(eng.state().get("stacks", []))


def db_rows(sql, *args):
    con = sqlite3.connect(os.path.join(eng.state_dir, "state.db"))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def interrupted_run(sig, what):
    before = n_stacks()
    proc = eng.start("apply", "-j", "2")
    res = el.simtest.poll(n_stacks, lambda n: n > before or proc.poll() is not None, 30, 0.05)
    chk.check(proc.poll() is None and res > before, "%s: the run created a stack before the signal" % what)
    sent = time.time()
    proc.send_signal(sig)
    run = eng.finish(proc, timeout=60)
    stop_s = time.time() - sent
    el.log("  %s: rc %s %.1f s after the signal; %s" % (what, run.rc, stop_s, el.summary_line(run.report)))
    el.check_sanitizers(chk, run, what)
    el.require_engine(run)
    chk.eq(run.rc, 1, "%s: exit code of an interrupted run (runner.h)" % what, run)
    chk.check(stop_s < 15, "%s: stopped %.1f s after the signal (in-flight accounts stop at a safe point)" % (
        what, stop_s), run)
    if not chk.check(run.report is not None, "%s: report.json written" % what, run):
        return run
    rid = run.report.get("run", {}).get("id")
    chk.eq(run.report.get("run", {}).get("status"), "interrupted", "%s: report.json run.status" % what)
    chk.eq(db_rows("SELECT status FROM runs WHERE id = ?", rid), [("interrupted",)],
           "%s: state.db records run %s as interrupted" % (what, rid))
    st = run.statuses()
    chk.eq(len(st), len(u.rows), "%s: report lists every account" % what, st)
    chk.check(all(s in ("interrupted", "not_started", "unchanged", "succeeded") for s in st.values()),
              "%s: accounts are interrupted, not_started, or finished before the signal" % what, st)
    chk.check(any(s == "interrupted" for s in st.values()), "%s: an account in flight was interrupted" % what, st)
    chk.eq(run.report.get("summary", {}).get("interrupted"), sum(1 for s in st.values() if s == "interrupted"),
           "%s: the summary counts the interrupted accounts" % what)
    for a in run.report.get("accounts", []):
        if a.get("status") == "interrupted":
            chk.check("interrupt" in (a.get("reason") or ""), "%s: %s says it was interrupted" % (
                what, a.get("account_id")), a.get("reason"))
            chk.check(not a.get("rollback"), "%s: nothing of %s rolled back on interruption" % (
                what, a.get("account_id")), a.get("rollback"))
    db = dict(db_rows("SELECT account_id, status FROM accounts WHERE run_id = ?", rid))
    chk.check("running" not in db.values(), "%s: no account left `running` in state.db" % what, db)
    pending = db_rows("SELECT account_id, kind, name, state FROM resources WHERE state IN ('intent', 'delete_intent')")
    chk.eq(pending, [], "%s: no side effect left without its outcome in the ledger (safe point)" % what)
    return run


interrupted_run(signal.SIGTERM, "SIGTERM")
interrupted_run(signal.SIGINT, "SIGINT")

final = eng.run("apply", "-j", "4", timeout=90)
el.check_sanitizers(chk, final, "rerun")
el.require_engine(final)
chk.eq(final.rc, 0, "rerun: exit code", final)
chk.eq((final.report or {}).get("run", {}).get("status"), "finished", "rerun: report.json run.status")
st = final.statuses()
chk.check(len(st) == len(u.rows) and all(s in ("succeeded", "unchanged", "repaired") for s in st.values()),
          "rerun: every account onboarded", st)
state = eng.state()
for row in u.rows:
    el.check_onboarded(chk, state, u, row, "after the rerun")
el.check_no_orphans(chk, state, u.ids(), "after the rerun")
eng.stop(chk)
chk.finish()
