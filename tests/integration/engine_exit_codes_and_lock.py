#!/usr/bin/env python3
"""engine_exit_codes_and_lock: the state-dir lock, plan, offboard and secrets.

- `plan` before anything exists makes only read calls and prints a `create`
  line per account; after `apply` it prints `unchanged` per account, again
  with read calls only.
- A second `apply` on the same state dir while the first still runs exits 75
  (and changes nothing), and so does a `plan`; an `apply --wait-lock 120`
  waits, says so once, and runs after the first (all unchanged); the first
  completes (exit 0). Two plans and a drift at once share the lock.
- `offboard` off a terminal without `--yes` is refused (exit 64, the error
  says to add --yes) before anything is sent; on a terminal it asks, and an
  answer other than yes changes nothing (exit 1).
- `offboard` leaves nothing but the Vision One links (tenant-level, never
  undone): no live stack, connector, cloud account or active CloudTrail
  integration.
- No secret of the universe (Cloud One API keys and their secret halves,
  Vision One tokens, the AWS secret key) nor any c1sim session token appears in
  a report file, the state dir's bytes, stdout or stderr of any run (one of
  them at -v)."""

import os
import pty
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_exit_codes_and_lock")
u = el.Universe(4, tenants=2, seed=44, prefix="c1eng-lock-")
u.make_new_trail(u.rows[1])
u.write_csv()
eng = el.Engine(u, time_scale="0.01")


def check_plan(label, word, status):
    before = eng.state()
    run = eng.run("plan", "-j", "4")
    el.check_sanitizers(chk, run, label)
    el.require_engine(run)
    chk.eq(run.rc, 0, "%s: exit code" % label, run)
    if run.report:
        el.check_schema(chk, run, label)
    accounts = (run.report or {}).get("accounts", [])
    chk.eq(sorted((a["account_id"], a["status"], a.get("plan")) for a in accounts),
           sorted((a, status, word) for a in u.ids()), "%s: report status and plan per account" % label)
    for a in accounts:
        planned = [s.get("plan") for s in a["steps"] if s["name"] in ("ws_role", "ws_connector", "cloudtrail_stack")]
        chk.eq(planned, [word] * 3, "%s: step plans of %s in the report" % (label, a["account_id"]))
    writes = el.writes_in(el.counter_delta(before, eng.state()))
    chk.check(not writes, "%s made read calls only" % label, writes)
    lines = run.out.splitlines()
    for a in u.ids():
        mine = [line for line in lines if a in line]
        chk.check(any(word in line.lower() for line in mine), "%s prints '%s' for %s" % (label, word, a),
                  mine or run.out[-1500:])


check_plan("plan before apply", "create", "not_started")
st = eng.state()
chk.check(not st["stacks"] and not st.get("ws_connectors") and not st.get("cloud_accounts"),
          "plan created nothing")

first = eng.start("apply", "-j", "2", "-v")
end = time.time() + 10
while time.time() < end and not (os.path.isdir(eng.state_dir) and os.listdir(eng.state_dir)) \
        and first.poll() is None:
    time.sleep(0.02)
time.sleep(0.3)
still_running_at_start = first.poll() is None
second = eng.run("apply", "-j", "2", reports_dir=os.path.join(u.root, "reports-second"), timeout=30)
el.check_sanitizers(chk, second, "second apply")
chk.check(still_running_at_start and first.poll() is None,
          "the first apply still ran while the second started and ended (else the lock test proves nothing)")
chk.eq(second.rc, 75, "a second apply on the same state dir", second)
chk.check("--wait-lock" in second.err, "the lock error says --wait-lock can wait", second.err[-800:])
# A plan needs the apply gone too (it reads what the apply is changing) ...
plan_blocked = eng.run("plan", reports_dir=os.path.join(u.root, "reports-blocked"), timeout=30)
if first.poll() is None:
    chk.eq(plan_blocked.rc, 75, "a plan while an apply runs", plan_blocked)
else:
    el.log("  (the first apply ended before the plan looked at the lock: not checked)")
# ... and a cron run with --wait-lock waits for it instead of failing.
waiter = eng.start("apply", "-j", "2", "--wait-lock", "120", reports_dir=os.path.join(u.root, "reports-waiter"))
time.sleep(0.5)
chk.check(waiter.poll() is None, "apply --wait-lock waits while the first apply runs")
r1 = eng.finish(first, timeout=100)
el.log("  first apply: rc %s in %.1f s %s" % (r1.rc, r1.elapsed, el.summary_line(r1.report)))
el.check_sanitizers(chk, r1, "first apply")
el.check_report(chk, r1, {a: "succeeded" for a in u.ids()}, "first apply", rc=0)

rw = eng.finish(waiter, timeout=150)
el.check_sanitizers(chk, rw, "apply --wait-lock")
el.check_report(chk, rw, {a: "unchanged" for a in u.ids()}, "apply --wait-lock, after the first", rc=0)
chk.check("waiting up to 120 s" in rw.err, "apply --wait-lock says once that it waits and for whom", rw.err[-800:])

check_plan("plan after apply", "unchanged", "unchanged")

# Read-only runs share the state dir: two plans and a drift at once all finish.
together = [eng.start(cmd, "-j", "2", reports_dir=os.path.join(u.root, "reports-%s-%d" % (cmd, i)))
            for i, cmd in enumerate(("plan", "plan", "drift"))]
for i, p in enumerate(together):
    r = eng.finish(p, timeout=100)
    el.check_sanitizers(chk, r, "read-only run %d of 3 at once" % (i + 1))
    chk.eq(r.rc, 0, "read-only run %d of 3 at once (plan, plan, drift) shares the lock" % (i + 1), r.err[-800:])

before = eng.state()
refused = eng.run("offboard", "-j", "4", confirm=False)
el.check_sanitizers(chk, refused, "offboard without --yes off a terminal")
chk.eq(refused.rc, 64, "offboard without --yes off a terminal: exit code", refused.err[-800:])
chk.check("add --yes" in refused.err and "%d accounts" % len(u.ids()) in refused.err,
          "offboard without --yes: the error counts the accounts and says to add --yes", refused.err[-800:])
chk.eq(el.writes_in(el.counter_delta(before, eng.state())), {}, "offboard without --yes: nothing sent")

# On a terminal it asks; "no" changes nothing.
master, slave = pty.openpty()
os.write(master, b"no\n")
argv = eng.argv("offboard", None, "-j", "4", confirm=False)
asked = subprocess.run(argv, env=eng.env, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
os.close(slave)
os.close(master)
err = asked.stderr.decode(errors="replace")
chk.eq(asked.returncode, 1, "offboard on a terminal answered no: exit code", err[-800:])
chk.check("Type 'yes' to go on" in err and "not confirmed; nothing was changed" in err,
          "offboard on a terminal: asks, and says nothing was changed", err[-800:])
chk.eq(el.writes_in(el.counter_delta(before, eng.state())), {}, "offboard answered no: nothing sent")

off = eng.run("offboard", "-j", "4")
el.check_sanitizers(chk, off, "offboard")
chk.eq(off.rc, 0, "offboard exit code", off)
state = eng.state()
for a in u.ids():
    el.check_nothing_left(chk, state, a, "offboarded")
links = state.get("visionone_links", [])
chk.eq(sorted(l.get("c1_account_id") for l in links), sorted(t.c1_account for t in u.tenants.values()),
       "offboard keeps the tenants' Vision One links", links)

# Secrets: every byte c1onboard wrote or printed.
secrets = u.secret_values() | {"c1sim1."}
blobs = []
for top in [u.root]:
    for dirpath, _dirs, files in os.walk(top):
        rel = os.path.relpath(dirpath, u.root)
        if rel.split(os.sep)[0] in ("u", "home"):
            continue  # the universe's own secret files and the AWS CLI cache
        for name in files:
            if name.startswith(("c1sim", "faults")):
                continue
            with open(os.path.join(dirpath, name), "rb") as f:
                blobs.append((os.path.join(rel, name), f.read()))
scanned = sorted(n for n, _ in blobs)
chk.check(any(n.endswith("report.json") for n in scanned) and any("state" in n for n in scanned)
          and any(n.endswith(".err") for n in scanned), "the scan covers reports, the state dir and the output",
          scanned)
for name, data in blobs:
    leaked = [s[:6] + "..." for s in secrets if s.encode() in data]
    chk.check(not leaked, "no secret in %s" % name, leaked)
el.log("  scanned %d files for %d secrets" % (len(blobs), len(secrets)))
eng.stop(chk)
chk.finish()
