#!/usr/bin/env python3
"""engine_state_full: the state store's disk fills up mid-run.

The ledger's intent must be durable before the create or delete it announces:
a create the store could not record is not sent, so nothing exists in the
cloud that the ledger does not know about. Other writes (step rows, outcomes
after their call) fail with one warning and the accounts go on. A database
capped a few pages above its size (C1ONBOARD_STATE_MAX_PAGES, SQLite's
max_page_count) fails its writes with SQLITE_FULL as a full disk does:
- `apply` does not crash, warns once about the store, fails the accounts
  whose intent was refused with a message that says so and exits non-zero;
- every stack, connector and cloud account in c1sim has its ledger row;
- the next `apply` on a store that can grow onboards every account, each
  once (no duplicate connector or cloud account)."""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

N = 12
chk = el.Checks("engine_state_full")
u = el.Universe(N, tenants=2, seed=88, prefix="c1eng-sfull-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
db_path = os.path.join(eng.state_dir, "state.db")

first = u.ids()[0]
run = eng.run("apply", "--only", first)
el.check_sanitizers(chk, run, "first account")
el.check_report(chk, run, {first: "succeeded"}, "first account", rc=0)
con = sqlite3.connect(db_path)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
pages = con.execute("PRAGMA page_count").fetchone()[0]
con.close()

normal_env = dict(eng.env)
eng.env["C1ONBOARD_STATE_MAX_PAGES"] = str(pages + 2)
run = eng.run("apply", "-j", "4", timeout=180)
eng.env = normal_env
el.check_sanitizers(chk, run, "apply on a full state store")
el.require_engine(run)
chk.check(run.rc != 0, "apply on a full state store exits non-zero", run.rc)
chk.eq(run.err.count("a state-store write failed"), 1, "the store's failure is logged once", run.err[-3000:])
statuses = run.statuses() if run.report else {}
for a in (run.report or {}).get("accounts", []):
    if a.get("status") != "unchanged":
        el.log("  full store: %s %s: %s" % (a.get("account_id"), a.get("status"), a.get("reason")))
refused = [a["account_id"] for a in (run.report or {}).get("accounts", [])
           if "could not record" in (a.get("reason") or "")]
chk.check(refused, "some account failed because its intent could not be recorded", statuses)

con = sqlite3.connect(db_path)
ledger = {(r[0], r[1], r[2]) for r in con.execute("SELECT account_id, kind, name FROM resources")}
ledger_kinds = {(r[0], r[1]) for r in con.execute("SELECT account_id, kind FROM resources")}
con.close()
state = eng.state()
for a in u.ids():
    mine = el.of_account(state, a)
    for st in mine["live_stacks"]:
        chk.check((a, "stack", st.get("name") or st.get("stack_name")) in ledger,
                  "%s: stack %s is in the ledger" % (a, st.get("name") or st.get("stack_name")))
    if mine["connectors"]:
        chk.check((a, "ws_connector") in ledger_kinds, "%s: its connector is in the ledger" % a)
    if mine["cloud_accounts"]:
        chk.check((a, "cloud_account") in ledger_kinds, "%s: its cloud account is in the ledger" % a)

again = eng.run("apply", "-j", "4", timeout=180)
el.check_sanitizers(chk, again, "apply with room")
for a in (again.report or {}).get("accounts", []):
    if a.get("status") not in ("succeeded", "unchanged"):
        el.log("  with room: %s %s: %s %s" % (a.get("account_id"), a.get("status"), a.get("reason"), a.get("drift")))
chk.eq(again.rc, 0, "apply with room exits 0", again.err[-2000:])
chk.check(all(s in ("succeeded", "unchanged") for s in again.statuses().values()),
          "every account onboarded after the store has room", again.statuses())
state = eng.state()
for row in u.rows:
    el.check_onboarded(chk, state, u, row, "after apply with room", deep=False)
for a in u.ids():
    mine = el.of_account(state, a)
    chk.check(len(mine["connectors"]) <= 1, "%s: one connector at most" % a, mine["connectors"])
    chk.eq(len(mine["cloud_accounts"]), 1, "%s: one cloud account" % a, mine["cloud_accounts"])
el.check_no_orphans(chk, state, u.ids(), "after apply with room")
eng.stop(chk)
chk.finish()
