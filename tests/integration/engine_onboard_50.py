#!/usr/bin/env python3
"""engine_onboard_50: 50 accounts over 3 tenants onboard with `apply` (direct
strategy). c1sim then holds, per account, exactly the expected live stacks
(<base>-WS, -C1, -CTrl and -Trail for create_new_trail rows) with the right
parameters and tags, one Workload Security connector, one Cloud One cloud
account and an active CloudTrail integration; one Vision One link per tenant;
nothing else. report.json says 50 succeeded; exit 0."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_onboard_50")
u = el.Universe(50, tenants=3, seed=50, prefix="c1eng-onboard50-")
# Cover the new-trail path and a custom base stack name on a few rows.
for i, row in enumerate(u.rows):
    if i % 10 == 3:
        u.make_new_trail(row)
    if i % 10 == 5:
        row["stack_name"] = "MspC1"
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
eng.external_ids()

run = eng.run("apply", "-j", "25", timeout=80)
el.check_sanitizers(chk, run, "apply")
el.check_report(chk, run, {a: "succeeded" for a in u.ids()}, "apply", rc=0)
chk.eq(len(run.report["accounts"]) if run.report else None, 50, "report.json lists every row")
if run.report:
    for a in run.report["accounts"]:
        res = a.get("resources") or {}
        row = next((r for r in u.rows if r["account_id"] == a.get("account_id")), None)
        if row is None:
            chk.check(False, "report account %r is a row of the input" % a.get("account_id"))
            continue
        chk.check(res.get("connector_id") and res.get("cloud_account_id"),
                  "report lists the connector and cloud account of %s" % row["account_id"], res)
        chk.eq(sorted(s.get("name") for s in res.get("stacks", [])), sorted(el.expected_stacks(row)),
               "report lists the stacks of %s" % row["account_id"])
    tenants = run.report.get("tenants", [])
    chk.eq(sorted(t.get("c1_account_id") for t in tenants), sorted(t.c1_account for t in u.tenants.values()),
           "report.json tenants")

state = eng.state()
for row in u.rows:
    el.check_onboarded(chk, state, u, row, "after apply")
el.check_no_orphans(chk, state, u.ids(), "after apply")
links = state.get("visionone_links", [])
chk.eq(sorted(l.get("c1_account_id") for l in links), sorted(t.c1_account for t in u.tenants.values()),
       "one Vision One link per tenant", links)
ints = state.get("cloudtrail_integrations", [])
chk.check(all(i.get("status") == "active" for i in ints), "no CloudTrail integration left pending",
          [i for i in ints if i.get("status") != "active"][:5])
el.log("  requests: %d in total, %.1f per account" % (
    sum(c["count"] for c in state.get("requests", [])), sum(c["count"] for c in state.get("requests", [])) / 50.0))
eng.stop(chk)
chk.finish()
