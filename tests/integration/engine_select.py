#!/usr/bin/env python3
"""engine_select: `--only` and `--shard K/N` pick the right accounts (SPEC 2).

7 accounts. `apply --only A,B` reports exactly A and B, onboards them and
touches no other account. `plan --shard 1/2` and `plan --shard 2/2` each
report a non-empty set, the two are disjoint and their union is every
account of the file; a shard run makes no write call. `--shard 1/1` is
everything. `--only` naming an id no row has (a typo) is a usage error
(exit 64) that names the id, before anything is sent, also when the other
ids are fine. A reports folder that cannot be written stops the run before
anything is sent (exit 78)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_select")
u = el.Universe(7, tenants=2, seed=51, prefix="c1eng-select-")
ids = u.ids()
eng = el.Engine(u, time_scale="0.005")
eng.external_ids()

only = [ids[4], ids[1]]
run = eng.run("apply", "--only", ",".join(only), "-j", "4", timeout=60)
el.check_sanitizers(chk, run, "apply --only")
el.check_report(chk, run, {a: "succeeded" for a in only}, "apply --only", rc=0)
chk.eq(sorted(run.statuses()), sorted(only), "apply --only: report lists exactly the selected accounts")
state = eng.state()
for row in u.rows:
    if row["account_id"] in only:
        el.check_onboarded(chk, state, u, row, "apply --only", deep=False)
el.check_no_orphans(chk, state, only, "apply --only")

typo = "%012d" % (int(ids[2]) + 1)
while typo in ids:
    typo = "%012d" % (int(typo) + 1)
before = eng.state()
r = eng.run("apply", "--only", "%s,%s" % (ids[2], typo), timeout=60)
el.check_sanitizers(chk, r, "apply --only with a typo")
chk.eq(r.rc, 64, "apply --only naming an id no row has: exit code", r.err[-1000:])
chk.check("--only %s: no row of" % typo in r.err, "apply --only typo: the error names the id", r.err[-1000:])
chk.eq(el.writes_in(el.counter_delta(before, eng.state())), {}, "apply --only typo: nothing sent")

# A reports folder that cannot be written is found before any change (exit 78). The run is
# root here, so a folder under a regular file stands in for one without permission.
blocker = os.path.join(u.root, "not-a-folder")
open(blocker, "w").close()
before = eng.state()
r = eng.run("apply", "--only", ids[2], reports_dir=os.path.join(blocker, "reports"), timeout=60)
el.check_sanitizers(chk, r, "apply with an unwritable reports folder")
chk.eq(r.rc, 78, "apply with an unwritable reports folder: exit code", r.err[-1000:])
chk.check("--reports-dir" in r.err and "not-a-folder" in r.err,
          "apply with an unwritable reports folder: the error names it and the fix", r.err[-1000:])
chk.eq(el.writes_in(el.counter_delta(before, eng.state())), {}, "unwritable reports folder: nothing sent")

shards = []
before = eng.state()
for k in (1, 2):
    r = eng.run("plan", "--shard", "%d/2" % k, "-j", "4", timeout=60)
    el.check_sanitizers(chk, r, "plan --shard %d/2" % k)
    el.require_engine(r)
    chk.check(r.rc in (0, 1, 2), "plan --shard %d/2 ran" % k, r)
    got = set(r.statuses())
    chk.check(got, "plan --shard %d/2 selects some accounts" % k, r)
    chk.check(got <= set(ids), "plan --shard %d/2 selects only accounts of the file" % k, got)
    shards.append(got)
after = eng.state()
chk.eq(el.writes_in(el.counter_delta(before, after)), {}, "plan --shard makes no write call")
chk.eq(shards[0] & shards[1], set(), "shards 1/2 and 2/2 are disjoint")
chk.eq(sorted(shards[0] | shards[1]), sorted(ids), "shards 1/2 and 2/2 together are every account")
r = eng.run("plan", "--shard", "1/1", timeout=60)
chk.eq(sorted(r.statuses()), sorted(ids), "plan --shard 1/1 is every account")
# Sharding is a pure function of the account id: the same split each time.
r = eng.run("plan", "--shard", "1/2", timeout=60)
chk.eq(set(r.statuses()), shards[0], "plan --shard 1/2 selects the same accounts again")
eng.stop(chk)
chk.finish()
