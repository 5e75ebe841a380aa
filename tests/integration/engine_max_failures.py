#!/usr/bin/env python3
"""engine_max_failures: `--max-failures` is a circuit breaker (SPEC 2: "once
exceeded, no new account is started; the rest are `not_started`").

10 accounts at `-j 1` (accounts run one after another, in file order); rows
1, 3 and 5 fail for good (a targeted 400 on their Workload Security
connector, so they end `rolled_back`).

--max-failures 1    row 1 fails (1 failure: tolerated), row 3 fails (2 > 1):
                    rows 4..9 are `not_started`, c1sim holds nothing of them,
                    exit 1.
--max-failures 20%  (20% of 10 = 2) on the same universe: rows 0 and 2 are
                    `unchanged`, 4 `succeeded`, 1/3/5 fail and the third
                    failure stops the run: rows 6..9 `not_started`."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_max_failures")
u = el.Universe(10, tenants=1, seed=31, prefix="c1eng-maxfail-")
ids = u.ids()
failing = [ids[1], ids[3], ids[5]]
eng = el.Engine(u, time_scale="0.005")
eng.external_ids()
eng.faults({"rules": [{"service": "cloudone", "route": "POST /api/awsconnectors", "account_id": a,
                       "effect": "error", "status": 400, "times": 0} for a in failing]})


def check_not_started(run, rows, what):
    state = eng.state()
    for a in rows:
        mine = el.of_account(state, a)
        chk.check(not mine["stacks"] and not mine["connectors"] and not mine["cloud_accounts"],
                  "%s: nothing was created for not-started account %s" % (what, a),
                  {k: len(v) for k, v in mine.items()})
        acc = run.account(a) or {}
        chk.check(not any(s.get("status") in ("done", "failed") for s in acc.get("steps", [])),
                  "%s: report shows no step of %s run" % (what, a), acc.get("steps"))


# ---- --max-failures 1 ----
run = eng.run("apply", "-j", "1", "--max-failures", "1", timeout=60)
el.check_sanitizers(chk, run, "--max-failures 1")
want = {ids[0]: "succeeded", ids[1]: "rolled_back", ids[2]: "succeeded", ids[3]: "rolled_back"}
want.update({a: "not_started" for a in ids[4:]})
el.check_report(chk, run, want, "--max-failures 1", rc=1)
chk.eq(len((run.report or {}).get("accounts", [])), 10, "--max-failures 1: report lists every account")
check_not_started(run, ids[4:], "--max-failures 1")
state = eng.state()
for r in (u.rows[0], u.rows[2]):
    el.check_onboarded(chk, state, u, r, "--max-failures 1", deep=False)
for a in (ids[1], ids[3]):
    el.check_nothing_left(chk, state, a, "--max-failures 1")

# ---- --max-failures 20% ----
run = eng.run("apply", "-j", "1", "--max-failures", "20%", timeout=60)
el.check_sanitizers(chk, run, "--max-failures 20%")
want = {ids[0]: "unchanged", ids[1]: "rolled_back", ids[2]: "unchanged", ids[3]: "rolled_back",
        ids[4]: "succeeded", ids[5]: "rolled_back"}
want.update({a: "not_started" for a in ids[6:]})
el.check_report(chk, run, want, "--max-failures 20%", rc=1)
check_not_started(run, ids[6:], "--max-failures 20%")
state = eng.state()
el.check_onboarded(chk, state, u, u.rows[4], "--max-failures 20%", deep=False)
el.check_no_orphans(chk, state, ids[:6], "--max-failures 20%")

eng.stop(chk)
chk.finish()
