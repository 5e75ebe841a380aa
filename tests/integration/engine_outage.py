#!/usr/bin/env python3
"""engine_outage: a service that fails every request for a while (more
consecutive failures than a call's own retries, max_attempts 5) is ridden out
by the outage retries: the account still succeeds, with nothing created twice.
A failure that does not end (every try refused) still ends in a rollback, so
the outage retries are bounded.

Accounts: A sees 8 consecutive 503s on CloudFormation DescribeStacks (its stack
waits), B 7 consecutive 500s on Cloud One POST /api/cloudaccounts/aws, C a 500
on that route that never stops, D nothing."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_outage")
u = el.Universe(4, tenants=2, seed=52, prefix="c1eng-outage-")
u.write_csv()
a, b, c, d = u.ids()
plan = {"rules": [
    {"service": "cloudformation", "route": "DescribeStacks", "account_id": a, "effect": "error", "status": 503,
     "times": 8},
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": b, "effect": "error",
     "status": 500, "times": 7},
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": c, "effect": "error",
     "status": 500, "times": 0}]}
eng = el.Engine(u, time_scale="0.005", seed="52", faults=plan)

run = eng.run("apply", "-j", "4", timeout=110)
el.check_sanitizers(chk, run, "apply")
el.check_report(chk, run, {a: "succeeded", b: "succeeded", c: "rolled_back", d: "succeeded"}, "apply", rc=1)
state = eng.state()
for row in u.rows:
    if row["account_id"] != c:
        el.check_onboarded(chk, state, u, row, "after the outage", deep=False)
el.check_nothing_left(chk, state, c, "the account whose failure never ended")
el.check_no_orphans(chk, state, u.ids(), "after the outage")

failed = {(x["service"], x["route"]): x.get("failed", 0) for x in state.get("requests", [])}
chk.check(failed.get(("cloudformation", "DescribeStacks"), 0) >= 8, "A's 8 DescribeStacks failures were served",
          failed)
chk.check(failed.get(("cloudone", "POST /api/cloudaccounts/aws"), 0) >= 7 + 9,
          "B's 7 failures and C's 5 tries + 4 outage retries were served", failed)

# The report tells the retry history: B's 7 failed tries, each with its status, the wait
# after it and whether it was an outage retry (after the call's own 5 tries ran out).
acct_b = run.account(b) or {}
step_b = ([s for s in acct_b.get("steps", []) if s["name"] == "c1_cloud_account"] or [{}])[0]
retries = step_b.get("retries") or []
chk.eq(step_b.get("attempts"), 8, "B's c1_cloud_account took 8 tries (7 failed, then success)", step_b)
chk.eq([r.get("http_status") for r in retries], [500] * 7, "B's 7 retries each name the HTTP 500", retries)
chk.eq([r.get("outage") for r in retries], [False] * 4 + [True] * 3,
       "B's first 4 retries are the call's own, the last 3 outage retries", retries)
chk.check(all(r.get("wait_s", 0) > 0 for r in retries) and
          retries[-1]["wait_s"] > retries[-2]["wait_s"] > retries[-3]["wait_s"],
          "each retry says how long it waited; the outage waits double", retries)
acct_c = run.account(c) or {}
failed_step = [s for s in acct_c.get("steps", []) if s["name"] == "c1_cloud_account"]
chk.check(failed_step and failed_step[0]["status"] == "failed" and
          (failed_step[0].get("error") or {}).get("http_status") == 500,
          "C's c1_cloud_account failed with the HTTP 500 it kept getting", failed_step)
chk.check(failed_step and failed_step[0]["attempts"] == 9 and len(failed_step[0]["retries"]) == 8,
          "C's c1_cloud_account: 9 tries (5 + 4 outage retries), 8 retries in the report", failed_step)
chk.check((failed_step[0].get("error") or {}).get("retryable") is True and acct_c.get("rerun_may_succeed") is True,
          "C's 500 is retryable, so a rerun may succeed", acct_c)
chk.check("apply again" in (acct_c.get("hint") or ""), "C's hint says to run apply again", acct_c.get("hint"))
chk.eq(acct_c.get("left_behind"), [], "C's rollback left nothing behind, and says so", acct_c.get("rollback"))
chk.check(all(r.get("resource_type") and r.get("at") for r in acct_c.get("rollback", [])),
          "C's rollback entries carry the resource type and when each undo ended", acct_c.get("rollback"))
eng.stop(chk)
chk.finish()
