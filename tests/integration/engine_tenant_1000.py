#!/usr/bin/env python3
"""engine_tenant_1000: one Cloud One tenant with 1,000 AWS accounts (MSP
enterprise shape). The adopt-or-create decision for each account's cloud
account reads the tenant's index (listed once per run), so Cloud One costs
at most 6 requests per account plus a per-tenant constant, whatever the
tenant's size. Counted in c1sim, not timed.

First 300 of the rows are onboarded; then all 1,000 are applied: the 300
registered cloud accounts are found through the listing (12 pages of 25) and
adopted, the other 700 are created once each."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

N, FIRST = 1000, 300
chk = el.Checks("engine_tenant_1000")
u = el.Universe(N, tenants=1, seed=1000, prefix="c1eng-t1000-")
u.write_csv()
first_csv = u.write_csv(u.rows[:FIRST], path=os.path.join(u.root, "first.csv"))
eng = el.Engine(u, time_scale="0.002")
# c1sim's stacks settle within a second at this scale; poll them as often.
eng.env["C1ONBOARD_POLL_MAX_MS"] = "1000"


def cloudone_requests(delta):
    return {route: n for (service, route), n in delta.items() if service == "cloudone"}


before = eng.state()
run1 = eng.run("apply", "-j", "300", "--rate", "cloudone=400", csv_path=first_csv, timeout=300)
el.check_sanitizers(chk, run1, "first apply")
el.check_report(chk, run1, {a: "succeeded" for a in u.ids(u.rows[:FIRST])}, "first apply", rc=0)
mid = eng.state()
c1_first = cloudone_requests(el.counter_delta(before, mid))

# Counts, not speed: a high Cloud One ceiling keeps the test short.
run2 = eng.run("apply", "-j", "500", "--rate", "cloudone=400", timeout=600)
el.check_sanitizers(chk, run2, "apply of 1,000")
first_ids = set(u.ids(u.rows[:FIRST]))
el.check_report(chk, run2, {a: "unchanged" if a in first_ids else "succeeded" for a in u.ids()},
                "apply of 1,000", rc=0)
after = eng.state()
c1 = cloudone_requests(el.counter_delta(mid, after))
total = sum(c1.values())
el.log("  Cloud One requests for %d accounts: %d (%.2f per account): %s" % (N, total, total / N, c1))

# Per tenant and run: API key, Vision One check, external id, and the listing:
# ceil(registered / 25) pages (+1 for an empty last page).
tenant_constant = 3 + (FIRST // 25 + 2)
chk.check(total <= 6 * N + tenant_constant,
          "Cloud One requests <= 6 per account + %d per tenant (got %d for %d accounts)" % (tenant_constant, total, N),
          c1)
lists = c1.get("GET /api/cloudaccounts/aws", 0)
chk.check(lists <= FIRST // 25 + 2, "the tenant's cloud accounts are listed once (%d pages)" % lists, c1)
chk.eq(c1.get("POST /api/cloudaccounts/aws", 0), N - FIRST, "one cloud-account create per new account")
chk.check(c1_first.get("GET /api/cloudaccounts/aws", 0) <= 2,
          "a tenant with no cloud accounts yet is listed with one request", c1_first)


ids = [c["account_id"] for c in after.get("cloud_accounts", [])]
chk.eq(len(ids), N, "one cloud account per AWS account in c1sim")
chk.eq(len(set(ids)), N, "no AWS account registered twice")
for row in u.rows:
    el.check_onboarded(chk, after, u, row, "after apply", deep=False)
el.check_no_orphans(chk, after, u.ids(), "after apply")
eng.stop(chk)
chk.finish()
