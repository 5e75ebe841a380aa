#!/usr/bin/env python3
"""engine_repair: what apply does about Cloud One records someone changed.

Four accounts are onboarded. Then, behind c1onboard's back, account A's
Workload Security connector gets another role, account B's Cloud One cloud
account gets another role and account C's connector is deleted. `drift`
reports all three (exit 2). `apply` then:
  A  repaired: the same connector (same id, still exactly one) points at the
     -WS stack's RoleArn again, through POST /api/awsconnectors/{id};
  B  drifted (exit code 2, SPEC 2): Cloud One has no call that changes a cloud
     account's role and re-creating it loses the customer's settings, so the
     record is left exactly as it is, with a drift entry and a reason that
     says what to do;
  C  repaired: one connector again, with the right role;
  D  unchanged.
Exactly those two Cloud One writes happen. A further apply has A, C and D
unchanged, B still drifted, and makes no write call at all. Last, A's role
is changed again and the update refused (400): A is rolled back without
deleting anything an earlier run made (exit 1 wins over 2); with the fault
gone A is repaired, and B's drift keeps the exit code at 2."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_repair")
u = el.Universe(4, tenants=2, seed=41, prefix="c1eng-repair-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
A, B, C, D = u.rows
FOREIGN_A = "arn:aws:iam::%s:role/c1sim-foreign-role" % A["account_id"]
FOREIGN_B = "arn:aws:iam::%s:role/SomeoneElsesRole" % B["account_id"]


def stack_output(state, row, suffix, output):
    base = row.get("stack_name") or "CloudOne"
    for s in el.of_account(state, row["account_id"])["live_stacks"]:
        if s["name"] == base + suffix:
            return (s.get("outputs") or {}).get(output)
    return None


def drift_entries(run, account_id):
    return [(d.get("plane"), d.get("resource"), d.get("kind"), d.get("expected"), d.get("actual"))
            for d in (run.account(account_id) or {}).get("drift", [])]


def inject(kind, row, **extra):
    doc = dict({"kind": kind, "account_id": row["account_id"]}, **extra)
    status, _, body = eng.sim.post("/_sim/drift", doc)
    chk.eq(status, 200, "POST /_sim/drift %s on %s" % (kind, row["account_id"]), body[:300])


# ---- onboard all four ------------------------------------------------------
_, s1 = el.apply_all(chk, eng, u, "first apply", "-j", "4")
ws_role = {r["account_id"]: stack_output(s1, r, "-WS", "RoleArn") for r in u.rows}
c1_role = {r["account_id"]: stack_output(s1, r, "-C1", "CloudOneRoleArn") for r in u.rows}
chk.check(all(ws_role.values()) and all(c1_role.values()), "every -WS and -C1 stack has its role output",
          {"ws": ws_role, "c1": c1_role})
conn_a = el.of_account(s1, A["account_id"])["connectors"]
conn_a_id = conn_a[0]["id"] if conn_a else None
chk.eq([c["cross_account_role_arn"] for c in conn_a], [ws_role[A["account_id"]]],
       "first apply: A's connector uses the -WS stack's role")

# ---- someone edits Cloud One --------------------------------------------------
inject("connector_role_changed", A)  # c1sim's default: a foreign role of A's account
inject("cloud_account_role_changed", B, value=FOREIGN_B)
inject("connector_deleted", C)
s2 = eng.state()
chk.eq([c["cross_account_role_arn"] for c in el.of_account(s2, A["account_id"])["connectors"]], [FOREIGN_A],
       "the drift gave A's connector c1sim's foreign role")
ca_b_before = el.of_account(s2, B["account_id"])["cloud_accounts"]
chk.eq([c["role_arn"] for c in ca_b_before], [FOREIGN_B], "the drift gave B's cloud account another role")

# ---- drift sees all three -----------------------------------------------------
drift = eng.run("drift", "-j", "4")
el.check_sanitizers(chk, drift, "drift")
el.check_report(chk, drift, {A["account_id"]: "drifted", B["account_id"]: "drifted",
                             C["account_id"]: "drifted", D["account_id"]: "unchanged"}, "drift", rc=2)
chk.check(("cloudone", "ws_connector", "role_changed", ws_role[A["account_id"]], FOREIGN_A)
          in drift_entries(drift, A["account_id"]), "drift: A's connector role change reported",
          drift_entries(drift, A["account_id"]))
chk.check(("cloudone", "cloud_account", "role_changed", c1_role[B["account_id"]], FOREIGN_B)
          in drift_entries(drift, B["account_id"]), "drift: B's cloud account role change reported",
          drift_entries(drift, B["account_id"]))
chk.check(any(e[1] == "ws_connector" and e[2] == "missing" for e in drift_entries(drift, C["account_id"])),
          "drift: C's missing connector reported", drift_entries(drift, C["account_id"]))
s3 = eng.state()
chk.check(not el.writes_in(el.counter_delta(s2, s3)), "drift made no write call",
          el.writes_in(el.counter_delta(s2, s3)))

# ---- apply repairs what it can ----------------------------------------------------
second = eng.run("apply", "-j", "4")
el.check_sanitizers(chk, second, "second apply")
el.check_report(chk, second, {A["account_id"]: "repaired", B["account_id"]: "drifted",
                              C["account_id"]: "repaired", D["account_id"]: "unchanged"},
                "second apply", rc=2)
s4 = eng.state()
mine_a = el.of_account(s4, A["account_id"])["connectors"]
chk.eq([(c["id"], c["cross_account_role_arn"]) for c in mine_a], [(conn_a_id, ws_role[A["account_id"]])],
       "second apply: A has its one connector (same id) back on the -WS stack's role")
mine_c = el.of_account(s4, C["account_id"])["connectors"]
chk.eq([c["cross_account_role_arn"] for c in mine_c], [ws_role[C["account_id"]]],
       "second apply: C has exactly one connector again, on the -WS stack's role")
ca_b_after = el.of_account(s4, B["account_id"])["cloud_accounts"]
chk.eq(ca_b_after, ca_b_before, "second apply left B's cloud account untouched (same record, same role)")
b = second.account(B["account_id"]) or {}
chk.check(("cloudone", "cloud_account", "role_changed", c1_role[B["account_id"]], FOREIGN_B)
          in drift_entries(second, B["account_id"]), "second apply: B's drift entry", b.get("drift"))
reason = b.get("reason") or ""
for part in ("cloud account %s" % B["account_id"], FOREIGN_B, c1_role[B["account_id"]] or "?", "Cloud One console",
             "offboard"):
    chk.check(part in reason, "second apply: B's reason names %r" % part, reason)
chk.eq(drift_entries(second, A["account_id"]), [], "second apply: A has no drift entry (it was repaired)")
for row in (A, C, D):
    el.check_onboarded(chk, s4, u, row, "second apply", deep=False)
writes = el.writes_in(el.counter_delta(s3, s4))
chk.eq(writes, {"cloudone POST /api/awsconnectors/{id}": 1, "cloudone POST /api/awsconnectors": 1},
       "second apply: one connector update (A) and one connector create (C), nothing else written")

# ---- and then there is nothing left to do ----------------------------------------
third = eng.run("apply", "-j", "4")
el.check_sanitizers(chk, third, "third apply")
el.check_report(chk, third, {A["account_id"]: "unchanged", B["account_id"]: "drifted",
                             C["account_id"]: "unchanged", D["account_id"]: "unchanged"}, "third apply", rc=2)
s5 = eng.state()
writes = el.writes_in(el.counter_delta(s4, s5))
chk.check(not writes, "third apply made no write call", writes)
chk.eq(el.of_account(s5, B["account_id"])["cloud_accounts"], ca_b_before,
       "third apply: B's cloud account still untouched")

# ---- a repair that fails undoes nothing it did not create ---------------------------
inject("connector_role_changed", A)
eng.faults({"rules": [{"service": "cloudone", "route": "POST /api/awsconnectors/{id}",
                       "account_id": A["account_id"], "effect": "error", "status": 400, "times": 0}]})
s6 = eng.state()
failed = eng.run("apply", "-j", "4")
el.check_sanitizers(chk, failed, "apply with the connector update refused")
el.check_report(chk, failed, {A["account_id"]: "rolled_back", B["account_id"]: "drifted",
                              C["account_id"]: "unchanged", D["account_id"]: "unchanged"},
                "apply with the connector update refused", rc=1)
steps_a = {st.get("name"): st for st in (failed.account(A["account_id"]) or {}).get("steps", [])}
chk.eq((steps_a.get("ws_connector") or {}).get("status"), "failed",
       "refused update: A's ws_connector step failed", steps_a.get("ws_connector"))
s7 = eng.state()
chk.eq([(c["id"], c["cross_account_role_arn"]) for c in el.of_account(s7, A["account_id"])["connectors"]],
       [(conn_a_id, FOREIGN_A)], "refused update: A's connector is still there, unchanged")
el.check_onboarded(chk, s7, u, A, "refused update (nothing of an earlier run undone)", deep=False)
writes = el.writes_in(el.counter_delta(s6, s7))
chk.eq(set(writes), {"cloudone POST /api/awsconnectors/{id}"},
       "refused update: the only write tried was the connector update (no delete, no create)")
eng.faults({})

# With the fault gone A is repaired; B is still drifted: exit 2 (with or without --fail-on-drift).
strict = eng.run("apply", "-j", "4", "--fail-on-drift")
el.check_sanitizers(chk, strict, "apply --fail-on-drift")
el.check_report(chk, strict, {A["account_id"]: "repaired", B["account_id"]: "drifted",
                              C["account_id"]: "unchanged", D["account_id"]: "unchanged"},
                "apply --fail-on-drift", rc=2)

# ---- plan: an account with only its stacks left is a repair, not a new onboarding ----
inject("connector_deleted", D)
inject("cloud_account_deleted", D)
inject("stack_deleted", D, stack=(D.get("stack_name") or "CloudOne") + "-CTrl")
plan = eng.run("plan", "-j", "4")
el.check_sanitizers(chk, plan, "plan")
el.check_report(chk, plan, {A["account_id"]: "unchanged", B["account_id"]: "drifted",
                            C["account_id"]: "unchanged", D["account_id"]: "drifted"}, "plan", rc=0)
chk.eq({a["account_id"]: a.get("plan") for a in plan.report["accounts"]},
       {A["account_id"]: "unchanged", B["account_id"]: "manual", C["account_id"]: "unchanged",
        D["account_id"]: "create"}, "plan: what apply would do per account")
# B's cloud-account role is what apply cannot change: the plan says so, as apply's reason does.
b_steps = {s["name"]: s for s in plan.report["accounts"][u.rows.index(B)]["steps"]}
chk.eq(b_steps.get("c1_cloud_account", {}).get("plan"), "manual", "plan: B's cloud account is manual")
chk.check("apply cannot change it" in (b_steps.get("c1_cloud_account", {}).get("plan_note") or ""),
          "plan: B's note says apply cannot change the role", b_steps.get("c1_cloud_account"))
chk.check("c1_cloud_account" in plan.out and "manual" in plan.out, "plan's text shows the manual step", plan.out)
# The totals: D's connector, cloud account, CloudTrail token and stack to create, B's role by hand.
totals = [line for line in plan.out.splitlines() if line.startswith("Plan:")]
chk.check(len(totals) == 1 and totals[0].startswith("Plan: 4 to create, 0 to update, 0 to adopt, 1 to change by hand,")
          and totals[0].endswith("; 2 of 4 accounts would change"), "plan's totals line", totals)
# --changes-only lists B and D with only their changing steps; --detailed-exitcode says 2.
short = eng.run("plan", "-j", "4", "--changes-only", "--detailed-exitcode")
el.check_sanitizers(chk, short, "plan --changes-only --detailed-exitcode")
chk.eq(short.rc, 2, "plan --detailed-exitcode with changes pending: exit 2", short.err[-800:])
listing = short.out.split("Plan:")[0]
chk.check(B["account_id"] in listing and D["account_id"] in listing and A["account_id"] not in listing
          and C["account_id"] not in listing, "plan --changes-only lists only B and D", listing)
chk.check(" unchanged" not in listing, "plan --changes-only lists no unchanged step", listing)
chk.eq([line for line in short.out.splitlines() if line.startswith("Plan:")], totals,
       "plan --changes-only: the same totals")
eng.stop(chk)
chk.finish()
