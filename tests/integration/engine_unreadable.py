#!/usr/bin/env python3
"""engine_unreadable: answers damaged on their way are retried, never taken as a verdict.

Each damage comes a fixed number of times (c1sim chaos effects, docs/simulator.md): the
first AssumeRoles throttled, answered 503 or with XML that does not parse (the row must not
be judged invalid); the tenant's API key look-up answered with JSON that does not parse
(the tenant's accounts must not fail); a cloud-account create carried out but its reply
garbled, a CreateStack whose reply is cut (truncated body) and a connector create whose
connection is reset mid-reply (each must be found, not created twice); DescribeStacks
garbled. Every account must succeed, onboarded exactly once, and every damage must have
been served (rule_hits), so the test cannot pass by missing them."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_unreadable")
u = el.Universe(4, tenants=2, seed=71, prefix="c1eng-unreadable-")
u.write_csv()
a, b, c, d = u.ids()
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
]
eng = el.Engine(u, time_scale="0.005", seed="71", faults={"rules": rules})

run, state = el.apply_all(chk, eng, u, "apply through damaged answers", "-j", "4")
el.check_no_orphans(chk, state, u.ids(), "apply through damaged answers")
hits = state.get("fault_plan", {}).get("rule_hits", [])
chk.eq(hits, [r["times"] for r in rules], "every damage was served as often as planned (rule_hits)", rules)
eng.stop(chk)
chk.finish()
