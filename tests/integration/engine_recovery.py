#!/usr/bin/env python3
"""engine_recovery_<case>: stacks found in a state left by an earlier failure
are recovered by `apply`, not fatal (issue 4, "Correctness").

rollback_complete  one account's -CTrl stack fails AND every DeleteStack call
                   of the account is refused (an API error): the account ends
                   `failed`, -CTrl is left in ROLLBACK_COMPLETE (the other
                   stacks CREATE_COMPLETE), all listed in report.json's
                   rollback. With the faults cleared, apply again: -CTrl is
                   deleted and created again, the others adopted, the account
                   `succeeded`, exactly one of everything.
delete_failed      the same with c1sim's `delete_fail` effect: every DeleteStack
                   is accepted but the stack ends DELETE_FAILED; apply again
                   must delete those stacks for good and create them afresh.
update_rollback_failed
                   onboard, then drift a parameter of -C1 so apply must
                   UpdateStack, with `update_rollback_fail` on that account's
                   UpdateStack: the stack lands in UPDATE_ROLLBACK_FAILED.
                   Faults cleared, apply again: ContinueUpdateRollback, then
                   the update; the account `repaired`/`succeeded`, stack
                   healthy with the right parameters.
in_progress        another actor (the AWS CLI, with the engine's own template
                   and tags) creates `<base>-WS` just before apply: the engine
                   finds it CREATE_IN_PROGRESS, waits for it and adopts it
                   instead of failing, deleting or creating it again.

usage: engine_recovery.py CASE"""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

CASE = sys.argv[1] if len(sys.argv) > 1 else ""
CASES = ("rollback_complete", "delete_failed", "update_rollback_failed", "in_progress")
if CASE not in CASES:
    el.log("FAIL: unknown case %r (usage: engine_recovery.py %s)" % (CASE, "|".join(CASES)))
    sys.exit(1)

chk = el.Checks("engine_recovery_" + CASE)


def live_stack(state, acct, name):
    for s in el.of_account(state, acct)["live_stacks"]:
        if s["name"] == name:
            return s
    return None


def stacks_of(state, acct):
    return el.brief(el.of_account(state, acct)["stacks"], "name", "status", "stack_id")


def writes(before, after):
    return el.writes_in(el.counter_delta(before, after))


def ws_template():
    """The engine's own -WS template, read from its source (engine/run/templates.c)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "engine", "run", "templates.h")) as f:
        macros = dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', f.read()))
    with open(os.path.join(root, "engine", "run", "templates.c")) as f:
        src = f.read()
    block = re.search(r"s_ws_role\[\]\s*=(.*?);\n", src, re.S).group(1)
    out = []
    for lit, ident in re.findall(r'"((?:[^"\\]|\\.)*)"|([A-Z_][A-Z0-9_]*)', block):
        out.append(macros[ident] if ident else bytes(lit, "utf-8").decode("unicode_escape"))
    text = "".join(out)
    json.loads(text)  # the extraction must give the JSON the engine sends
    return text


# ---------------------------------------------------------------------------
if CASE in ("rollback_complete", "delete_failed"):
    u = el.Universe(3, tenants=1, seed=21, prefix="c1eng-recover-%s-" % CASE)
    target = u.rows[0]
    acct = target["account_id"]
    base = target.get("stack_name") or "CloudOne"
    eng = el.Engine(u, time_scale="0.005")
    eng.external_ids()
    eng.faults({"rules": [
        {"service": "cloudformation", "route": "CreateStack", "stack": "*-CTrl", "account_id": acct,
         "effect": "stack_fail"},
        {"service": "cloudformation", "route": "DeleteStack", "account_id": acct, "effect": "delete_fail"}
        if CASE == "delete_failed" else
        {"service": "cloudformation", "route": "DeleteStack", "account_id": acct, "effect": "error",
         "status": 403, "code": "AccessDenied", "times": 0}]})
    first = eng.run("apply", "-j", "3", timeout=60)
    el.check_sanitizers(chk, first, "first apply")
    want = {r["account_id"]: "succeeded" for r in u.rows}
    want[acct] = "failed"
    el.check_report(chk, first, want, "first apply (CTrl fails, deletes fail)", rc=1)
    state = eng.state()
    left = [s["name"] for s in el.of_account(state, acct)["live_stacks"]]
    chk.check(base + "-CTrl" in left, "the failed -CTrl stack of %s is left behind" % acct, stacks_of(state, acct))
    ct = live_stack(state, acct, base + "-CTrl")
    chk.eq((ct or {}).get("status"), "ROLLBACK_COMPLETE" if CASE == "rollback_complete" else "DELETE_FAILED",
           "status of the leftover -CTrl of %s" % acct, stacks_of(state, acct))
    if CASE == "delete_failed":
        chk.check(all(s["status"] == "DELETE_FAILED" for s in el.of_account(state, acct)["live_stacks"]),
                  "every leftover stack of %s is DELETE_FAILED" % acct, stacks_of(state, acct))
    a = first.account(acct) or {}
    listed = " ".join(str(r.get("resource")) for r in (a.get("rollback") or []) if r.get("status") == "undo_failed")
    for name in left:
        chk.check(name in listed, "report lists leftover %s as undo_failed" % name, a.get("rollback"))
    old_ids = {s["name"]: s["stack_id"] for s in el.of_account(state, acct)["live_stacks"]}

    eng.faults({})
    before = eng.state()
    second = eng.run("apply", "-j", "3", timeout=60)
    el.check_sanitizers(chk, second, "second apply")
    want = {r["account_id"]: "unchanged" for r in u.rows}
    want[acct] = "succeeded"
    el.check_report(chk, second, want, "second apply (faults cleared)", rc=0)
    after = eng.state()
    for row in u.rows:
        el.check_onboarded(chk, after, u, row, "after the second apply")
    el.check_no_orphans(chk, after, u.ids(), "after the second apply")
    ct = live_stack(after, acct, base + "-CTrl")
    chk.check(ct is not None and ct["stack_id"] != old_ids.get(base + "-CTrl"),
              "-CTrl of %s was deleted and created again (a new stack id)" % acct,
              {"old": old_ids.get(base + "-CTrl"), "now": stacks_of(after, acct)})
    w = writes(before, after)
    # rollback_complete: only the ROLLBACK_COMPLETE -CTrl goes (the others are healthy and
    # adopted); delete_failed: every DELETE_FAILED leftover is deleted and created again.
    redo = 1 if CASE == "rollback_complete" else len(left)
    chk.eq(w.get("cloudformation DeleteStack", 0), redo, "DeleteStack calls of the second apply", w)
    chk.eq(w.get("cloudformation CreateStack", 0), redo, "CreateStack calls of the second apply", w)

# ---------------------------------------------------------------------------
elif CASE == "update_rollback_failed":
    u = el.Universe(2, tenants=1, seed=22, prefix="c1eng-recover-urf-")
    target = u.rows[0]
    acct, region = target["account_id"], target["region"]
    base = target.get("stack_name") or "CloudOne"
    stack = base + "-C1"
    eng = el.Engine(u, time_scale="0.005")
    eng.external_ids()
    first = eng.run("apply", "-j", "2", timeout=60)
    el.check_report(chk, first, {r["account_id"]: "succeeded" for r in u.rows}, "first apply", rc=0)
    st0 = live_stack(eng.state(), acct, stack)
    status, _, body = eng.sim.post("/_sim/drift", {"kind": "stack_parameter_changed", "account_id": acct,
                                                   "region": region, "stack": stack,
                                                   "parameter": "CloudOneAccountID", "value": "000000000000"})
    chk.eq(status, 200, "POST /_sim/drift stack_parameter_changed on %s" % stack, body[:300])
    eng.faults({"rules": [{"service": "cloudformation", "route": "UpdateStack", "account_id": acct,
                           "effect": "update_rollback_fail"}]})
    second = eng.run("apply", "-j", "2", timeout=60)
    el.check_sanitizers(chk, second, "second apply")
    el.require_engine(second)
    chk.eq(second.rc, 1, "second apply (update rollback fails): exit code", second)
    chk.check(second.statuses().get(acct) in ("failed", "rolled_back"),
              "second apply: %s failed" % acct, second.statuses())
    chk.eq(second.statuses().get(u.rows[1]["account_id"]), "unchanged", "second apply: the other account")
    mid = eng.state()
    st1 = live_stack(mid, acct, stack)
    chk.eq((st1 or {}).get("status"), "UPDATE_ROLLBACK_FAILED", "%s of %s after the failed update" % (stack, acct),
           stacks_of(mid, acct))
    # The failed update must not have rolled back what earlier runs created.
    chk.eq(sorted(s["name"] for s in el.of_account(mid, acct)["live_stacks"]), sorted(el.expected_stacks(target)),
           "the failed update left every stack of %s in place" % acct, stacks_of(mid, acct))
    chk.eq(len(el.of_account(mid, acct)["connectors"]), 1, "the failed update left the connector in place")
    chk.eq(len(el.of_account(mid, acct)["cloud_accounts"]), 1, "the failed update left the cloud account in place")

    eng.faults({})
    before = eng.state()
    third = eng.run("apply", "-j", "2", timeout=60)
    el.check_sanitizers(chk, third, "third apply")
    el.require_engine(third)
    chk.eq(third.rc, 0, "third apply (faults cleared): exit code", third)
    chk.check(third.statuses().get(acct) in ("repaired", "succeeded"),
              "third apply: %s repaired/succeeded" % acct, third.statuses())
    after = eng.state()
    for row in u.rows:
        el.check_onboarded(chk, after, u, row, "after the third apply")
    el.check_no_orphans(chk, after, u.ids(), "after the third apply")
    st2 = live_stack(after, acct, stack)
    chk.check(st2 is not None and st0 is not None and st2["stack_id"] == st0["stack_id"],
              "%s was recovered in place (same stack id), not replaced" % stack, stacks_of(after, acct))
    w = writes(before, after)
    chk.check(w.get("cloudformation ContinueUpdateRollback", 0) >= 1, "the third apply continued the rollback", w)
    chk.check(w.get("cloudformation UpdateStack", 0) >= 1, "the third apply then updated the stack", w)
    chk.eq(w.get("cloudformation DeleteStack", 0), 0, "the third apply deleted no stack", w)
    chk.eq(w.get("cloudformation CreateStack", 0), 0, "the third apply created no stack", w)

# ---------------------------------------------------------------------------
else:  # in_progress
    u = el.Universe(2, tenants=1, seed=23, prefix="c1eng-recover-inp-")
    target = u.rows[0]
    acct, region = target["account_id"], target["region"]
    base = target.get("stack_name") or "CloudOne"
    stack = base + "-WS"
    # Slow enough that the -WS stack (one IAM role: 60 simulated s) is still
    # being created when the engine first looks at it.
    eng = el.Engine(u, time_scale="0.05")
    ext = eng.external_ids()
    tenant = u.tenant_of(target)
    body_path = os.path.join(u.root, "ws.json")
    with open(body_path, "w") as f:
        f.write(ws_template())
    aws = el.simtest.AwsCli(eng.env, watch=eng.sim)
    res = aws("cloudformation", "create-stack", "--profile", target["profile"], "--region", region,
              "--stack-name", stack, "--template-body", "file://" + body_path,
              "--parameters", "ParameterKey=ExternalId,ParameterValue=%s" % ext[tenant.name],
              "--capabilities", "CAPABILITY_NAMED_IAM",
              "--tags", "Key=c1onboard:account,Value=%s" % acct, "Key=c1onboard:run,Value=another-actor",
              *["Key=%s,Value=%s" % tuple(kv.split("=", 1)) for kv in filter(None, (target.get("tags") or "").split(";"))])
    if not chk.check(res.rc == 0, "another actor creates %s of %s" % (stack, acct), res):
        eng.stop(chk)
        chk.finish()
    before = eng.state()
    proc = eng.start("apply", "-j", "2")
    seen = live_stack(eng.state(), acct, stack)
    run = eng.finish(proc, timeout=60)
    el.check_sanitizers(chk, run, "apply")
    # Not `repaired`: a stack another actor was creating is no earlier onboarding.
    el.check_report(chk, run, {r["account_id"]: "succeeded" for r in u.rows}, "apply", rc=0)
    chk.eq((seen or {}).get("status"), "CREATE_IN_PROGRESS",
           "%s was still being created when apply started" % stack, seen)
    after = eng.state()
    for row in u.rows:
        el.check_onboarded(chk, after, u, row, "after apply")
    el.check_no_orphans(chk, after, u.ids(), "after apply")
    st = live_stack(after, acct, stack)
    chk.check(st is not None and seen is not None and st["stack_id"] == seen["stack_id"],
              "the engine adopted the other actor's %s (same stack id)" % stack, stacks_of(after, acct))
    chk.eq(((st or {}).get("tags") or {}).get("c1onboard:run"), "another-actor",
           "%s was not updated or replaced by the engine" % stack)
    w = writes(before, after)
    # Two accounts: the other makes 3 stacks, the target only -C1 and -CTrl.
    chk.eq(w.get("cloudformation CreateStack", 0), 5, "CreateStack calls (none for the waited-on stack)", w)
    chk.eq(w.get("cloudformation DeleteStack", 0), 0, "no stack deleted", w)
    a = run.account(acct) or {}
    ws = {s.get("name"): s for s in a.get("steps", [])}.get("ws_role") or {}
    chk.check(ws.get("status") == "done", "report: step ws_role of %s is done" % acct, a.get("steps"))

eng.stop(chk)
chk.finish()
