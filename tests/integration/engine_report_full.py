#!/usr/bin/env python3
"""engine_report_full: the reports folder's disk is full (issue 10, item 8).

The reports folder is a small tmpfs (needs root; SKIP otherwise):
- a first `apply` writes the reports: report.json, report.html, results.csv
  0640, state.db (and its -wal/-shm) 0600;
- the disk is then filled to the last byte and `apply` runs again: it ends
  with exit 70 and an error that names the report and "No space left on
  device", without a sanitizer report; the state store (another disk) has
  every account's outcome of that run; the reports folder holds no partial
  file (no report of the new run, no temp file), `latest` still points at the
  first run and its report.json is byte for byte what it was;
- with space again, `report --run RUN` renders the second run's report from
  the state store: every account `unchanged`, nothing lost."""

import json
import os
import sqlite3
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_report_full")
u = el.Universe(4, tenants=2, seed=4242, prefix="c1eng-rfull-")
u.write_csv()
reports = os.path.join(u.root, "reports-tmpfs")
el.mount_tmpfs(reports, "size=2m,mode=0755", "the reports folder")

eng = el.Engine(u, time_scale="0.005")
eng.reports_dir = reports


def mode(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def db_rows(sql, *args):
    con = sqlite3.connect(os.path.join(eng.state_dir, "state.db"))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


first = eng.run("apply")
el.check_report(chk, first, {a: "succeeded" for a in u.ids()}, "first apply", rc=0)
run1 = os.readlink(os.path.join(reports, "latest"))
for name in ("report.json", "report.html", "results.csv"):
    chk.eq(mode(os.path.join(reports, run1, name)), oct(0o640), "first apply: %s mode" % name)
for name in ("state.db", "state.db-wal", "state.db-shm"):
    path = os.path.join(eng.state_dir, name)
    if os.path.exists(path):
        chk.eq(mode(path), oct(0o600), "first apply: %s mode" % name)
with open(os.path.join(reports, run1, "report.json"), "rb") as f:
    report1 = f.read()

# Fill the disk to the last byte.
filler = os.path.join(reports, "filler")
fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
for size in (65536, 1):
    try:
        while True:
            os.write(fd, b"\0" * size)
    except OSError:
        pass
os.close(fd)
st = os.statvfs(reports)
chk.eq(st.f_bavail, 0, "the reports disk is full")

runs_before = {r[0] for r in db_rows("SELECT id FROM runs")}
full = eng.run("apply")
el.check_sanitizers(chk, full, "apply on a full reports disk")
chk.eq(full.rc, 70, "apply on a full reports disk: exit code", full)
chk.check("No space left on device" in full.err and "report" in full.err,
          "apply on a full reports disk: the error names the report and the full disk", full.err[-1500:])
chk.check("report --run" in full.err and "state store" in full.err,
          "apply on a full reports disk: the error says the outcomes are kept and how to get the report",
          full.err[-1500:])
new_runs = [r for r in db_rows("SELECT id FROM runs") if r[0] not in runs_before]
chk.eq(len(new_runs), 1, "the state store recorded the second run")
run2 = new_runs[0][0] if new_runs else ""
outcomes = dict(db_rows("SELECT account_id, status FROM accounts WHERE run_id = ?", run2))
chk.eq(outcomes, {a: "unchanged" for a in u.ids()}, "the state store has every account's outcome of the second run")
chk.eq(os.readlink(os.path.join(reports, "latest")), run1, "latest still points at the first run")
with open(os.path.join(reports, run1, "report.json"), "rb") as f:
    chk.check(f.read() == report1, "the first run's report.json is unchanged")
left = []
for d, _dirs, files in os.walk(reports):
    left += [os.path.join(d, n) for n in files if ".tmp" in n or os.path.basename(d) == run2]
chk.eq(left, [], "no partial report or temp file in the reports folder")

os.unlink(filler)
rerender = subprocess.run([el.c1onboard_path(), "report", "--run", run2, "--state-dir", eng.state_dir,
                           "--reports-dir", reports], env=eng.env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)
chk.eq(rerender.returncode, 0, "report --run %s with space again" % run2, rerender.stderr[-1500:])
try:
    with open(os.path.join(reports, run2, "report.json")) as f:
        report2 = json.load(f)
except (OSError, ValueError) as e:
    report2 = {}
    chk.check(False, "report --run wrote %s/report.json" % run2, e)
got = {a.get("account_id"): a.get("status") for a in report2.get("accounts", [])}
chk.eq(got, {a: "unchanged" for a in u.ids()}, "the re-rendered report has every account's outcome")

eng.stop(chk)
chk.finish()
