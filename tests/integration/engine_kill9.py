#!/usr/bin/env python3
"""engine_kill9: SIGKILL `apply` at seeded random moments and run it again.

Each trial owns a disjoint pair of accounts (--only) and its own state dir on
one shared c1sim: it starts apply, kills it with SIGKILL after a random delay
(1 to 3 kills per trial, delays drawn up to the length of an uninterrupted
run), then runs apply to completion. At the end every trial's accounts are
onboarded exactly once (one connector, one cloud account, one set of live
stacks, nothing else live), the final run says succeeded/unchanged and exits
0, and nothing exists for any account no trial touched (no orphans)."""

import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

TRIALS = int(os.environ.get("C1_KILL9_TRIALS", "20"))
PER_TRIAL = 2
PARALLEL = int(os.environ.get("C1_KILL9_PARALLEL", "0"))
rng = random.Random(int(os.environ.get("C1_KILL9_SEED", "9")))

chk = el.Checks("engine_kill9")
u = el.Universe(PER_TRIAL * (TRIALS + 1) + 4, tenants=2, seed=9, prefix="c1eng-kill9-")
for i, row in enumerate(u.rows):
    if i % 5 == 2:
        u.make_new_trail(row)
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
groups = [u.rows[i * PER_TRIAL:(i + 1) * PER_TRIAL] for i in range(TRIALS + 1)]
untouched = u.rows[PER_TRIAL * (TRIALS + 1):]

t0 = time.time()
base = eng.run("apply", "--only", ",".join(u.ids(groups[0])), "-j", "4",
               state_dir=os.path.join(u.root, "state-calib"), reports_dir=os.path.join(u.root, "reports-calib"))
el.check_report(chk, base, {a: "succeeded" for a in u.ids(groups[0])}, "uninterrupted run", rc=0)
full = max(base.elapsed, 1.0)
# Runs mostly wait on simulated stacks, so slower runs overlap well: keep the
# whole test near 3 minutes.
PARALLEL = PARALLEL or (2 if full <= 4 else 3 if full <= 8 else 4)
# The first kill of a trial lands within the first half of a full run, so it
# almost surely hits a live process even on a loaded machine; later kills of
# the same trial hit resumed runs, which have less left to do, so they are
# drawn from shorter windows.
plans = [[rng.uniform(0.05, full * 0.5 / (i + 1)) for i in range(rng.randint(1, 3))] for _ in range(TRIALS)]
el.log("  an uninterrupted run takes %.1f s; kill delays: %s" % (full, [[round(d, 2) for d in p] for p in plans]))

results = {}


def trial(k):
    ids = u.ids(groups[k + 1])
    sd, rd = os.path.join(u.root, "state-%d" % k), os.path.join(u.root, "reports-%d" % k)
    only = ["--only", ",".join(ids), "-j", "4"]
    kills = 0
    for delay in plans[k]:
        proc = eng.start("apply", *only, state_dir=sd, reports_dir=rd)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        eng.finish(proc, timeout=60)
    final = eng.finish(eng.start("apply", *only, state_dir=sd, reports_dir=rd), timeout=90)
    results[k] = (ids, kills, final)


pending = list(range(TRIALS))
while pending:
    batch, pending = pending[:PARALLEL], pending[PARALLEL:]
    threads = [threading.Thread(target=trial, args=(k,)) for k in batch]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

total_kills = 0
for k in range(TRIALS):
    ids, kills, final = results[k]
    total_kills += kills
    what = "trial %d (%d kills, delays %s)" % (k, kills, [round(d, 2) for d in plans[k]])
    el.check_sanitizers(chk, final, what)
    chk.eq(final.rc, 0, what + ": final run exit code", final)
    st = final.statuses()
    chk.check(all(st.get(a) in ("succeeded", "unchanged") for a in ids),
              what + ": final run has every account succeeded/unchanged", {"statuses": st, "run": final})
chk.check(total_kills >= TRIALS, "at least one kill per trial landed while apply ran (%d kills)" % total_kills)

state = eng.state()
touched = [r for g in groups for r in g]
for row in touched:
    el.check_onboarded(chk, state, u, row, "after kills", deep=False)
el.check_no_orphans(chk, state, u.ids(touched), "after kills")
for row in untouched:
    el.check_nothing_left(chk, state, row["account_id"], "never listed")
el.log("  %d trials, %d kills in %.0f s" % (TRIALS, total_kills, time.time() - t0))
eng.stop(chk)
chk.finish()
