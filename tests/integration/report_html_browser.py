#!/usr/bin/env python3
"""report_html_browser: report.html as a reviewer's browser sees it (issue 9).

60 accounts over 12 tenants. Three have their Workload Security connector
refused (400, with the service's own message), so they roll back; one of them
is named like an XSS attack. A fourth's CloudTrail stack fails (its events
show), a fifth gets through after 6 retries (they show).
After the first apply, drift is injected behind c1onboard's back (a deleted
connector, a cloud account's role changed, a stack parameter changed to a
value that is markup), then `drift` and a second `apply` run (the refusal
still in force). For the page of each run, headless Chromium (Debian's
`chromium`) loads REPORTS_DIR/<run>/report.html#selftest: the page's own
script filters by every status, sorts by account id both ways and searches
for one account, and writes what it saw into a hidden element that
--dump-dom shows. Checked:
  - rows per status equal report.json's summary, in the file and in the DOM;
  - filtering by a status shows exactly that status's rows;
  - sorting by account id orders the rows (ascending, then descending, and
    the DOM is left in that order);
  - the search box finds one account;
  - the hostile name is text: no script ran, no element came from it, and
    the only script is the page's own;
  - no JavaScript error and no console message (a CSP refusal would be one);
  - the file references nothing outside itself.
Screenshots of the last page (its top, and the link
#status=rolled_back&open: the rolled-back accounts with their details open)
go to the work dir and to /work/report-html-screenshot{,-details}.png when
/work exists. 77 (skip) only when
chromium is not installed."""

import html
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    el.skip("chromium is not installed (scripts/deps.sh installs it)")

HOSTILE = "<script>window.c1pwned=1</script><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
MARKUP_VALUE = "<b id=\"c1pwned-drift\">x</b>'&"
STATUSES = ["succeeded", "unchanged", "repaired", "drifted", "rolled_back", "failed", "invalid", "interrupted",
            "not_started"]
SCREENSHOT_COPY = "/work/report-html-screenshot.png"
SCREENSHOT_DETAILS_COPY = "/work/report-html-screenshot-details.png"

chk = el.Checks("report_html_browser")
u = el.Universe(60, tenants=12, seed=47, prefix="c1eng-html-")
if "name" not in u.fields:
    u.fields.insert(1, "name")
    for r in u.rows:
        r.setdefault("name", "")
BAD = [u.rows[3], u.rows[22], u.rows[41]]
STACK_BAD = u.rows[50]  # its CloudTrail stack fails: the page shows the stack's events
SLOW = u.rows[30]       # its cloud account registration fails 6 times first: the page shows the retries
SERVER_MESSAGE = "roleArn: the role cannot be assumed by Workload Security"
BAD[0]["name"] = HOSTILE
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
profile = os.path.join(u.root, "chromium-profile")


def chromium(*args):
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--user-data-dir=" + profile,
            "--enable-logging=stderr", "--v=0"] + list(args)
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
                          env=dict(os.environ, HOME=u.root))


def console_lines(stderr):
    """Messages the page logged or errors it raised (Chromium logs them as CONSOLE)."""
    return [l for l in stderr.splitlines() if ":CONSOLE" in l or "Uncaught" in l]


def check_page(run, what, screenshot=None):
    report = run.report
    if not chk.check(report is not None, "%s: report.json exists" % what, run):
        return
    run_dir = os.path.join(eng.reports_dir, report["run"]["id"])
    path = os.path.join(run_dir, "report.html")
    if not chk.check(os.path.isfile(path), "%s: report.html is beside report.json" % what, os.listdir(run_dir)):
        return
    with open(path, encoding="utf-8") as f:
        text = f.read()
    summary = report["summary"]
    want = {s: summary[s] for s in STATUSES if summary.get(s)}
    ids = [a["account_id"] for a in report["accounts"]]

    # ---- the file as written ----
    in_file = {}
    for s in re.findall(r'<tbody class="acct" data-status="([a-z_]+)"', text):
        in_file[s] = in_file.get(s, 0) + 1
    chk.eq(in_file, want, "%s: the file has one account per row of report.json's summary" % what)
    chk.eq(len(re.findall(r"<script\b", text)), 1, "%s: the page's own script is the only one" % what)
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""",
                          text, re.I)
    chk.eq(external, [], "%s: nothing outside the file is referenced" % what)
    chk.check(HOSTILE not in text and html.escape(HOSTILE, quote=True).replace("&#x27;", "&#39;") in text,
              "%s: the hostile name is in the file only escaped" % what)

    # ---- the page in the browser ----
    p = chromium("--dump-dom", "file://" + path + "#selftest")
    chk.eq(p.returncode, 0, "%s: chromium --dump-dom exits 0" % what, p.stderr[-1500:])
    m = re.search(r'<pre id="selftest"[^>]*>(.*?)</pre>', p.stdout, re.S)
    if not chk.check(m and m.group(1).strip(), "%s: the page's self-test ran (its script was allowed)" % what,
                     (p.stdout[-800:], p.stderr[-1500:])):
        return
    res = json.loads(html.unescape(m.group(1)))
    chk.eq(res.get("errors"), [], "%s: no JavaScript error" % what)
    chk.eq(console_lines(p.stderr), [], "%s: nothing on the console (no CSP refusal, no exception)" % what)
    chk.eq(res.get("total"), summary["total"], "%s: rows in the DOM = summary.total" % what)
    chk.eq(res.get("by_status"), want, "%s: rows per status in the DOM = report.json's summary" % what)
    for s in STATUSES:
        got = res.get("filter", {}).get(s, {})
        chk.eq((got.get("shown"), got.get("other")), (summary.get(s, 0), 0),
               "%s: the %s filter shows exactly the %s rows" % (what, s, s))
    chk.eq(res.get("sort", {}).get("ascending"), sorted(ids), "%s: sorting by account id ascends" % what)
    chk.eq(res.get("sort", {}).get("descending"), sorted(ids, reverse=True),
           "%s: a second click on the header descends" % what)
    dom_order = [html.unescape(x) for x in re.findall(
        r'<tbody class="acct"[^>]*><tr class="main"><td class="num">\d+</td><td class="mono">([^<]*)</td>', p.stdout)]
    chk.eq(dom_order, sorted(ids, reverse=True), "%s: the rows were really moved in the DOM" % what)
    search = res.get("search", {})
    chk.eq(search.get("ids"), [search.get("query")], "%s: searching an account id finds that account" % what)
    names = res.get("names", [])
    chk.check(HOSTILE in names, "%s: the hostile name shows as text, as written" % what, names[:5])
    chk.eq((res.get("scripts"), res.get("images"), res.get("pwned")), (1, 0, False),
           "%s: the hostile name made no script, no image and ran nothing" % what)
    chk.check('<b id="c1pwned-drift">' not in p.stdout, "%s: markup in a drift value made no element" % what)

    if screenshot:
        shot = chromium("--screenshot=" + screenshot, "--window-size=1400,1000", "--hide-scrollbars",
                        "file://" + path)
        ok = chk.check(shot.returncode == 0 and os.path.isfile(screenshot) and os.path.getsize(screenshot) > 10000,
                       "%s: chromium took a screenshot" % what, shot.stderr[-1500:])
        chk.eq(console_lines(shot.stderr), [], "%s: nothing on the console while rendering" % what)
        keep(ok, screenshot, SCREENSHOT_COPY)
        # a link to a filtered view: the rolled-back accounts, their details open
        details = screenshot.replace(".png", "_details.png")
        # tall enough that the page need not scroll to the table (headless draws a scrolled page blank)
        shot = chromium("--screenshot=" + details, "--window-size=1400,2400", "--hide-scrollbars",
                        "file://" + path + "#status=rolled_back&open")
        ok = chk.check(shot.returncode == 0 and os.path.isfile(details) and os.path.getsize(details) > 10000,
                       "%s: chromium took a screenshot of the rolled-back accounts' details" % what,
                       shot.stderr[-1500:])
        chk.eq(console_lines(shot.stderr), [], "%s: nothing on the console in the filtered view" % what)
        keep(ok, details, SCREENSHOT_DETAILS_COPY)
    return text


def keep(ok, path, copy):
    """Leave the screenshot in the work dir and copy it where the lead looks (when /work exists)."""
    if not ok or not os.path.isdir(os.path.dirname(copy)):
        return
    try:
        shutil.copyfile(path, copy)
        el.log("  screenshot: %s (and %s)" % (path, copy))
    except OSError as e:
        el.log("  screenshot: %s (copy to %s failed: %s)" % (path, copy, e))


def inject(kind, row, **extra):
    doc = dict({"kind": kind, "account_id": row["account_id"]}, **extra)
    status, _, body = eng.sim.post("/_sim/drift", doc)
    chk.eq(status, 200, "POST /_sim/drift %s" % kind, body[:300])


# ---- apply: four roll back, one of them named like an attack; one gets through after retries ----
eng.faults({"rules": [{"service": "cloudone", "route": "POST /api/awsconnectors", "account_id": r["account_id"],
                       "effect": "error", "status": 400, "times": 0, "message": SERVER_MESSAGE} for r in BAD] + [
    {"service": "cloudformation", "route": "CreateStack", "stack": "*-CTrl", "account_id": STACK_BAD["account_id"],
     "effect": "stack_fail"},
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": SLOW["account_id"],
     "effect": "error", "status": 503, "times": 6}]})
first = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, first, "first apply")
want = {r["account_id"]: "succeeded" for r in u.rows}
want.update({r["account_id"]: "rolled_back" for r in BAD + [STACK_BAD]})
el.check_report(chk, first, want, "first apply", rc=1)
text = check_page(first, "first apply")
if text is not None:
    # what a reviewer needs to act, without the logs
    chk.eq(text.count('<p class="hint"><b>What to do:</b>'), 4, "first apply: each rolled-back account says what to do")
    chk.eq(text.count('<p class="clean">Nothing was left behind.</p>'), 4,
           "first apply: each rollback says that nothing was left behind")
    chk.eq(text.count(html.escape(SERVER_MESSAGE)), 3 * 2, "first apply: the service's own message is shown (reason "
           "and step error of each refused account)")
    chk.check('<table class="sub events">' in text and "CREATE_FAILED" in text,
              "first apply: the failed stack's events are a table")
    chk.check('<details class="retries"><summary>6 retries</summary>' in text,
              "first apply: the account that got through shows its 6 retries")

# ---- drift behind c1onboard's back, then drift and apply ----
good = [r for r in u.rows if r not in BAD and r is not STACK_BAD]
CONN_GONE, CA_ROLE, PARAM = good[5], good[20], good[40]
inject("connector_deleted", CONN_GONE)
inject("cloud_account_role_changed", CA_ROLE, value="arn:aws:iam::%s:role/SomeoneElsesRole" % CA_ROLE["account_id"])
inject("stack_parameter_changed", PARAM, stack=(PARAM.get("stack_name") or "CloudOne") + "-WS",
       parameter="ExternalId", value=MARKUP_VALUE)
drift = eng.run("drift", "-j", "8")
el.check_sanitizers(chk, drift, "drift")
chk.eq(sorted(a for a, s in drift.statuses().items() if s == "drifted" and a not in [r["account_id"] for r in BAD + [STACK_BAD]]),
       sorted(r["account_id"] for r in (CONN_GONE, CA_ROLE, PARAM)), "drift: the three injected accounts drifted")
text = check_page(drift, "drift")
if text is not None:
    chk.check(html.escape(MARKUP_VALUE, quote=True).replace("&#x27;", "&#39;") in text and MARKUP_VALUE not in text,
              "drift: the changed parameter value is shown escaped", [l for l in text.splitlines()
                                                                        if "c1pwned" in l][:2])

second = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, second, "second apply")
got = second.statuses()
chk.eq({s for s in got.values()}, {"unchanged", "repaired", "drifted", "rolled_back"},
       "second apply: unchanged, repaired, drifted and rolled-back accounts", got)
text = check_page(second, "second apply", screenshot=os.path.join(os.getcwd(), "report_html_browser.png"))
if text is not None:
    chk.check("<h4>Repaired</h4>" in text, "second apply: a repaired account shows what was repaired")
    chk.check("by hand" in text, "second apply: the drift apply cannot repair says what to do by hand")
eng.stop(chk)
chk.finish()
