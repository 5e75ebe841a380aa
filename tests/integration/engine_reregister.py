#!/usr/bin/env python3
"""engine_reregister: a Cloud One cloud account whose IAM role is gone is
registered again (issue 8's choice, docs/engine.md "Re-registering").

Twelve accounts over three tenants are onboarded. Then, behind c1onboard's
back, the -C1 stack (and with it the cloud-account-management role) of one
account per tenant is deleted: X, Y and Z. Their cloud accounts now point at
a role that no longer exists.
  drift   reports the missing stack and the cloud account's missing role
          (`role_missing`, actual = the gone role), exit 2;
  plan    says what apply will do: c1_role create, c1_cloud_account update
          with a note that spells out the re-registration and its loss;
  apply   with IAM refusing GetRole for Z (AccessDenied: nobody can tell
          whether the role is gone): X and Y repaired (their -C1 stack made
          again, the old cloud account deleted and the account registered
          with the new role: exactly one record each); Z's new stack is made
          but its cloud account is left alone (`drifted`, exit 2): only IAM's
          NoSuchEntity may make c1onboard delete a record;
  apply   without the fault: Z repaired the same way; X and Y unchanged;
  apply   once more: every account unchanged, no write call, exit 0.
A cloud account whose role differs but exists stays `manual` (engine_repair)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_reregister")
u = el.Universe(12, tenants=3, seed=57, prefix="c1eng-rereg-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")

# one account of each tenant
by_tenant = {}
for row in u.rows:
    by_tenant.setdefault(row["cloudone_api_key"], row)
X, Y, Z = list(by_tenant.values())[:3]
GONE = [X, Y, Z]
OTHERS = [r for r in u.rows if r not in GONE]


def c1_role_of(state, row):
    base = row.get("stack_name") or "CloudOne"
    for s in el.of_account(state, row["account_id"])["live_stacks"]:
        if s["name"] == base + "-C1":
            return (s.get("outputs") or {}).get("CloudOneRoleArn")
    return None


def ca_roles(state, row):
    return [c.get("role_arn") for c in el.of_account(state, row["account_id"])["cloud_accounts"]]


def steps_of(run, row):
    return {s["name"]: s for s in (run.account(row["account_id"]) or {}).get("steps", [])}


_, s1 = el.apply_all(chk, eng, u, "first apply", "-j", "8")
old_role = {r["account_id"]: c1_role_of(s1, r) for r in GONE}
chk.check(all(old_role.values()), "the -C1 stacks gave their roles", old_role)
for row in GONE:
    status, _, body = eng.sim.post("/_sim/drift", {"kind": "stack_deleted", "account_id": row["account_id"],
                                                   "stack": (row.get("stack_name") or "CloudOne") + "-C1"})
    chk.eq(status, 200, "delete %s's -C1 stack behind c1onboard's back" % row["account_id"], body[:300])
s2 = eng.state()
for row in GONE:
    chk.eq(ca_roles(s2, row), [old_role[row["account_id"]]], "%s's cloud account still names the gone role"
           % row["account_id"])

# ---- drift: the missing stack and the cloud account's missing role -----------
drift = eng.run("drift", "-j", "8")
el.check_sanitizers(chk, drift, "drift")
want = {r["account_id"]: "unchanged" for r in OTHERS}
want.update({r["account_id"]: "drifted" for r in GONE})
el.check_report(chk, drift, want, "drift", rc=2)
for row in GONE:
    entries = [(d.get("plane"), d.get("resource"), d.get("kind"), d.get("actual"))
               for d in (drift.account(row["account_id"]) or {}).get("drift", [])]
    chk.check(("cloudone", "cloud_account", "role_missing", old_role[row["account_id"]]) in entries,
              "drift: %s's cloud account role reported missing" % row["account_id"], entries)
s3 = eng.state()
chk.check(not el.writes_in(el.counter_delta(s2, s3)), "drift made no write call",
          el.writes_in(el.counter_delta(s2, s3)))

# ---- plan: what apply will do, re-registration spelled out ----------------------
plan = eng.run("plan", "-j", "8")
el.check_sanitizers(chk, plan, "plan")
el.check_report(chk, plan, want, "plan", rc=0)
for row in GONE:
    st = steps_of(plan, row)
    chk.eq((st.get("c1_role") or {}).get("plan"), "create", "plan: %s's c1_role is created" % row["account_id"])
    ca = st.get("c1_cloud_account") or {}
    chk.eq(ca.get("plan"), "update", "plan: %s's cloud account is updated (re-registered)" % row["account_id"], ca)
    note = ca.get("plan_note") or ""
    for part in ("re-register", old_role[row["account_id"]], "not carried over"):
        chk.check(part in note, "plan: %s's note names %r" % (row["account_id"], part), note)
chk.check("re-register" in plan.out, "plan's text shows the re-registration", plan.out[-2000:])
s4 = eng.state()
chk.check(not el.writes_in(el.counter_delta(s3, s4)), "plan made no write call",
          el.writes_in(el.counter_delta(s3, s4)))

# ---- apply, IAM refusing to say for Z --------------------------------------------
eng.faults({"rules": [{"service": "iam", "route": "GetRole", "account_id": Z["account_id"], "effect": "error",
                       "status": 403, "code": "AccessDenied", "times": 0}]})
second = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, second, "second apply")
want2 = {r["account_id"]: "unchanged" for r in OTHERS}
want2.update({X["account_id"]: "repaired", Y["account_id"]: "repaired", Z["account_id"]: "drifted"})
el.check_report(chk, second, want2, "second apply (IAM refuses GetRole for Z)", rc=2)
eng.faults({})
s5 = eng.state()
for row in (X, Y):
    new_role = c1_role_of(s5, row)
    chk.check(new_role and new_role != old_role[row["account_id"]], "%s's -C1 stack is back with a new role"
              % row["account_id"], new_role)
    chk.eq(ca_roles(s5, row), [new_role], "%s has exactly one cloud account, on the new role" % row["account_id"])
    el.check_onboarded(chk, s5, u, row, "second apply", deep=False)
chk.eq(ca_roles(s5, Z), [old_role[Z["account_id"]]], "Z's cloud account was left alone (IAM could not say)")
z = second.account(Z["account_id"]) or {}
chk.check("Cloud One console" in (z.get("reason") or ""), "Z's reason says what to do", z.get("reason"))
writes = el.writes_in(el.counter_delta(s4, s5))
chk.eq(writes, {"cloudformation CreateStack": 3, "cloudone DELETE /api/cloudaccounts/aws/{id}": 2,
                "cloudone POST /api/cloudaccounts/aws": 2},
       "second apply: three -C1 stacks, two cloud accounts deleted and registered again, nothing else")

# ---- apply without the fault: Z repaired too ------------------------------------------
third = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, third, "third apply")
want3 = {r["account_id"]: "unchanged" for r in u.rows}
want3[Z["account_id"]] = "repaired"
el.check_report(chk, third, want3, "third apply", rc=0)
s6 = eng.state()
chk.eq(ca_roles(s6, Z), [c1_role_of(s6, Z)], "Z has exactly one cloud account, on its -C1 stack's role")
writes = el.writes_in(el.counter_delta(s5, s6))
chk.eq(writes, {"cloudone DELETE /api/cloudaccounts/aws/{id}": 1, "cloudone POST /api/cloudaccounts/aws": 1},
       "third apply: only Z's cloud account re-registered")

# ---- nothing left to do ---------------------------------------------------------------
fourth = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, fourth, "fourth apply")
el.check_report(chk, fourth, {r["account_id"]: "unchanged" for r in u.rows}, "fourth apply", rc=0)
s7 = eng.state()
chk.check(not el.writes_in(el.counter_delta(s6, s7)), "fourth apply made no write call",
          el.writes_in(el.counter_delta(s6, s7)))
for row in u.rows:
    el.check_onboarded(chk, s7, u, row, "fourth apply", deep=False)
eng.stop(chk)
chk.finish()
