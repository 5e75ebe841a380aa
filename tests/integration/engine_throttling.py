#!/usr/bin/env python3
"""engine_throttling: heavy rate limits on CloudFormation (2 req/s per
account and region) and Cloud One (3 req/s per API key) plus a 5% 503 rule on
every route: every account still succeeds, exactly once (retries created
nothing twice), and c1sim's counters show the throttled and failed requests
the engine rode out."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_throttling")
u = el.Universe(10, tenants=2, seed=33, prefix="c1eng-throttle-")
u.make_new_trail(u.rows[1])
u.write_csv()
plan = {"rate_limits": {"cloudone": 3, "cloudformation": 2},
        "rules": [{"service": "*", "route": "*", "effect": "error", "status": 503, "probability": 0.05}]}
eng = el.Engine(u, time_scale="0.005", seed="33", faults=plan)

run, state = el.apply_all(chk, eng, u, "throttled apply", "-j", "10", timeout=110)
el.check_no_orphans(chk, state, u.ids(), "throttled apply")

throttled, failed = {}, {}
for c in state.get("requests", []):
    throttled[c["service"]] = throttled.get(c["service"], 0) + c.get("throttled", 0)
    failed[c["service"]] = failed.get(c["service"], 0) + c.get("failed", 0)
el.log("  throttled per service: %s; failed: %s" % (throttled, failed))
chk.check(throttled.get("cloudformation", 0) > 0, "CloudFormation throttled some requests", throttled)
chk.check(throttled.get("cloudone", 0) > 0, "Cloud One throttled some requests", throttled)
chk.check(sum(failed.values()) > 0, "the 5% 503 rule fired", failed)
eng.stop(chk)
chk.finish()
