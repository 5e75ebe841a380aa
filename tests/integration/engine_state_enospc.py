#!/usr/bin/env python3
"""engine_state_enospc: the state store's disk is really full (issue 10, item 8).

engine_state_full caps the database (SQLite's max_page_count); here the
state dir is a small tmpfs filled to the last byte (needs root; SKIP
otherwise), so SQLite meets ENOSPC itself:
- a first `apply` of 3 accounts onboards them;
- with the disk full, `apply` of all 6 accounts stops before any change:
  exit 78 with an error that names the store, says the disk is full and how
  to go on; c1sim saw no write; no sanitizer report;
- state.db still holds the first run's outcomes;
- with room again, `apply` onboards the 3 new accounts and finds the first 3
  unchanged, each exactly once."""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_state_enospc")
u = el.Universe(6, tenants=2, seed=99, prefix="c1eng-senospc-")
first3 = u.rows[:3]
u.write_csv(first3)
state_dir = os.path.join(u.root, "state-tmpfs")
el.mount_tmpfs(state_dir, "size=4m", "the state dir")
eng = el.Engine(u, time_scale="0.005")
eng.state_dir = state_dir


def outcomes():
    con = sqlite3.connect(os.path.join(state_dir, "state.db"))
    try:
        return con.execute("SELECT account_id, status FROM accounts").fetchall()
    finally:
        con.close()


run = eng.run("apply")
el.check_report(chk, run, {r["account_id"]: "succeeded" for r in first3}, "first apply", rc=0)
recorded = sorted(outcomes())

filler = os.path.join(state_dir, "filler")
fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
for size in (65536, 1):
    try:
        while True:
            os.write(fd, b"\0" * size)
    except OSError:
        pass
os.close(fd)
chk.eq(os.statvfs(state_dir).f_bavail, 0, "the state disk is full")

u.write_csv()
before = eng.state()
full = eng.run("apply")
el.check_sanitizers(chk, full, "apply on a full state disk")
chk.eq(full.rc, 78, "apply on a full state disk: exit code", full)
chk.check("state.db" in full.err and "no space left on the disk" in full.err and "make room" in full.err,
          "apply on a full state disk: the error names the store, the full disk and what to do", full.err[-1500:])
writes = el.writes_in(el.counter_delta(before, eng.state()))
chk.eq(writes, {}, "apply on a full state disk: c1sim saw no write")

os.unlink(filler)
chk.eq(sorted(outcomes()), recorded, "state.db still holds the first run's outcomes (read with room again)")
again = eng.run("apply")
want = {r["account_id"]: "unchanged" for r in first3}
want.update({r["account_id"]: "succeeded" for r in u.rows[3:]})
el.check_report(chk, again, want, "apply with room again", rc=0)
state = eng.state()
for row in u.rows:
    el.check_onboarded(chk, state, u, row, "apply with room again", deep=False)
el.check_no_orphans(chk, state, u.ids(), "apply with room again")

eng.stop(chk)
chk.finish()
