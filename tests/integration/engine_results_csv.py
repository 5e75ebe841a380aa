#!/usr/bin/env python3
"""engine_results_csv: results.csv, the spreadsheet a reviewer filters and the
next run's input (issue 9).

30 accounts over 6 tenants; two of them have their Workload Security
connector refused (400), so they roll back; one of those is named like a
spreadsheet formula. Then:
  - REPORTS_DIR/latest/results.csv holds the input columns plus status,
    reason, run_id, changed_since_previous and previous_status, one row per
    account in input order, agreeing with report.json; the formula name is
    neutralised (a leading apostrophe), everything else is as read;
  - `apply results.csv --retry-failed` (the fault gone) runs exactly the two
    rolled-back accounts; they succeed; the formula name reaches Cloud One as
    written (the apostrophe is read back off); their rows say changed, was
    rolled_back;
  - `--retry-failed` with a spreadsheet that has no status column is a usage
    error (64) and runs nothing."""

import csv
import io
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

FORMULA = '=HYPERLINK("http://x.example","y")'
RESULT_COLUMNS = ["status", "reason", "run_id", "changed_since_previous", "previous_status"]

chk = el.Checks("engine_results_csv")
u = el.Universe(30, tenants=6, seed=23, prefix="c1eng-results-")
if "name" not in u.fields:
    u.fields.insert(1, "name")
    for r in u.rows:
        r.setdefault("name", "")
BAD = [u.rows[4], u.rows[17]]
BAD[0]["name"] = FORMULA
u.write_csv()
eng = el.Engine(u, time_scale="0.005")


def results(run):
    path = os.path.join(eng.reports_dir, run.report["run"]["id"], "results.csv")
    with open(path, newline="") as f:
        text = f.read()
    return text, list(csv.DictReader(io.StringIO(text)))


eng.faults({"rules": [{"service": "cloudone", "route": "POST /api/awsconnectors", "account_id": r["account_id"],
                       "effect": "error", "status": 400, "times": 0} for r in BAD]})
first = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, first, "first apply")
want = {r["account_id"]: "succeeded" for r in u.rows}
want.update({r["account_id"]: "rolled_back" for r in BAD})
el.check_report(chk, first, want, "first apply", rc=1)
eng.faults({})

chk.eq((first.report["run"].get("exit_code"), first.report["run"].get("host")), (1, socket.gethostname()),
       "report.json: the run's exit code and host")
# report.json explains an account without the spreadsheet: its tenant and what its row asked for
for src in u.rows:
    a = first.report["accounts"][u.rows.index(src)]
    chk.eq(a.get("tenant"), u.tenant_of(src).c1_account, "report.json: %s names its tenant" % src["account_id"])
    chk.check(a.get("tenant") in [t.get("c1_account_id") for t in first.report["tenants"]],
              "report.json: %s's tenant is in tenants[]" % src["account_id"])
    inputs = a.get("inputs") or {}
    chk.eq((inputs.get("profile"), inputs.get("bucket") or "", inputs.get("stack_name")),
           (src["profile"], src.get("bucket", ""), src.get("stack_name") or "CloudOne"),
           "report.json: %s's inputs are its row's" % src["account_id"])

text, rows = results(first)
header = text.split("\n", 1)[0].split(",")
chk.eq(header, u.fields + RESULT_COLUMNS, "results.csv: the input's columns, then the result columns")
chk.eq([r["account_id"] for r in rows], [r["account_id"] for r in u.rows], "results.csv: every row, input order")
report = {a["account_id"]: a for a in first.report["accounts"]}
for r in rows:
    a = report.get(r["account_id"], {})
    chk.eq((r["status"], r["reason"] or None), (a.get("status"), a.get("reason") or None),
           "results.csv: %s's status and reason are report.json's" % r["account_id"])
    chk.eq((r["run_id"], r["changed_since_previous"], r["previous_status"]),
           (first.report["run"]["id"], "new", ""), "results.csv: %s is new in this store" % r["account_id"])
for r, src in zip(rows, u.rows):
    for col in u.fields:
        want_cell = "'" + src[col] if src[col].startswith(("=", "+", "-", "@")) else src[col]
        chk.eq(r[col], want_cell, "results.csv: %s's %s as read (formulas neutralised)" % (src["account_id"], col))
chk.check('"\'=HYPERLINK(""http://x.example"",""y"")"' in text, "results.csv: the formula cell is quoted and "
          "starts with an apostrophe", text[:600])

# ---- the next run reads it: only what failed runs again ---------------------------------
path = os.path.join(u.root, "results.csv")
with open(path, "w") as f:
    f.write(text)
s1 = eng.state()
retry = eng.run("apply", "--retry-failed", "-j", "8", csv_path=path)
el.check_sanitizers(chk, retry, "apply --retry-failed")
el.check_report(chk, retry, {r["account_id"]: "succeeded" for r in BAD}, "apply --retry-failed", rc=0)
chk.eq(len(retry.report["accounts"]), 2, "apply --retry-failed ran only the two rolled-back accounts")
s2 = eng.state()
aliases = [c.get("alias") for c in el.of_account(s2, BAD[0]["account_id"])["cloud_accounts"]]
chk.eq(aliases, [FORMULA], "the formula name reached Cloud One as written (apostrophe read back off)")
for r in BAD:
    el.check_onboarded(chk, s2, u, r, "apply --retry-failed", deep=False)
_, rows2 = results(retry)
chk.eq([(r["account_id"], r["status"], r["changed_since_previous"], r["previous_status"]) for r in rows2],
       [(r["account_id"], "succeeded", "yes", "rolled_back") for r in BAD],
       "results.csv of the retry: changed since the previous run, which rolled them back")

# ---- --retry-failed needs a results file -------------------------------------------------
bad = eng.run("apply", "--retry-failed", "-j", "8")
chk.eq(bad.rc, 64, "--retry-failed with the plain spreadsheet is a usage error", bad)
chk.check("status column" in bad.err, "the error says a results.csv is needed", bad.err[-500:])
s3 = eng.state()
chk.check(not el.writes_in(el.counter_delta(s2, s3)), "the refused run made no call",
          el.writes_in(el.counter_delta(s2, s3)))

# ---- report re-renders a past run from the state store ------------------------------------
def report_cmd(*extra):
    return subprocess.run([el.c1onboard_path(), "report", "--state-dir", eng.state_dir, "--reports-dir",
                           eng.reports_dir] + list(extra), env=eng.env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)


first_id = first.report["run"]["id"]
lost = os.path.join(eng.reports_dir, first_id, "report.json")
lost_csv = os.path.join(eng.reports_dir, first_id, "results.csv")
with open(lost_csv, encoding="utf-8") as f:
    csv_before = f.read()
os.remove(lost)
os.remove(lost_csv)
again = report_cmd("--run", first_id)
chk.eq(again.returncode, 0, "report --run: exit 0", again.stderr[-800:])
chk.check("Sanitizer" not in again.stderr and "runtime error:" not in again.stderr, "report: no sanitizer report",
          again.stderr[-2000:])
with open(lost) as f:
    doc = json.load(f)
chk.eq({a["account_id"]: (a["status"], a.get("reason")) for a in doc["accounts"]},
       {a["account_id"]: (a["status"], a.get("reason")) for a in first.report["accounts"]},
       "report --run: the first run's statuses and reasons again, from the state store")
chk.eq(doc["summary"], first.report["summary"], "report --run: the same summary")
chk.check(os.path.isfile(lost_csv), "report --run: results.csv again (the input file is unchanged)", again.stderr)
if os.path.isfile(lost_csv):
    with open(lost_csv, encoding="utf-8") as f:
        csv_again = list(csv.DictReader(io.StringIO(f.read())))
    before = list(csv.DictReader(io.StringIO(csv_before)))
    chk.eq([(r["account_id"], r["status"], r["reason"]) for r in csv_again],
           [(r["account_id"], r["status"], r["reason"]) for r in before],
           "report --run: results.csv has the run's rows, statuses and reasons as first written")
    chk.check(all(r["name"] == b["name"] for r, b in zip(csv_again, before)),
              "report --run: results.csv keeps the input cells (formula neutralised the same way)")
for a in doc["accounts"]:
    if a["status"] == "rolled_back":
        chk.check(a.get("hint"), "report --run: %s has a fix hint again" % a["account_id"], a)
# the input changed since: no results.csv, and the report says why
with open(u.csv_path, "a", encoding="utf-8") as f:
    f.write("\n")
os.remove(lost_csv)
changed = report_cmd("--run", first_id)
chk.eq(changed.returncode, 0, "report --run with a changed input: still exit 0 (report.json is complete)")
chk.check(not os.path.exists(lost_csv) and "changed since run" in changed.stderr,
          "report --run with a changed input: no results.csv, and stderr says why", changed.stderr[-500:])
chk.check(os.readlink(os.path.join(eng.reports_dir, "latest")).rstrip("/").endswith(retry.report["run"]["id"]),
          "report --run of an older run leaves latest on the newest run",
          os.readlink(os.path.join(eng.reports_dir, "latest")))
unknown = report_cmd("--run", "20990101T000000Z-dead")
chk.eq(unknown.returncode, 64, "report --run of an unknown run: usage error", unknown.stderr[-500:])
eng.stop(chk)
chk.finish()
