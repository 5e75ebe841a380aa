#!/usr/bin/env python3
"""engine_slow_body: answers that never finish arriving (issue 10, item 8: timeouts).

c1sim carries the request out and then sends its answer one byte every 50 ms
for ever (`slow_body`): far below the 16 MiB size cap, so only the request
timeout can end the wait. `apply --http-timeout 2`:
- ends in bounded time, never hangs, exits 1 without a sanitizer report;
- account A: its cloud-account create was carried out but the answer never
  finished: the try times out (RequestTimeout in the step's retries), and the
  retry looks first, finds the record and adopts it instead of creating it
  again (so the rule's second slow answer is never asked for): A succeeds,
  onboarded exactly once;
- account B: every answer of its CloudTrail-stack parameters trickles: after
  its retries B is rolled back, nothing of it left, and the step's error is a
  timeout;
- the third account, untouched, succeeds;
- nothing is lost: the next `apply` without faults onboards B and finds A and
  C unchanged, each exactly once."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_slow_body")
u = el.Universe(3, tenants=1, seed=1212, prefix="c1eng-slowbody-")
u.write_csv()
a, b, c = u.ids()
faults = {"rules": [
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": a, "effect": "slow_body",
     "times": 2},
    {"service": "cloudone", "route": "POST /api/stacks", "account_id": b, "effect": "slow_body"},
]}
eng = el.Engine(u, time_scale="0.005", faults=faults)

started = time.time()
run = eng.run("apply", "-j", "3", "--http-timeout", "2", timeout=240)
elapsed = time.time() - started
el.require_engine(run)
el.check_sanitizers(chk, run, "slow apply")
el.log("  slow apply: %.1f s" % elapsed)
chk.check(elapsed < 180, "slow apply: ends within 180 s (a body that never ends does not hang it)",
          "%.1f s" % elapsed)
chk.eq(run.rc, 1, "slow apply: exit code", run)
state = eng.state()
rep_a = run.account(a) or {}
chk.eq(rep_a.get("status"), "succeeded", "%s (cloud-account create answers trickled twice): status" % a, rep_a)
retries = [r.get("code") for st in rep_a.get("steps", []) if st.get("name") == "c1_cloud_account"
           for r in st.get("retries", [])]
chk.eq(retries, ["RequestTimeout"], "%s: the c1_cloud_account step timed out once, then adopted" % a)
el.check_onboarded(chk, state, u, u.rows[0], "slow apply (A, adopted after the answers that never ended)")

rep_b = run.account(b) or {}
chk.eq(rep_b.get("status"), "rolled_back", "%s (CloudTrail parameters trickle for ever): status" % b, rep_b)
errors = [st.get("error") or {} for st in rep_b.get("steps", []) if st.get("error")]
chk.check(any(e.get("code") == "RequestTimeout" for e in errors), "%s: the step's error is a timeout" % b, errors)
chk.eq(rep_b.get("left_behind"), [], "%s: nothing left behind" % b)
el.check_nothing_left(chk, state, b, "slow apply (B, rolled back)")
chk.eq((run.account(c) or {}).get("status"), "succeeded", "%s (untouched): status" % c)

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
