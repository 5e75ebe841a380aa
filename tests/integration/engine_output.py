#!/usr/bin/env python3
"""engine_output: what a person on a terminal and a cron job see of a run.

24 accounts over 6 tenants; one account's Cloud One registration answers 500
for good (its retries, then its outage retries, run out; it ends rolled_back).
Every run is an apply of the same spreadsheet, without --no-progress:
  a. stderr not a terminal: no progress line, one log line per finished
     account; stdout holds only the summary: the counts, the failed account's
     line, the report path;
  b. -q: the same summary on stdout, no info or warn lines on stderr;
  c. --log-format json: every stderr line is a JSON object with the stable
     keys; account events carry account_id/region/step/event, retry lines
     attempt/http_status; stdout is one JSON object; no secret anywhere;
  d. stderr on a pseudo-terminal: the progress line is drawn, every log line
     starts on a cleared line (no log text after progress text on a screen
     line), warnings are coloured; with NO_COLOR the only escape left is the
     line clearing;
  e. --log-format json when the run cannot start (a bad spreadsheet, a held
     lock): the errors are JSON lines too."""

import fcntl
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
PROGRESS = re.compile(r"\d+/24 done, \d+ failed, \d+ in flight, [\d.]+/s, ETA ")
CLEAR = "\r\x1b[K"
JSON_KEYS = {"time", "level", "component", "run_id", "account_id", "region", "step", "event", "status", "attempt",
             "http_status", "request_id", "message"}

chk = el.Checks("engine_output")
u = el.Universe(24, tenants=6, seed=23, prefix="c1eng-output-")
u.write_csv()
target = u.rows[5]
TARGET = target["account_id"]
eng = el.Engine(u, time_scale="0.005")
eng.faults({"rules": [{"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": TARGET,
                       "effect": "error", "status": 500, "times": 0}]})
SECRETS = u.secret_values()


def argv(*extra):
    a = eng.argv("apply", None, "-j", "8", *extra)
    a.remove("--no-progress")  # what a user types: progress is the tool's call
    return a


def run_piped(what, *extra):
    t0 = time.time()
    p = subprocess.run(argv(*extra), env=eng.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=100)
    el.log("  %s: rc %d in %.1f s, %d stdout lines, %d stderr lines" % (
        what, p.returncode, time.time() - t0, len(p.stdout.splitlines()), len(p.stderr.splitlines())))
    chk.check("Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, "%s: no sanitizer report" % what,
              p.stderr[-3000:])
    for s in SECRETS:
        chk.check(s not in p.stdout and s not in p.stderr, "%s: no secret in the output" % what)
    return p


def run_pty(what, env):
    """stderr on a pseudo-terminal (read as it comes), stdout on a pipe."""
    master, slave = os.openpty()
    out_path = os.path.join(u.root, "pty-%s.out" % what.replace(" ", "_"))
    with open(out_path, "w+") as out:
        p = subprocess.Popen(argv(), env=env, stdout=out, stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        chunks = []

        def drain():
            while True:
                try:
                    d = os.read(master, 65536)
                except OSError:  # EIO: the last writer closed the terminal
                    return
                if not d:
                    return
                chunks.append(d)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            rc = p.wait(timeout=100)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        reader.join(10)
        os.close(master)
        out.seek(0)
        stdout = out.read()
    err = b"".join(chunks).decode("utf-8", "replace")
    el.log("  %s: rc %d, %d bytes on the terminal" % (what, rc, len(err)))
    chk.check("Sanitizer" not in err and "runtime error:" not in err, "%s: no sanitizer report" % what, err[-3000:])
    return rc, stdout, err


def screen_lines(raw):
    """What a terminal shows: \\r returns to column 0, ESC[K erases to the end, \\n moves down."""
    lines, cur, col, i = [], [], 0, 0
    while i < len(raw):
        if raw.startswith("\x1b[K", i):
            del cur[col:]
            i += 3
            continue
        m = re.match(r"\x1b\[[0-9;]*m", raw[i:])
        if m:
            i += len(m.group(0))
            continue
        c = raw[i]
        i += 1
        if c == "\r":
            col = 0
        elif c == "\n":
            lines.append("".join(cur))
            cur, col = [], 0
        else:
            if col < len(cur):
                cur[col] = c
            else:
                cur.append(c)
            col += 1
    lines.append("".join(cur))
    return lines


def check_summary_text(what, p):
    lines = p.stdout.splitlines()
    chk.check(len(lines) == 3, "%s: stdout is the summary only (3 lines)" % what, p.stdout)
    chk.check(bool(lines) and re.match(r"^apply \S+: 24 accounts: .*\b1 rolled_back\b", lines[0]),
              "%s: first line: the counts" % what, p.stdout)
    acct = [ln for ln in lines if ln.startswith("  ")]
    chk.eq([(ln.split()[0], ln.split()[2]) for ln in acct], [(TARGET, "rolled_back:")],
           "%s: one line for the failed account: id, region, status" % what, p.stdout)
    chk.check(acct and "c1_cloud_account" in acct[0], "%s: its line gives the reason (the failed step)" % what,
              p.stdout)
    rep = [ln for ln in lines if ln.startswith("report: ")]
    path = rep[0][len("report: "):] if rep else ""
    chk.check(path.startswith(eng.reports_dir) and path.endswith("/report.json") and os.path.exists(path),
              "%s: the last line names the report, which exists" % what, p.stdout)
    chk.check("\x1b" not in p.stdout, "%s: no escape codes on a piped stdout" % what, repr(p.stdout[:300]))


# a. stderr is not a terminal
a = run_piped("a. piped")
chk.eq(a.returncode, 1, "a: exit 1 (an account rolled back)", a.stderr[-2000:])
check_summary_text("a", a)
chk.check(not any(PROGRESS.search(ln) or "progress" in ln for ln in a.stderr.splitlines()),
          "a: no progress line off a terminal", a.stderr[-3000:])
chk.check("\x1b" not in a.stderr, "a: no escape codes off a terminal", repr(a.stderr[:500]))
STATUSES = "succeeded|unchanged|repaired|drifted|rolled_back|failed|invalid|interrupted|not_started|orphaned"
finished = re.findall(r"^%s (?:info |warn ) account: (\d{12}) \S+: (%s)(?::|$)" % (TS, STATUSES), a.stderr, re.M)
chk.eq(sorted(x[0] for x in finished), sorted(u.ids()), "a: one log line per finished account", a.stderr[-3000:])
chk.eq(dict(finished).get(TARGET), "rolled_back", "a: the failed account's line says rolled_back")
chk.check(re.search(r"warn  retry: %s \S+ c1_cloud_account .*HTTP 500" % TARGET, a.stderr),
          "a: the outage retries name the account and step", a.stderr[-3000:])
chk.check(all(re.match(TS + " ", ln) for ln in a.stderr.splitlines()), "a: stderr holds only log lines",
          a.stderr[-3000:])

# b. -q: nothing but the summary
b = run_piped("b. -q", "-q")
chk.eq(b.returncode, 1, "b: -q still exits 1", b.stderr[-2000:])
check_summary_text("b", b)
chk.check(not re.search(r"\b(info|warn) ", b.stderr), "b: -q logs no info or warn lines", b.stderr[-2000:])

# c. --log-format json
c = run_piped("c. json", "--log-format", "json")
chk.eq(c.returncode, 1, "c: exit 1", c.stderr[-2000:])
events, bad = [], []
for ln in c.stderr.splitlines():
    try:
        j = json.loads(ln)
    except ValueError:
        bad.append(ln)
        continue
    if not isinstance(j, dict) or set(j) != JSON_KEYS:
        bad.append(ln)
    else:
        events.append(j)
chk.check(c.stderr and not bad, "c: every stderr line is a JSON object with the stable keys", bad[:5])
run_ids = {e["run_id"] for e in events if e["event"]}
chk.eq(len(run_ids), 1, "c: the account events carry one run_id", run_ids)
fin = [e for e in events if e["event"] == "account_finished"]
chk.eq(sorted(e["account_id"] for e in fin), sorted(u.ids()), "c: one account_finished event per account")
chk.check(all(e["region"] and e["status"] for e in fin), "c: account_finished carries region and status", fin[:3])
tfin = [e for e in fin if e["account_id"] == TARGET]
chk.check(tfin and tfin[0]["status"] == "rolled_back" and tfin[0]["step"] == "c1_cloud_account",
          "c: the failed account's event has its status and step", tfin)
failed = [e for e in events if e["event"] == "step_failed"]
chk.check(failed and all(e["account_id"] == TARGET and e["region"] and e["step"] == "c1_cloud_account"
                         and e["http_status"] == 500 for e in failed),
          "c: step_failed carries account_id, region, step, http_status", failed)
retries = [e for e in events if e["event"] == "retry_wait"]
chk.check(retries and all(isinstance(e["attempt"], int) and e["attempt"] >= 1 and e["http_status"] == 500
                          and e["account_id"] == TARGET and e["step"] == "c1_cloud_account" for e in retries),
          "c: retry_wait carries attempt, http_status, account_id and step", retries[:3])
chk.eq([e["attempt"] for e in retries], sorted(e["attempt"] for e in retries), "c: attempts only grow")
try:
    summary = json.loads(c.stdout)
except ValueError:
    summary = None
chk.check(isinstance(summary, dict) and len(c.stdout.splitlines()) == 1, "c: stdout is one JSON object", c.stdout)
summary = summary if isinstance(summary, dict) else {}
chk.eq((summary.get("command"), summary.get("exit_code"), summary.get("total"),
        (summary.get("summary") or {}).get("rolled_back")), ("apply", 1, 24, 1), "c: summary counts and exit code")
chk.eq([(x.get("account_id"), x.get("status")) for x in summary.get("accounts") or []], [(TARGET, "rolled_back")],
       "c: summary lists the failed account", summary.get("accounts"))
chk.check(summary.get("run_id") in run_ids and os.path.exists(summary.get("report") or "/nonexistent"),
          "c: summary names the run and its report", summary)

# d. a terminal
env = {k: v for k, v in eng.env.items() if k != "NO_COLOR"}
env["TERM"] = "xterm"
rc, out, err = run_pty("d. terminal", env)
chk.eq(rc, 1, "d: exit 1", err[-2000:])
chk.check(PROGRESS.search(err), "d: the progress line is drawn on a terminal", repr(err[:500]))
starts = [m.start() for m in re.finditer(TS, err)]
chk.check(starts and all(err[s - len(CLEAR):s] == CLEAR for s in starts),
          "d: every log line starts on a cleared line", repr(err[:1500]))
mixed = [ln for ln in screen_lines(err) if PROGRESS.search(ln) and re.search(TS, ln)]
chk.check(not mixed, "d: no screen line holds progress and log text", mixed[:3])
logged = [ln for ln in screen_lines(err) if re.match(TS, ln)]
chk.check(any("rolled_back" in ln for ln in logged), "d: the log lines reach the terminal", logged[-5:])
chk.check("\x1b[33m" in err, "d: warnings are coloured on a terminal", repr(err[:800]))
chk.check("\x1b" not in out and len(out.splitlines()) == 3, "d: stdout (a pipe) has the plain summary", out)

env["NO_COLOR"] = "1"
rc, out, err = run_pty("d. NO_COLOR", env)
chk.eq(rc, 1, "d NO_COLOR: exit 1", err[-2000:])
chk.check(PROGRESS.search(err), "d NO_COLOR: the progress line is still drawn", repr(err[:500]))
chk.check("\x1b" not in err.replace("\x1b[K", ""), "d NO_COLOR: no escape but the line clearing",
          repr(err[:800]))



# e. --log-format json when the run cannot start: still one JSON object per stderr line
def all_json(text):
    try:
        return bool(text.strip()) and all(isinstance(json.loads(ln), dict) for ln in text.splitlines())
    except ValueError:
        return False


bad_rows = [dict(r) for r in u.rows]
bad_rows[2]["account_id"] = "12345"
bad_csv = u.write_csv(bad_rows, os.path.join(u.root, "bad.csv"))
p = subprocess.run(eng.argv("apply", bad_csv, "--log-format", "json"), env=eng.env, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True, timeout=60)
chk.eq(p.returncode, 65, "e: a bad spreadsheet exits 65", p.stderr[-1000:])
chk.check(all_json(p.stderr) and "bad.csv:4" in p.stderr, "e: its errors are JSON lines naming file:line",
          p.stderr[-1000:])
with open(os.path.join(eng.state_dir, "lock"), "a+") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    p = subprocess.run(eng.argv("apply", None, "--log-format", "json"), env=eng.env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
chk.eq(p.returncode, 75, "e: a held lock exits 75", p.stderr[-1000:])
chk.check(all_json(p.stderr), "e: the lock message is a JSON line", p.stderr[-1000:])

eng.stop(chk)
chk.finish()
