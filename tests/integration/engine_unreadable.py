#!/usr/bin/env python3
"""engine_unreadable: answers damaged on their way are retried, never taken as a verdict.

Each damage comes a fixed number of times (c1sim chaos effects, docs/simulator.md): the
first AssumeRoles throttled, answered 503 or with XML that does not parse (the row must not
be judged invalid); the tenant's API key look-up answered with JSON that does not parse
(the tenant's accounts must not fail); a cloud-account create carried out but its reply
garbled, a CreateStack whose reply is cut (truncated body) and a connector create whose
connection is reset mid-reply (each must be found, not created twice); DescribeStacks
garbled. Every account must succeed, onboarded exactly once, and every damage must have
been served (rule_hits), so the test cannot pass by missing them.

One more account's CTrl CreateStack is carried out but its reply lost (502), and the retry
is refused (400): the create failed for good, yet the stack exists, so the rollback must
find and delete it (found by engine_chaos: the rollback skipped the failed step and left the
stack and its CloudTrail integration behind an account reported rolled_back)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_unreadable")
u = el.Universe(5, tenants=2, seed=71, prefix="c1eng-unreadable-")
u.write_csv()
a, b, c, d, e = u.ids()
rules = [
    {"service": "sts", "route": "AssumeRole", "effect": "throttle", "times": 3},
    {"service": "sts", "route": "AssumeRole", "effect": "error", "status": 503, "times": 1},
    {"service": "sts", "route": "AssumeRole", "effect": "malformed", "times": 1},
    {"service": "cloudone", "route": "GET /api/apikeys/{id}", "effect": "malformed", "times": 2},
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": b, "effect": "malformed",
     "times": 1},
    {"service": "cloudformation", "route": "CreateStack", "account_id": c, "effect": "truncated", "times": 1},
    {"service": "cloudone", "route": "POST /api/awsconnectors", "account_id": d, "effect": "reset", "times": 1},
    {"service": "cloudformation", "route": "DescribeStacks", "account_id": a, "effect": "malformed", "times": 3},
    {"service": "cloudformation", "route": "CreateStack", "stack": "*-CTrl", "account_id": e,
     "effect": "lost_reply", "status": 502, "times": 1},
    {"service": "cloudformation", "route": "CreateStack", "stack": "*-CTrl", "account_id": e,
     "effect": "error", "status": 400, "code": "ValidationError", "message": "refused on the retry",
     "after": 1, "times": 1},
]
eng = el.Engine(u, time_scale="0.005", seed="71", faults={"rules": rules})

what = "apply through damaged answers"
run = eng.run("apply", "-j", "5")
el.check_sanitizers(chk, run, what)
el.check_report(chk, run, {a: "succeeded", b: "succeeded", c: "succeeded", d: "succeeded", e: "rolled_back"},
                what, rc=1)
state = eng.state()
for row in u.rows[:4]:
    el.check_onboarded(chk, state, u, row, what, deep=False)
el.check_nothing_left(chk, state, e, what + ": the account whose CTrl create was lost, then refused")
el.check_no_orphans(chk, state, u.ids(), what)
hits = state.get("fault_plan", {}).get("rule_hits", [])
chk.eq(hits, [r["times"] for r in rules], "every damage was served as often as planned (rule_hits)", rules)
eng.stop(chk)
chk.finish()
