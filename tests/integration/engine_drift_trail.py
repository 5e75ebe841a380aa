#!/usr/bin/env python3
"""engine_drift_trail: the CloudTrail trail and bucket an onboarded row
depends on, deleted or stopped behind c1onboard's back, are drift; apply
cannot bring them back and says which console action does.

26 accounts over 6 tenants, a third of them with create_new_trail (their
-Trail stack makes the trail and its bucket). 25 are onboarded; then:
  TRAIL_GONE    a new-trail row's trail deleted           -> trail_missing
  NT_BUCKET     a new-trail row's bucket deleted          -> bucket_missing
  STOPPED       a new-trail row's trail stopped logging   -> trail_not_logging
  EB_GONE       an existing-bucket row's bucket deleted   -> bucket_missing
  FRESH         never onboarded, its bucket deleted       -> invalid (a bad row, not drift;
                run on its own, as an invalid row makes the exit code 1)
`drift` exits 2 with exactly those accounts drifted and those entries, and
writes nothing; `plan` shows the step manual. `apply` leaves them drifted
(exit 2), each reason naming what is missing and the fix, and deletes or
recreates nothing; the others stay unchanged. Following the reasons (the two stacks deleted, the bucket made
again) lets the next apply repair three of them; the stopped trail stays."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_drift_trail")
u = el.Universe(26, tenants=6, seed=47, prefix="c1eng-trail-")
for i, row in enumerate(u.rows):
    if i % 3 == 0:
        u.make_new_trail(row)
u.write_csv()
eng = el.Engine(u, time_scale="0.005")

new_trail = [r for r in u.rows if r["create_new_trail"] == "true"]
existing = [r for r in u.rows if r["create_new_trail"] != "true"]
chk.check(len(new_trail) >= 6 and len(existing) >= 6, "the universe mixes new-trail and existing-bucket rows",
          (len(new_trail), len(existing)))
TRAIL_GONE, NT_BUCKET, STOPPED = new_trail[0], new_trail[1], new_trail[2]
EB_GONE, FRESH = existing[0], existing[-1]
onboarded = [r for r in u.rows if r is not FRESH]


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


def reason(run, row):
    return (run.account(row["account_id"]) or {}).get("reason") or ""


def stack_trail(state, row):
    """The trail (name, bucket) the row's -Trail stack made, as c1sim holds it."""
    got = [t for t in state.get("trails", []) if t.get("account_id") == row["account_id"]
           and t.get("name", "").startswith(base(row) + "-Trail")]
    chk.eq(len(got), 1, "%s has one stack-made trail" % row["account_id"], got)
    return (got[0]["name"], got[0]["bucket"]) if got else ("?", "?")


u.write_csv(rows=onboarded)  # FRESH runs on its own: an invalid row makes the exit code 1
first = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, first, "first apply")
el.check_report(chk, first, {a: "succeeded" for a in u.ids(onboarded)}, "first apply", rc=0)
s1 = eng.state()
for row in onboarded:
    el.check_onboarded(chk, s1, u, row, "first apply", deep=False)
trail_gone_name, _ = stack_trail(s1, TRAIL_GONE)
_, nt_bucket = stack_trail(s1, NT_BUCKET)
stopped_name, _ = stack_trail(s1, STOPPED)
chk.check(nt_bucket.startswith("c1onboard-trail-%s-" % NT_BUCKET["account_id"]),
          "the -Trail stack's bucket is named as its template says", nt_bucket)

inject("trail_deleted", TRAIL_GONE, trail=trail_gone_name)
inject("bucket_deleted", None, bucket=nt_bucket)
inject("trail_stopped", STOPPED, trail=stopped_name)
inject("bucket_deleted", None, bucket=EB_GONE["bucket"])
inject("bucket_deleted", None, bucket=FRESH["bucket"])
s2 = eng.state()

# ---- drift ------------------------------------------------------------------------------
drifted = [TRAIL_GONE, NT_BUCKET, STOPPED, EB_GONE]
expect = {
    TRAIL_GONE["account_id"]: [("aws", trail_gone_name, "trail_missing")],
    NT_BUCKET["account_id"]: [("aws", nt_bucket, "bucket_missing")],
    STOPPED["account_id"]: [("aws", stopped_name, "trail_not_logging")],
    EB_GONE["account_id"]: [("aws", EB_GONE["bucket"], "bucket_missing")],
}
want = {r["account_id"]: "unchanged" for r in onboarded}
want.update({r["account_id"]: "drifted" for r in drifted})
drift = eng.run("drift", "-j", "8")
el.check_sanitizers(chk, drift, "drift")
el.check_report(chk, drift, want, "drift", rc=2)
for row in onboarded:
    chk.eq(entries(drift, row), expect.get(row["account_id"], []), "drift: %s's entries" % row["account_id"])
s3 = eng.state()
delta = el.counter_delta(s2, s3)
chk.check(not el.writes_in(delta), "drift made no write call", el.writes_in(delta))
chk.eq(delta.get(("cloudtrail", "GetTrailStatus"), 0), len(new_trail),
       "drift asked every new-trail row's trail for its status, once")

# ---- plan: what apply will do is nothing, by hand ------------------------------------------
plan = eng.run("plan", "-j", "8")
el.check_sanitizers(chk, plan, "plan")
el.check_report(chk, plan, want, "plan", rc=0)  # 2 only with --detailed-exitcode
for row, step in ((TRAIL_GONE, "new_trail"), (NT_BUCKET, "new_trail"), (STOPPED, "new_trail"),
                  (EB_GONE, "cloudtrail_stack")):
    got = [s for s in (plan.account(row["account_id"]) or {}).get("steps", []) if s.get("name") == step]
    chk.check(got and got[0].get("plan") == "manual" and "apply cannot change it" in (got[0].get("plan_note") or ""),
              "plan: %s's %s step is manual, with the fix as its note" % (row["account_id"], step), got)
chk.check(not el.writes_in(el.counter_delta(s3, eng.state())), "plan made no write call")
s3 = eng.state()

# ---- apply: cannot repair, says how -----------------------------------------------------
apply = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, apply, "apply")
el.check_report(chk, apply, want, "apply", rc=2)
for row in onboarded:
    chk.eq(entries(apply, row), expect.get(row["account_id"], []), "apply: %s's entries" % row["account_id"])
for row, missing in ((TRAIL_GONE, trail_gone_name), (NT_BUCKET, nt_bucket)):
    why = reason(apply, row)
    chk.check(missing in why and "delete the stacks %s-CTrl and %s-Trail" % (base(row), base(row)) in why
              and row["account_id"] in why and "run apply again" in why,
              "apply: %s's reason names %s and the stacks to delete" % (row["account_id"], missing), why)
why = reason(apply, STOPPED)
chk.check(stopped_name in why and "Start logging" in why, "apply: the stopped trail's reason says to start it", why)
why = reason(apply, EB_GONE)
chk.check(EB_GONE["bucket"] in why and "recreate the bucket" in why and "bucket column" in why,
          "apply: the existing bucket's reason says to recreate it or correct the row", why)
s4 = eng.state()
delta = el.counter_delta(s3, s4)
chk.check(not el.writes_in(delta, ignore=el.TENANT_WRITES), "apply made no write call for the accounts",
          el.writes_in(delta))
for row in drifted:
    live = sorted(s["name"] for s in el.of_account(s4, row["account_id"])["live_stacks"])
    chk.eq(live, sorted(el.expected_stacks(row)), "apply: %s's stacks are left in place" % row["account_id"])
trails = {(t["account_id"], t["name"]): t for t in s4.get("trails", [])}
chk.eq(trails[(TRAIL_GONE["account_id"], trail_gone_name)]["exists"], False, "apply: the deleted trail is still gone")
chk.eq(trails[(STOPPED["account_id"], stopped_name)]["logging"], False, "apply: the stopped trail is not started")

# ---- a row never onboarded whose bucket is missing is a bad row, not drift ----------------
fresh_csv = u.write_csv(rows=[FRESH], path=os.path.join(u.root, "fresh.csv"))
for command in ("drift", "apply"):
    run = eng.run(command, csv_path=fresh_csv)
    el.check_sanitizers(chk, run, "%s of the fresh row" % command)
    el.check_report(chk, run, {FRESH["account_id"]: "invalid"}, "%s of the fresh row" % command, rc=1)
    chk.check("does not exist" in reason(run, FRESH) and entries(run, FRESH) == [],
              "%s: the fresh row is invalid at preflight, with no drift entry" % command,
              run.account(FRESH["account_id"]))

# ---- the console fix the reasons name, then apply repairs ---------------------------------
for row in (TRAIL_GONE, NT_BUCKET):
    inject("stack_deleted", row, stack=base(row) + "-CTrl")
    inject("stack_deleted", row, stack=base(row) + "-Trail")
eb_region = el.of_account(s1, EB_GONE["account_id"])["stacks"][0]["region"]
status, _, body = eng.sim.post("/_sim/buckets", {"name": EB_GONE["bucket"], "region": eb_region,
                                                 "account_id": EB_GONE["account_id"]})
chk.check(status in (200, 201), "POST /_sim/buckets recreates the existing bucket", body[:300])
fixed = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, fixed, "apply after the fix")
want2 = {r["account_id"]: "unchanged" for r in onboarded}
want2.update({r["account_id"]: "repaired" for r in (TRAIL_GONE, NT_BUCKET)})
want2[STOPPED["account_id"]] = "drifted"
el.check_report(chk, fixed, want2, "apply after the fix", rc=2)
s5 = eng.state()
for row in (TRAIL_GONE, NT_BUCKET, EB_GONE):
    el.check_onboarded(chk, s5, u, row, "apply after the fix", deep=False)
last = eng.run("drift", "-j", "8")
el.check_sanitizers(chk, last, "last drift")
want3 = {r["account_id"]: "unchanged" for r in onboarded}
want3[STOPPED["account_id"]] = "drifted"
el.check_report(chk, last, want3, "last drift", rc=2)
chk.eq(entries(last, STOPPED), [("aws", stopped_name, "trail_not_logging")], "last drift: only the stopped trail")
eng.stop(chk)
chk.finish()
