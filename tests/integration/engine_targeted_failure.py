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
# What the service itself says: the report must quote it, not only the status line.
SERVER_MESSAGE = "roleArn: role arn:aws:iam::000000000000:role/x cannot be assumed by Cloud One"


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
                 "times": 0, "message": SERVER_MESSAGE}]
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
    chk.eq(a.get("left_behind"), [], "report: %s's rollback left nothing behind, and says so" % acct, a)
    chk.check(a.get("hint"), "report: %s has a fix hint" % acct, a)
    chk.check(a.get("caller_arn", "").startswith("arn:aws:sts::%s:" % acct),
              "report: the identity %s's profile signed in as" % acct, a.get("caller_arn"))
    types = {"ws_role": "cloudformation_stack", "ws_connector": "ws_connector", "c1_role": "cloudformation_stack",
             "c1_cloud_account": "cloud_account", "new_trail": "cloudformation_stack",
             "cloudtrail_stack": "cloudformation_stack"}
    for r in rollback:
        if r.get("status") == "undone":
            chk.eq(r.get("resource_type"), types.get(r.get("step")), "report: rollback of %s names what kind "
                   "of resource %s is" % (r.get("step"), r.get("resource")), r)
    if STEP in ("ws_role", "c1_role", "cloudtrail_stack", "new_trail"):
        err = (failed.get("error") or {}).get("message") or ""
        chk.check(len(err) > 0, "report quotes why the stack failed", failed)
        events = failed.get("events") or []
        chk.check(events and all(e.get("status", "").endswith("_FAILED") and e.get("logical_id") and e.get("reason")
                                 for e in events),
                  "report: the failed stack's events are fields (resource, status, reason)", failed)
        chk.check((failed.get("resource_id") or "").startswith("arn:aws:cloudformation:"),
                  "report: the failed stack's ARN is kept after the rollback deleted it", failed)
        chk.eq(a.get("rerun_may_succeed"), None, "report: a stack failure's rerun verdict is unknown")
    else:
        err = failed.get("error") or {}
        chk.check(SERVER_MESSAGE in (err.get("message") or "") and SERVER_MESSAGE in (a.get("reason") or ""),
                  "report: the service's own message is in the step error and the reason", (err, a.get("reason")))
        want_rerun = err.get("http_status", 0) >= 500
        chk.eq(a.get("rerun_may_succeed"), want_rerun, "report: rerun verdict for HTTP %s" % err.get("http_status"))
else:
    left = [r for r in rollback if r.get("status") == "undo_failed"]
    chk.check(left, "report: rollback of %s lists the undo that failed" % acct, rollback)
    mine = el.of_account(state, acct)
    leftover = [s["name"] for s in mine["live_stacks"]]
    chk.check(leftover, "the failing deletes left stacks of %s behind" % acct, mine["stacks"])
    behind = {x.get("resource"): x for x in a.get("left_behind") or []}
    for name in leftover:
        how = (behind.get(name) or {}).get("how_to_remove") or ""
        chk.check("delete-stack --stack-name %s" % name in how and "offboard" in how,
                  "report: left_behind says how to remove stack %s" % name, a.get("left_behind"))
    chk.check((a.get("hint") or "").startswith("remove what the rollback left behind"),
              "report: the hint starts with removing what is left", a.get("hint"))
    listed = " ".join("%s %s" % (r.get("resource"), r.get("step")) for r in left)
    for name in leftover:
        chk.check(name in listed, "report: leftover stack %s is listed in rollback" % name, rollback)
    # The reason keeps the failure that started the rollback, not only what it left.
    reason = a.get("reason") or ""
    chk.check("cloudtrail_stack" in reason and "rollback left" in reason,
              "report: the reason names the failed step and what the rollback left", reason)
eng.stop(chk)
chk.finish()
