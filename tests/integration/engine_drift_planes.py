#!/usr/bin/env python3
"""engine_drift_planes: every drift c1sim can inject on an onboarded account
is found by `drift` with the right plane, resource and kind; `apply` repairs
what it can; `drift` afterwards reports only what apply cannot repair.

24 accounts over 6 tenants are onboarded, then, behind c1onboard's back:
  aws        the -CTrl stack deleted; the -WS stack's ExternalId parameter
             changed; a resource of the -C1 stack modified (found by
             DetectStackDrift, with expected and actual values)
  cloudone   a connector deleted; a connector's role changed; a cloud
             account deleted; a cloud account's role changed (to a role that
             exists)
  visionone  one tenant's Cloud One account unlinked (all its accounts)
`drift` exits 2 with exactly those accounts drifted and those entries. `apply`
repairs the stacks, connectors, cloud account and the link; the modified
resource (apply cannot put a resource back, and does not run drift
detection) and the changed cloud-account role (manual) remain, so the last
`drift` reports exactly those two accounts."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_drift_planes")
u = el.Universe(24, tenants=6, seed=91, prefix="c1eng-planes-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")

by_tenant = {}
for row in u.rows:
    by_tenant.setdefault(row["cloudone_api_key"], []).append(row)
tenants = [rows for rows in by_tenant.values() if len(rows) >= 2]
chk.check(len(tenants) >= 5, "the universe has at least 5 tenants with 2+ accounts", len(tenants))
(CT_GONE, PARAM), (RES_MOD, CONN_GONE), (CONN_ROLE, CA_GONE) = tenants[0][:2], tenants[1][:2], tenants[2][:2]
CA_ROLE = tenants[3][0]
UNLINKED = tenants[4]
FOREIGN = "arn:aws:iam::%s:role/SomeoneElsesRole" % CA_ROLE["account_id"]


def base(row):
    return row.get("stack_name") or "CloudOne"


def inject(kind, row, **extra):
    doc = dict({"kind": kind}, **extra)
    if row is not None:
        doc["account_id"] = row["account_id"]
    status, _, body = eng.sim.post("/_sim/drift", doc)
    chk.eq(status, 200, "POST /_sim/drift %s" % kind, body[:300])


def entries(run, row):
    return [(d.get("plane"), d.get("resource"), d.get("kind"))
            for d in (run.account(row["account_id"]) or {}).get("drift", [])]


_, s1 = el.apply_all(chk, eng, u, "first apply", "-j", "8")
tenant_of_unlinked = u.tenant_of(UNLINKED[0])

inject("stack_deleted", CT_GONE, stack=base(CT_GONE) + "-CTrl")
inject("stack_parameter_changed", PARAM, stack=base(PARAM) + "-WS", parameter="ExternalId", value="changed-by-hand")
inject("stack_resource_modified", RES_MOD, stack=base(RES_MOD) + "-C1")
inject("connector_deleted", CONN_GONE)
inject("connector_role_changed", CONN_ROLE)
inject("cloud_account_deleted", CA_GONE)
inject("cloud_account_role_changed", CA_ROLE, value=FOREIGN)
inject("visionone_unlinked", None, c1_account_id=tenant_of_unlinked.c1_account)
s2 = eng.state()

# ---- drift: every plane -------------------------------------------------------
drifted = [CT_GONE, PARAM, RES_MOD, CONN_GONE, CONN_ROLE, CA_GONE, CA_ROLE] + UNLINKED
want = {r["account_id"]: "unchanged" for r in u.rows}
want.update({r["account_id"]: "drifted" for r in drifted})
drift = eng.run("drift", "-j", "8")
el.check_sanitizers(chk, drift, "drift")
el.check_report(chk, drift, want, "drift", rc=2)
expect = [
    (CT_GONE, ("aws", base(CT_GONE) + "-CTrl", "stack_missing")),
    (PARAM, ("aws", base(PARAM) + "-WS", "parameter_changed")),
    (CONN_GONE, ("cloudone", "ws_connector", "missing")),
    (CONN_ROLE, ("cloudone", "ws_connector", "role_changed")),
    (CA_GONE, ("cloudone", "cloud_account", "missing")),
    (CA_ROLE, ("cloudone", "cloud_account", "role_changed")),
] + [(r, ("visionone", "visionone_link", "not_linked")) for r in UNLINKED]
for row, entry in expect:
    chk.check(entry in entries(drift, row), "drift: %s reports %s" % (row["account_id"], entry), entries(drift, row))
# Each entry says what fixes it: apply, or (what apply cannot do) the action by hand.
for row in (CT_GONE, PARAM, CONN_GONE, CONN_ROLE, CA_GONE):
    for d in (drift.account(row["account_id"]) or {}).get("drift", []):
        chk.check((d.get("fix") or "").startswith("apply"), "drift: %s's %s is apply's to fix" % (
            row["account_id"], d.get("kind")), d)
for row in (RES_MOD, CA_ROLE):
    a = drift.account(row["account_id"]) or {}
    chk.check(a.get("drift") and all(d.get("fix") and not d["fix"].startswith("apply") for d in a["drift"]),
              "drift: %s's drift says what to do by hand" % row["account_id"], a.get("drift"))
    chk.check((a.get("hint") or "").startswith("by hand") and a.get("rerun_may_succeed") is False,
              "drift: %s's hint is the action by hand; a rerun alone will not fix it" % row["account_id"], a)
param = [d for d in (drift.account(PARAM["account_id"]) or {}).get("drift", []) if d.get("kind") == "parameter_changed"]
chk.check(param and param[0].get("expected", "").startswith("ExternalId=") and
          "changed-by-hand" in (param[0].get("actual") or ""),
          "drift: the changed parameter's expected and actual values", param)
res = [d for d in (drift.account(RES_MOD["account_id"]) or {}).get("drift", [])
       if d.get("kind") == "resource_modified"]
chk.check(len(res) == 1 and res[0].get("plane") == "aws" and res[0].get("resource", "").startswith(base(RES_MOD) + "-C1/"),
          "drift: the modified resource of %s's -C1 stack is reported (DetectStackDrift)" % RES_MOD["account_id"], res)
chk.check(res and res[0].get("expected") and res[0].get("actual") and res[0]["expected"] != res[0]["actual"],
          "drift: the modified resource's entry says what was expected and what is there", res)
for row in u.rows:
    if row not in drifted:
        chk.eq(entries(drift, row), [], "drift: %s has no drift entry" % row["account_id"])
s3 = eng.state()
delta = el.counter_delta(s2, s3)
chk.check(not el.writes_in(delta), "drift made no write call", el.writes_in(delta))
live = sum(len(el.of_account(s2, r["account_id"])["live_stacks"]) for r in u.rows)
chk.eq(delta.get(("cloudformation", "DetectStackDrift"), 0), live,
       "drift ran DetectStackDrift once on every live stack")

# ---- apply repairs what it can --------------------------------------------------------
apply = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, apply, "apply")
want2 = {r["account_id"]: "unchanged" for r in u.rows}
want2.update({r["account_id"]: "repaired" for r in (CT_GONE, PARAM, CONN_GONE, CONN_ROLE, CA_GONE)})
want2[CA_ROLE["account_id"]] = "drifted"
el.check_report(chk, apply, want2, "apply", rc=2)
tenants_after = {t.get("c1_account_id"): t.get("visionone_status") for t in apply.report.get("tenants", [])}
chk.eq(tenants_after.get(tenant_of_unlinked.c1_account), "linked", "apply: the unlinked tenant is linked again",
       tenants_after)
s4 = eng.state()
for row in (CT_GONE, PARAM, CONN_GONE, CONN_ROLE, CA_GONE):
    el.check_onboarded(chk, s4, u, row, "apply", deep=False)
# A repaired account says what apply repaired, in fields and in its reason.
repaired_what = {CT_GONE["account_id"]: (base(CT_GONE) + "-CTrl", "stack_missing", "created"),
                 PARAM["account_id"]: (base(PARAM) + "-WS", "parameter_changed", "updated"),
                 CONN_GONE["account_id"]: ("ws_connector", "missing", "created"),
                 CONN_ROLE["account_id"]: ("ws_connector", "role_changed", "updated"),
                 CA_GONE["account_id"]: ("cloud_account", "missing", "created")}
for acct, (res_name, kind, action) in repaired_what.items():
    a = apply.account(acct) or {}
    got = [(r.get("resource"), r.get("kind"), r.get("action")) for r in a.get("repairs", [])]
    chk.check((res_name, kind, action) in got, "apply: %s's repairs list %s" % (acct, (res_name, kind, action)), got)
    chk.check((a.get("reason") or "").startswith("repaired: ") and res_name in a["reason"],
              "apply: %s's reason says what was repaired" % acct, a.get("reason"))

# ---- what is left is what apply cannot repair -------------------------------------------------
last = eng.run("drift", "-j", "8")
el.check_sanitizers(chk, last, "last drift")
want3 = {r["account_id"]: "unchanged" for r in u.rows}
want3.update({RES_MOD["account_id"]: "drifted", CA_ROLE["account_id"]: "drifted"})
el.check_report(chk, last, want3, "last drift", rc=2)
chk.eq([e[2] for e in entries(last, RES_MOD)], ["resource_modified"], "last drift: only the modified resource")
chk.eq(entries(last, CA_ROLE), [("cloudone", "cloud_account", "role_changed")], "last drift: only the role")

# ---- orphans: onboarded, then taken out of the spreadsheet ------------------------------------
GONE = [r for r in u.rows if r not in drifted][:2]
smaller = os.path.join(u.root, "without-two.csv")
u.write_csv(rows=[r for r in u.rows if r not in GONE], path=smaller)
s5 = eng.state()
for command, rc in (("drift", 2), ("apply", 2), ("plan", 0)):
    run = eng.run(command, "-j", "8", csv_path=smaller)
    el.check_sanitizers(chk, run, "%s without two rows" % command)
    el.check_schema(chk, run, "%s without two rows" % command)
    got = {a["account_id"]: a for a in run.report["accounts"] if a["status"] == "orphaned"}
    chk.eq(sorted(got), sorted(r["account_id"] for r in GONE), "%s: the two removed accounts read orphaned" % command)
    chk.eq(run.report["summary"].get("orphaned"), 2, "%s: summary.orphaned" % command)
    chk.eq(run.rc, rc, "%s: exit code with orphans" % command, run)
    for a in got.values():
        chk.check("offboard --only %s" % a["account_id"] in (a.get("reason") or ""),
                  "%s: %s's reason says how to remove it" % (command, a["account_id"]), a.get("reason"))
s6 = eng.state()
chk.check(not el.writes_in(el.counter_delta(s5, s6), ignore=("POST /api/connectors",
                                                           "POST /v1.0/preview/uic/instances/enrollment")),
          "orphans are reported, never touched", el.writes_in(el.counter_delta(s5, s6)))
for row in GONE:
    el.check_onboarded(chk, s6, u, row, "orphan left in place", deep=False)
eng.stop(chk)
chk.finish()
