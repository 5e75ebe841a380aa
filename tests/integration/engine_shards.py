#!/usr/bin/env python3
"""engine_shards: four `--shard K/4` runs at once against one c1sim, each with
its own state and reports folder (as the pods of a Kubernetes Indexed Job or
the children of an AWS Batch array job run), then `report --merge`.

40 accounts over 8 tenants; one account's connector create is refused, so it
rolls back. Each shard onboards a disjoint part; together they are every
account exactly once. The merged report.json has every account exactly once
with its shard's status, a summary recounted over all of them, each tenant
once; the merged results.csv has the same rows and statuses; the merge exits
as one run would (1: an account rolled back). A folder without a report is a
usage error (64)."""

import csv
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

N = 4
chk = el.Checks("engine_shards")
u = el.Universe(40, tenants=8, seed=83, prefix="c1eng-shards-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
BAD = u.rows[7]
eng.faults({"rules": [{"service": "cloudone", "route": "POST /api/awsconnectors", "account_id": BAD["account_id"],
                       "effect": "error", "status": 400, "times": 0}]})

procs = []
for k in range(1, N + 1):
    d = os.path.join(u.root, "shard%d" % k)
    procs.append((d, eng.start("apply", "--shard", "%d/%d" % (k, N), "-j", "4", state_dir=os.path.join(d, "state"),
                               reports_dir=os.path.join(d, "reports"))))
shards = []
for d, p in procs:
    run = eng.finish(p, 120)
    el.check_sanitizers(chk, run, "shard %s" % d)
    chk.check(run.report is not None, "shard %s wrote its report" % d, run)
    shards.append((d, run))
seen = [a["account_id"] for _, run in shards for a in (run.report or {}).get("accounts", [])]
chk.eq(sorted(seen), sorted(u.ids()), "the shards together ran every account exactly once")
chk.check(all(len((run.report or {}).get("accounts", [])) > 0 for _, run in shards), "every shard had accounts",
          [len((run.report or {}).get("accounts", [])) for _, run in shards])
status_of = {a["account_id"]: a["status"] for _, run in shards for a in (run.report or {}).get("accounts", [])}
chk.eq(status_of.get(BAD["account_id"]), "rolled_back", "the refused account rolled back in its shard")

merged_dir = os.path.join(u.root, "merged")
merge = subprocess.run([el.c1onboard_path(), "report", "--merge"] + [os.path.join(d, "reports") for d, _ in shards] +
                       ["--reports-dir", merged_dir], env=eng.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
chk.check("Sanitizer" not in merge.stderr and "runtime error:" not in merge.stderr, "merge: no sanitizer report",
          merge.stderr[-2000:])
chk.eq(merge.returncode, 1, "merge exits as the whole run would (an account rolled back)", merge.stderr[-800:])
with open(os.path.join(merged_dir, "latest", "report.json")) as f:
    doc = json.load(f)
chk.eq(sorted(a["account_id"] for a in doc["accounts"]), sorted(u.ids()), "merged: every account exactly once")
chk.eq({a["account_id"]: a["status"] for a in doc["accounts"]}, status_of, "merged: each account's shard status")
chk.eq(doc["summary"].get("total"), 40, "merged: summary total")
chk.eq((doc["summary"].get("succeeded"), doc["summary"].get("rolled_back")), (39, 1), "merged: summary counts")
c1_ids = [t.get("c1_account_id") for t in doc["tenants"]]
chk.eq(len(c1_ids), len(set(c1_ids)), "merged: each tenant once", c1_ids)
chk.eq(len(c1_ids), 8, "merged: all 8 tenants", c1_ids)
chk.check(doc["run"]["id"].endswith("-merged"), "merged: the run id says merged", doc["run"]["id"])
with open(os.path.join(merged_dir, "latest", "results.csv"), newline="") as f:
    rows = list(csv.DictReader(f))
chk.eq({r["account_id"]: r["status"] for r in rows}, status_of, "merged results.csv: the same rows and statuses")
chk.eq(len(rows), 40, "merged results.csv: one row per account")
with open(os.path.join(merged_dir, "latest", "report.html")) as f:
    html = f.read()
for acct, st in status_of.items():
    chk.check(acct in html, "merged report.html: %s is on the page" % acct)

missing = subprocess.run([el.c1onboard_path(), "report", "--merge", os.path.join(u.root, "nowhere"), "--reports-dir",
                          merged_dir], env=eng.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=60)
chk.eq(missing.returncode, 64, "merge of a folder without a report: usage error", missing.stderr[-500:])
chk.check("report.json" in missing.stderr, "the error says what is missing", missing.stderr[-500:])
eng.faults({})
eng.stop(chk)
chk.finish()
