#!/usr/bin/env python3
"""engine_tenants_60: the users' shape, 120 accounts over 60 tenants (`c1sim gen
120 DIR --tenants 60`), so 120 distinct secret references: far more than the
first growth of any table that holds them (the secret store used to move its
entries on growth while callers held them: heap-use-after-free in validate and
apply at more than 8 references).

1. validate: exit 0, "120 accounts valid, 60 Cloud One tenants".
2. The same spreadsheet with two tenants' variables unset (a Cloud One key and
   a Vision One token, both first used after the store has grown): validate
   and apply exit 78 (configuration error), name each broken reference once
   with file:line at its first row, never crash, and apply changes nothing.
3. apply -j 40: every account succeeded and is onboarded exactly once in
   c1sim, one Vision One link per tenant (60), no orphans, no sanitizer
   report; exit 0."""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

N, TENANTS = 120, 60

chk = el.Checks("engine_tenants_60")
u = el.Universe(N, tenants=TENANTS, seed=60, prefix="c1eng-tenants60-")
chk.eq(len(u.tenants), TENANTS, "c1sim gen wrote one key and token per tenant")
refs = {r["cloudone_api_key"] for r in u.rows} | {r["visionone_token"] for r in u.rows}
chk.eq(len(refs), 2 * TENANTS, "distinct secret references in the spreadsheet")
eng = el.Engine(u, time_scale="0.005")
eng.external_ids()


def validate():
    """`c1onboard validate` (offline: it takes none of the run options Engine.run adds)."""
    argv = [el.c1onboard_path(), "validate", u.csv_path]
    started = time.time()
    try:
        p = subprocess.run(argv, env=eng.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout after 60 s", e.stdout or "", e.stderr or ""
    run = el.Run(argv, rc, out, err, None, time.time() - started)
    el.log("  validate: rc %s in %.1f s" % (rc, run.elapsed))
    return run


def crashed(run):
    """A signal (negative rc) or a sanitizer report is a crash, whatever the exit code."""
    return (isinstance(run.rc, int) and run.rc < 0) or "Sanitizer" in run.err or "runtime error:" in run.err


# 1. validate, everything set
ok = validate()
chk.check(not crashed(ok), "validate: no crash, no sanitizer report", ok)
chk.eq(ok.rc, 0, "validate: exit code", ok)
chk.check(re.search(r"\b%d accounts valid, %d Cloud One tenants\b" % (N, TENANTS), ok.out),
          "validate names %d valid accounts and %d tenants" % (N, TENANTS), ok)

# 2. two tenants' variables unset: a key and a token, each first used well past row 8
first_line = {}  # reference -> line of the first row using it (the header is line 1)
for i, row in enumerate(u.rows):
    for col in ("cloudone_api_key", "visionone_token"):
        first_line.setdefault(row[col], i + 2)
by_first_use = sorted(u.tenants, key=lambda t: first_line["env:C1_API_KEY_" + t])
key_t, token_t = by_first_use[36], by_first_use[51]  # 72 and 102 references are in the store by then
broken = {"env:C1_API_KEY_" + key_t: ("cloudone_api_key", first_line["env:C1_API_KEY_" + key_t]),
          "env:V1_TOKEN_" + token_t: ("visionone_token", first_line["env:V1_TOKEN_" + token_t])}
rows_broken = sum(1 for r in u.rows if r["cloudone_api_key"] in broken or r["visionone_token"] in broken)
saved = {ref[4:]: eng.env.pop(ref[4:]) for ref in broken}
before = eng.state()
bad_validate = validate()
bad_apply = eng.run("apply", "-j", "40", timeout=60)
eng.env.update(saved)
after = eng.state()
for what, run in (("validate", bad_validate), ("apply", bad_apply)):
    chk.check(not crashed(run), "broken references, %s: no crash, no sanitizer report" % what, run)
    chk.eq(run.rc, 78, "broken references, %s: exit code (configuration error)" % what, run)
    for ref, (col, line) in sorted(broken.items()):
        where = "%s:%d:" % (u.csv_path, line)
        hits = [ln for ln in run.err.splitlines() if ref + " " in ln]
        chk.eq(len(hits), 1, "broken references, %s: %s reported once" % (what, ref), run.err[-3000:])
        chk.check(hits and hits[0].startswith(where) and (" %s: " % col) in hits[0] and "is not set" in hits[0],
                  "broken references, %s: %s named at %s (its first row), column %s" % (what, ref, where, col),
                  hits)
chk.check("%d of %d rows valid; 0 spreadsheet errors, 2 configuration errors" % (N - rows_broken, N)
          in bad_validate.err, "broken references, validate: summary line", bad_validate.err[-1500:])
writes = el.writes_in(el.counter_delta(before, after))
chk.check(not writes, "broken references, apply: nothing changed in c1sim", writes)

# 3. apply, everything set
run, state = el.apply_all(chk, eng, u, "apply -j 40", "-j", "40", timeout=110)
el.check_no_orphans(chk, state, u.ids(), "after apply")
links = state.get("visionone_links", [])
chk.eq(len(links), TENANTS, "Vision One links", el.brief(links, "c1_account_id")[:5])
chk.eq(sorted(l.get("c1_account_id") for l in links), sorted(t.c1_account for t in u.tenants.values()),
       "one Vision One link per tenant", links[:5])
if run.report:
    tenants = run.report.get("tenants", [])
    chk.eq(sorted(t.get("c1_account_id") for t in tenants), sorted(t.c1_account for t in u.tenants.values()),
           "report.json lists the %d tenants" % TENANTS)
el.log("  requests: %d in total" % sum(c["count"] for c in state.get("requests", [])))
eng.stop(chk)
chk.finish()
