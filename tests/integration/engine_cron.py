#!/usr/bin/env python3
"""engine_cron: examples/cron/c1onboard-cron.sh as cron runs it, against c1sim.

18 accounts over 6 tenants, C1_KEEP_RUNS=2:
  1. first night: every account onboarded; the wrapper prints nothing (no
     mail), exit 0; latest/results.csv says every account is new;
  2. a connector is deleted behind c1onboard's back; second night: apply
     repairs it, still silent, exit 0; results.csv says that account changed
     (was succeeded, now repaired) and the others did not;
  3. a cloud account's role is changed (apply cannot repair that); third
     night: exit 2 and the output (the mail) names that account and the
     reports folder, and nothing about the others;
  4. --keep-runs 2 left two report folders and two runs in the state store,
     while the resource ledger still has every account's resources;
  5. a night that finds the lock held (exit 75) says so in one line."""

import csv
import fcntl
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WRAPPER = os.path.join(HERE, "..", "..", "examples", "cron", "c1onboard-cron.sh")

chk = el.Checks("engine_cron")
u = el.Universe(18, tenants=6, seed=61, prefix="c1eng-cron-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
DELETED, ROLE = u.rows[3], u.rows[10]


def night(what):
    env = dict(eng.env, C1ONBOARD=el.c1onboard_path(), C1_STATE_DIR=eng.state_dir, C1_REPORTS_DIR=eng.reports_dir,
               C1_KEEP_RUNS="2", C1_EXTRA_ARGS="-j 8")
    p = subprocess.run(["sh", WRAPPER, u.csv_path], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    el.log("  %s: rc %d, %d bytes of output" % (what, p.returncode, len(p.stdout)))
    log = open(os.path.join(eng.state_dir, "cron.log")).read() if os.path.exists(
        os.path.join(eng.state_dir, "cron.log")) else ""
    chk.check("Sanitizer" not in log and "runtime error:" not in log, "%s: no sanitizer report" % what, log[-2000:])
    return p


def results():
    with open(os.path.join(eng.reports_dir, "latest", "results.csv"), newline="") as f:
        return {r["account_id"]: r for r in csv.DictReader(f)}


first = night("first night")
chk.eq((first.returncode, first.stdout), (0, ""), "first night: exit 0 and nothing printed (no mail)")
r1 = results()
chk.eq({a: (r["status"], r["changed_since_previous"]) for a, r in r1.items()},
       {a: ("succeeded", "new") for a in u.ids()}, "first night: every account succeeded, new")

status, _, body = eng.sim.post("/_sim/drift", {"kind": "connector_deleted", "account_id": DELETED["account_id"]})
chk.eq(status, 200, "delete a connector behind c1onboard's back", body[:200])
second = night("second night")
chk.eq((second.returncode, second.stdout), (0, ""), "second night: repaired silently")
r2 = results()
chk.eq((r2[DELETED["account_id"]]["status"], r2[DELETED["account_id"]]["changed_since_previous"],
        r2[DELETED["account_id"]]["previous_status"]), ("repaired", "yes", "succeeded"),
       "second night: the repaired account changed since the first night")
chk.eq({a for a, r in r2.items() if r["changed_since_previous"] != "no"}, {DELETED["account_id"]},
       "second night: only the repaired account reads changed (succeeded, then unchanged, is no change)")
with open(os.path.join(eng.reports_dir, "latest", "report.json")) as f:
    rep2 = json.load(f)
chk.eq(el.schema_errors(rep2), [], "second night: report.json matches the schema")
region = {a["account_id"]: a["region"] for a in rep2["accounts"]}
chk.eq(rep2.get("since_previous"), {"new": 0, "same": len(u.rows) - 1, "changed": [
    {"account_id": DELETED["account_id"], "region": region.get(DELETED["account_id"]),
     "before": "succeeded", "now": "repaired"}]},
    "second night: report.json's since_previous names the one account that changed")
with open(os.path.join(eng.reports_dir, "latest", "report.html"), encoding="utf-8") as f:
    page = f.read()
chk.check('<p id="since">1 changed &middot; 0 new &middot; %d the same</p>' % (len(u.rows) - 1) in page and
          DELETED["account_id"] in page.split('<p id="since">', 1)[-1].split("</table>", 1)[0],
          "second night: report.html's summary says what changed since the first night")

foreign = "arn:aws:iam::%s:role/SomeoneElsesRole" % ROLE["account_id"]
status, _, body = eng.sim.post("/_sim/drift", {"kind": "cloud_account_role_changed", "account_id": ROLE["account_id"],
                                               "value": foreign})
chk.eq(status, 200, "change a cloud account's role behind c1onboard's back", body[:200])
third = night("third night")
chk.eq(third.returncode, 2, "third night: exit 2 (drift apply cannot repair)", third.stdout)
lines = [ln for ln in third.stdout.splitlines() if ln.startswith("  ")]
chk.eq([ln.split()[0] for ln in lines], [ROLE["account_id"]], "third night: the mail names only that account",
       third.stdout)
chk.check("drifted" in third.stdout and eng.reports_dir in third.stdout,
          "third night: the mail says drifted and where the reports are", third.stdout)

folders = sorted(d for d in os.listdir(eng.reports_dir) if d != "latest")
chk.eq(len(folders), 2, "--keep-runs 2: two report folders left", folders)
db = sqlite3.connect(os.path.join(eng.state_dir, "state.db"))
runs = [r[0] for r in db.execute("SELECT id FROM runs ORDER BY id")]
chk.eq(runs, folders, "--keep-runs 2: the state store keeps the same two runs")
ledger = {r[0] for r in db.execute("SELECT DISTINCT account_id FROM resources WHERE state IN ('created','adopted')")}
chk.eq(ledger, set(u.ids()), "--keep-runs: the resource ledger still has every account")
db.close()

with open(os.path.join(eng.state_dir, "lock"), "a+") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    busy = night("a night with the lock held")
chk.eq(busy.returncode, 75, "lock held: exit 75", busy.stdout)
chk.eq(len(busy.stdout.strip().splitlines()), 1, "lock held: one line says the run was skipped", busy.stdout)
chk.check("skipped" in busy.stdout, "lock held: it says skipped", busy.stdout)
eng.stop(chk)
chk.finish()
