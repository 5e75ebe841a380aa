#!/usr/bin/env python3
"""engine_huge_body: answers too large to hold (issue 10, item 8).

c1sim carries the request out and then sends its answer followed by 64 MiB
of filler (`huge_body`, with a Content-Length) or by a stream that never ends
(`endless_body`, chunked), as a broken server or proxy would. c1onboard caps a
response body at 16 MiB (engine/net/http_curl.c), so:
- `apply` ends in seconds, never hangs, exits 1 without a sanitizer report;
- account A: its cloud-account create was carried out but the answer was
  too large, which is a lost answer, not a refusal: c1onboard retries, looks
  first, finds the record and adopts it: A succeeds, onboarded exactly once,
  its retry recorded as ResponseTooLarge (before the fix A ended
  `rolled_back` with the cloud account left in Cloud One and not listed);
- account B: the CloudTrail-stack parameters never come through: after its
  retries B is rolled back, nothing of it left, and the step's error says the
  response was larger than the 16 MiB limit;
- the third account, untouched, succeeds;
- nothing is lost: the next `apply` without faults onboards B, finds A and C
  unchanged, each exactly once, with nothing outside the spreadsheet left in
  c1sim."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_huge_body")
u = el.Universe(3, tenants=1, seed=1010, prefix="c1eng-hugebody-")
u.write_csv()
a, b, c = u.ids()
faults = {"rules": [
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": a, "effect": "huge_body"},
    {"service": "cloudone", "route": "POST /api/stacks", "account_id": b, "effect": "endless_body"},
]}
eng = el.Engine(u, time_scale="0.005", faults=faults)

started = time.time()
run = eng.run("apply", "-j", "3", timeout=90)
el.require_engine(run)
el.check_sanitizers(chk, run, "faulty apply")
chk.check(time.time() - started < 60, "faulty apply: ends within 60 s (a huge or endless body does not hang it)",
          "%.1f s" % (time.time() - started))
chk.eq(run.rc, 1, "faulty apply: exit code", run)
state = eng.state()
rep_a = run.account(a) or {}
chk.eq(rep_a.get("status"), "succeeded", "%s (cloud-account create answered 64 MiB): status" % a, rep_a)
retries = [r.get("code") for st in rep_a.get("steps", []) if st.get("name") == "c1_cloud_account"
           for r in st.get("retries", [])]
chk.check("ResponseTooLarge" in retries, "%s: the c1_cloud_account step's retries record ResponseTooLarge" % a, retries)
el.check_onboarded(chk, state, u, u.rows[0], "faulty apply (A, adopted after the lost answer)")

rep_b = run.account(b) or {}
chk.eq(rep_b.get("status"), "rolled_back", "%s (CloudTrail parameters answered endless): status" % b, rep_b)
errors = [st.get("error") or {} for st in rep_b.get("steps", []) if st.get("error")]
chk.check(any(e.get("code") == "ResponseTooLarge" and "larger than the 16777216-byte limit" in (e.get("message") or "")
              for e in errors), "%s: the step's error says the response was larger than the limit" % b, errors)
chk.eq(rep_b.get("left_behind"), [], "%s: nothing left behind" % b)
el.check_nothing_left(chk, state, b, "faulty apply (B, rolled back)")
eng.faults({"rules": []})
again = eng.run("apply", timeout=90)
el.check_sanitizers(chk, again, "apply without faults")
el.check_report(chk, again, {a: "unchanged", b: "succeeded", c: "unchanged"}, "apply without faults", rc=0)
state = eng.state()
for row in u.rows:
    el.check_onboarded(chk, state, u, row, "apply without faults")
el.check_no_orphans(chk, state, u.ids(), "apply without faults")

eng.stop(chk)
chk.finish()
