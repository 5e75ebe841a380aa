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

acct_b = run.account(b) or {}
tries = [s.get("attempts") for s in acct_b.get("steps", []) if s["name"] == "c1_cloud_account"]
chk.eq(tries, [1], "B's c1_cloud_account is one step attempt (the retries are the call's)", acct_b.get("steps"))
acct_c = run.account(c) or {}
failed_step = [s for s in acct_c.get("steps", []) if s["name"] == "c1_cloud_account"]
chk.check(failed_step and failed_step[0]["status"] == "failed" and
          (failed_step[0].get("error") or {}).get("http_status") == 500,
          "C's c1_cloud_account failed with the HTTP 500 it kept getting", failed_step)
eng.stop(chk)
chk.finish()
