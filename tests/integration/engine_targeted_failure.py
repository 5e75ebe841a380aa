#!/usr/bin/env python3
"""engine_targeted_failure_<step>: a targeted fault makes one account's step
fail for good; that account ends `rolled_back` and c1sim shows nothing left of
it (no live stack, connector, cloud account, active CloudTrail integration),
while the other accounts succeed; exit 1.

`delete_fail`: the CloudTrail stack of the account fails and so does every
DeleteStack of it: the account ends `failed` and report.json's `rollback`
lists what is left behind (undo_failed).

usage: engine_targeted_failure.py STEP"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

STEP = sys.argv[1] if len(sys.argv) > 1 else ""


def rules(acct):
    stack = {"new_trail": "*-Trail", "ws_role": "*-WS", "c1_role": "*-C1", "cloudtrail_stack": "*-CTrl",
             "delete_fail": "*-CTrl"}
    rest = {"ws_connector": ("POST /api/awsconnectors", 400),
            "c1_cloud_account": ("POST /api/cloudaccounts/aws", 500),  # retryable: retries run out
            "cloudtrail_token": ("POST /api/stacks", 400)}
    if STEP in stack:
        out = [{"service": "cloudformation", "route": "CreateStack", "stack": stack[STEP], "account_id": acct,
                "effect": "stack_fail"}]
        if STEP == "delete_fail":
            out.append({"service": "cloudformation", "route": "DeleteStack", "account_id": acct,
                        "effect": "delete_fail"})
        return out
    if STEP in rest:
        route, status = rest[STEP]
        return [{"service": "cloudone", "route": route, "account_id": acct, "effect": "error", "status": status,
                 "times": 0}]
    el.log("FAIL: unknown step %r (usage: engine_targeted_failure.py STEP)" % STEP)
    sys.exit(1)


chk = el.Checks("engine_targeted_failure_" + STEP)
u = el.Universe(4, tenants=2, seed=7, prefix="c1eng-fail-%s-" % STEP)
target = u.rows[0]
if STEP in ("new_trail", "cloudtrail_stack", "delete_fail"):
    u.make_new_trail(target)  # the rollback then has the most to undo
u.rows[3]["create_new_trail"] = "true"
u.rows[3]["bucket"] = ""
u.write_csv()
acct = target["account_id"]
others = [r for r in u.rows if r is not target]
eng = el.Engine(u, time_scale="0.005")
eng.external_ids()
eng.faults({"rules": rules(acct)})

run = eng.run("apply", "-j", "4", timeout=100)
el.check_sanitizers(chk, run, "apply")
want_target = "failed" if STEP == "delete_fail" else "rolled_back"
want = {r["account_id"]: "succeeded" for r in others}
want[acct] = want_target
el.check_report(chk, run, want, "apply", rc=1)
state = eng.state()
for row in others:
    el.check_onboarded(chk, state, u, row, "other account", deep=False)
el.check_no_orphans(chk, state, u.ids(), "after apply")

a = run.account(acct) or {}
steps = {s.get("name"): s for s in a.get("steps", [])}
rollback = a.get("rollback") or []
if STEP != "delete_fail":
    failed = steps.get(STEP) or {}
    chk.eq(failed.get("status"), "failed", "report: step %s of %s" % (STEP, acct), a.get("steps"))
    chk.check(failed.get("error") and failed["error"].get("message"), "report: the failed step carries its error",
              failed)
    chk.check(all(r.get("status") in ("undone", "skipped") for r in rollback),
              "report: every undo of %s succeeded" % acct, rollback)
    el.check_nothing_left(chk, state, acct, "rolled back")
    if STEP in ("ws_role", "c1_role", "cloudtrail_stack", "new_trail"):
        err = (failed.get("error") or {}).get("message") or ""
        chk.check(len(err) > 0, "report quotes why the stack failed", failed)
else:
    left = [r for r in rollback if r.get("status") == "undo_failed"]
    chk.check(left, "report: rollback of %s lists the undo that failed" % acct, rollback)
    mine = el.of_account(state, acct)
    leftover = [s["name"] for s in mine["live_stacks"]]
    chk.check(leftover, "the failing deletes left stacks of %s behind" % acct, mine["stacks"])
    listed = " ".join("%s %s" % (r.get("resource"), r.get("step")) for r in left)
    for name in leftover:
        chk.check(name in listed, "report: leftover stack %s is listed in rollback" % name, rollback)
    # The reason keeps the failure that started the rollback, not only what it left.
    reason = a.get("reason") or ""
    chk.check("cloudtrail_stack" in reason and "rollback left" in reason,
              "report: the reason names the failed step and what the rollback left", reason)
eng.stop(chk)
chk.finish()
