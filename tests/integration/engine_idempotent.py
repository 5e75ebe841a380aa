#!/usr/bin/env python3
"""engine_idempotent: `apply` twice on the same state dir. The second run has
every account `unchanged` (exit 0), its request counters show no write call
(CreateStack/UpdateStack/DeleteStack, no Cloud One or Vision One
POST/DELETE), and c1sim's resources are the very same ones (ids, statuses,
no stack updated). A third run with a fresh state dir (a new machine, the
state lost) finds and adopts everything: unchanged again, nothing written."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_idempotent")
u = el.Universe(5, tenants=2, seed=21, prefix="c1eng-idem-")
u.make_new_trail(u.rows[2])
u.write_csv()
eng = el.Engine(u, time_scale="0.005")


def snapshot(state):
    return {"stacks": sorted((s["account_id"], s["name"], s["stack_id"], s["status"], s.get("updated"))
                             for s in state["stacks"]),
            "connectors": sorted((c["account_id"], c["id"]) for c in state.get("ws_connectors", [])),
            "cloud_accounts": sorted((c["account_id"], c["id"]) for c in state.get("cloud_accounts", [])),
            "links": sorted((v.get("c1_account_id"), v.get("connector_id")) for v in state.get("visionone_links", []))}


_, s1 = el.apply_all(chk, eng, u, "first apply", "-j", "5")

for label, kw in (("second apply", {}),
                  ("apply with a fresh state dir", {"state_dir": os.path.join(u.root, "state-fresh")})):
    before = eng.state()
    run = eng.run("apply", "-j", "5", **kw)
    el.check_sanitizers(chk, run, label)
    el.check_report(chk, run, {a: "unchanged" for a in u.ids()}, label, rc=0)
    after = eng.state()
    writes = el.writes_in(el.counter_delta(before, after))
    chk.check(not writes, "%s made no write call" % label, writes)
    chk.eq(snapshot(after), snapshot(s1), "%s: c1sim's resources are the same ones" % label)
    reads = sum(el.counter_delta(before, after).values())
    el.log("  %s: %d read calls (%.1f per account)" % (label, reads, reads / float(len(u.rows))))
# Nothing to do: plan --detailed-exitcode says 0, its totals count only unchanged steps, and
# --changes-only lists no account.
plan = eng.run("plan", "-j", "5", "--detailed-exitcode", "--changes-only")
el.check_sanitizers(chk, plan, "plan --detailed-exitcode with nothing to do")
chk.eq(plan.rc, 0, "plan --detailed-exitcode with nothing to do: exit 0", plan.out[-800:])
chk.check(all(a not in plan.out.split("Plan:")[0] for a in u.ids()),
          "plan --changes-only with nothing to do lists no account", plan.out[-800:])
totals = [line for line in plan.out.splitlines() if line.startswith("Plan:")]
chk.check(len(totals) == 1 and totals[0].startswith("Plan: 0 to create, 0 to update, 0 to adopt, 0 to change by hand,")
          and totals[0].endswith("; 0 of %d accounts would change" % len(u.rows)),
          "plan's totals line: nothing to change", totals)
eng.stop(chk)
chk.finish()
