#!/usr/bin/env python3
"""engine_cloud_index: the per-tenant cloud-account index decides adopt or
create in every mode, and an uncertain create is re-checked for that one
account.

40 accounts over 2 tenants, 12 of them onboarded first (so each tenant's
list has records). Then `apply` of all 40 with two faults on the
cloud-account create: account X's first POST answers 500 (not created),
account Y's first two answer 503. Both retries must re-check X and Y in the
list (the create might have gone through) and then create once: every
account ends with exactly one cloud account, X and Y included, and the
index is listed once per tenant besides those re-checks. Then a create
whose answer is lost (carried out, answered 502) is re-checked and adopted,
never sent twice. `plan` and
`drift` afterwards read the index (a few list pages per tenant, no per-
account listing, no writes) and find nothing to do; `offboard --only X`
finds X's record in the index and removes it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

N, FIRST = 40, 12
chk = el.Checks("engine_cloud_index")
u = el.Universe(N, tenants=2, seed=77, prefix="c1eng-cindex-")
u.write_csv()
first_csv = u.write_csv(u.rows[:FIRST], path=os.path.join(u.root, "first.csv"))
eng = el.Engine(u, time_scale="0.005")
x, y = u.rows[FIRST + 3]["account_id"], u.rows[FIRST + 9]["account_id"]

run = eng.run("apply", "-j", "12", csv_path=first_csv, timeout=90)
el.check_report(chk, run, {a: "succeeded" for a in u.ids(u.rows[:FIRST])}, "first apply", rc=0)

route = "POST /api/cloudaccounts/aws"
eng.faults({"rules": [
    {"service": "cloudone", "route": route, "account_id": x, "effect": "error", "status": 500, "times": 1},
    {"service": "cloudone", "route": route, "account_id": y, "effect": "error", "status": 503, "times": 2},
]})
before = eng.state()
run = eng.run("apply", "-j", "40", timeout=120)
el.check_sanitizers(chk, run, "apply")
first_ids = set(u.ids(u.rows[:FIRST]))
el.check_report(chk, run, {a: "unchanged" if a in first_ids else "succeeded" for a in u.ids()}, "apply", rc=0)
after = eng.state()
delta = el.counter_delta(before, after)
lists = delta.get(("cloudone", "GET /api/cloudaccounts/aws"), 0)
creates = delta.get(("cloudone", route), 0)
# Per tenant one listing (at most 20 registered: one page of 25), plus one page
# for each re-check: X after its 500, Y after each of its 503s.
chk.eq(lists, 2 + 1 + 2, "cloud accounts listed once per tenant plus one page per re-check", delta)
chk.eq(creates, (N - FIRST) + 1 + 2, "one create per new account plus the refused ones")
ids = [c["account_id"] for c in after.get("cloud_accounts", [])]
chk.eq(sorted(ids), sorted(u.ids()), "exactly one cloud account per AWS account, X and Y included")
for row in u.rows:
    el.check_onboarded(chk, after, u, row, "after apply", deep=False)

# A create that went through but whose answer was lost (c1sim's lost_reply):
# the re-check finds the record in the list and adopts it; nothing is created
# twice. Z is offboarded first, so its record is gone from the index.
z = u.rows[FIRST + 5]["account_id"]
eng.faults({"rules": []})
r = eng.run("offboard", "--only", z, timeout=90)
el.check_nothing_left(chk, eng.state(), z, "offboard --only Z")
eng.faults({"rules": [{"service": "cloudone", "route": route, "account_id": z, "effect": "lost_reply",
                       "status": 502, "times": 1}]})
before = eng.state()
r = eng.run("apply", "--only", z, timeout=90)
el.check_sanitizers(chk, r, "apply after a lost reply")
chk.eq(r.statuses(), {z: "succeeded"}, "apply of Z with its create's answer lost", r)
after = eng.state()
d = el.counter_delta(before, after)
chk.eq(d.get(("cloudone", route), 0), 1, "the lost create is not sent again: the re-check found it", d)
chk.eq([c["account_id"] for c in after.get("cloud_accounts", [])].count(z), 1, "Z is registered once")
el.check_onboarded(chk, after, u, next(row for row in u.rows if row["account_id"] == z), "after lost reply",
                   deep=False)

eng.faults({"rules": []})
for mode in ("plan", "drift"):
    before = eng.state()
    r = eng.run(mode, "-j", "40", timeout=90)
    el.check_sanitizers(chk, r, mode)
    chk.eq(set(r.statuses().values()), {"unchanged"}, "%s: every account unchanged" % mode, r.statuses())
    d = el.counter_delta(before, eng.state())
    chk.eq(el.writes_in(d), {}, "%s makes no write call" % mode)
    chk.check(d.get(("cloudone", "GET /api/cloudaccounts/aws"), 0) <= 2 * 2,
              "%s lists each tenant's cloud accounts once" % mode, d)

r = eng.run("offboard", "--only", x, timeout=90)
el.check_sanitizers(chk, r, "offboard --only X")
el.check_nothing_left(chk, eng.state(), x, "offboard --only X")
chk.eq(r.statuses(), {x: "succeeded"}, "offboard --only X reports X")
eng.stop(chk)
chk.finish()
