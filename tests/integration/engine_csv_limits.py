#!/usr/bin/env python3
"""engine_csv_limits: the spreadsheet at and past its limits (issue 10, item 8).

`c1onboard validate` (offline; the profiles and secret references of a c1sim
universe) on:
- a 1,000,000-row spreadsheet: exit 0, every row counted, in bounded time;
  peak RSS (the child's own, from wait4) is measured at 100,000 and at
  1,000,000 rows, and the growth per row must stay under PER_ROW_MAX bytes:
  the file is streamed in 64 KiB pieces and the rows in batches of 4,096
  that are freed once checked, so memory grows only by the cross-row index
  (a key per row), never with the rows, a cell or the file;
- a cell longer than 64 KiB (an unclosed quote swallowing the rest of the
  file): exit 65 and file:line:column, the limit and how to fix it;
- a header wider than 256 columns: exit 65 with file:line and how to fix it.
Nothing is changed anywhere (validate is offline)."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

# Bytes of peak RSS per extra row. validate reads the rows in batches and lets
# each go once checked; what grows is the index of the cross-row rules, one
# short key per row (about 65 bytes in a Release build: 1,000,000 rows in
# 73 MiB, 100,000 in 19 MiB; before batches, 575 MiB). Under ASan the freed
# batches sit in its quarantine, which is kept small here so that RSS shows
# the live heap.
PER_ROW_MAX = 256
ROWS = 1000000

chk = el.Checks("engine_csv_limits")
u = el.Universe(1, tenants=1, seed=777, prefix="c1eng-csvlim-")
row = u.rows[0]
env = el.simtest.clean_env(os.path.join(u.root, "home"))
os.makedirs(env["HOME"], exist_ok=True)
env.update({k: v for k, v in u.secrets.items()})
env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4").lstrip(":")
env["AWS_CONFIG_FILE"] = os.path.join(u.dir, "aws", "config")
env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(u.dir, "aws", "credentials")
HEADER = "account_id,name,profile,region,bucket,cloudone_api_key,visionone_token,tags,x_notes\n"


def write_rows(path, n):
    line = ",Customer %%d,%s,%s,%s,%s,%s,team=t%%d,\"ticket %%d, reviewed\"\n" % (
        row["profile"], row["region"], row["bucket"], row["cloudone_api_key"], row["visionone_token"])
    with open(path, "w") as f:
        f.write(HEADER)
        step = 100000
        for start in range(0, n, step):
            f.writelines(("%012d" % (100000000 + i)) + line % (i, i % 7, i) for i in range(start, min(n, start + step)))


def validate(path):
    """(rc, stdout, stderr, peak RSS in bytes, seconds) of `c1onboard validate path`."""
    out = open(path + ".out", "w+")
    err = open(path + ".err", "w+")
    t0 = time.time()
    p = subprocess.Popen([el.c1onboard_path(), "validate", path], env=env, stdout=out, stderr=err)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.time() - t0
    out.seek(0)
    err.seek(0)
    res = (p.returncode, out.read(), err.read(), usage.ru_maxrss * 1024, elapsed)
    out.close()
    err.close()
    return res


small = os.path.join(u.root, "rows-100k.csv")
big = os.path.join(u.root, "rows-1m.csv")
write_rows(small, 100000)
write_rows(big, ROWS)
rc_s, out_s, err_s, rss_s, t_s = validate(small)
chk.eq(rc_s, 0, "validate 100,000 rows: exit code", err_s[-1500:])
rc, out, err, rss, t = validate(big)
el.log("  validate: 100,000 rows %.1f s, peak RSS %.0f MiB; 1,000,000 rows (%.0f MiB file) %.1f s, peak RSS %.0f MiB"
       % (t_s, rss_s / 2**20, os.path.getsize(big) / 2**20, t, rss / 2**20))
chk.eq(rc, 0, "validate 1,000,000 rows: exit code", err[-1500:])
chk.check("%d accounts valid" % ROWS in out, "validate 1,000,000 rows: says every row is valid", out[-500:])
chk.check("Sanitizer" not in err and "runtime error:" not in err, "validate 1,000,000 rows: no sanitizer report",
          err[-2000:])
per_row = (rss - rss_s) / (ROWS - 100000)
chk.check(per_row < PER_ROW_MAX, "validate: peak memory grows by less than %d bytes per row (got %.0f)"
          % (PER_ROW_MAX, per_row), {"rss_100k": rss_s, "rss_1m": rss})
chk.check(t < 150, "validate 1,000,000 rows within 150 s (got %.1f s)" % t)

# An unclosed quote: the cell runs past the limit.
bad = os.path.join(u.root, "overlong.csv")
write_rows(bad, 2)
with open(bad, "a") as f:
    f.write("777788889999,\"Customer never closed" + "x" * (70 * 1024) + "\n")
    f.write("111122223333,after,%s,,,,,,\n" % row["profile"])
rc, out, err, _, _ = validate(bad)
chk.eq(rc, 65, "validate, a 70 KiB cell: exit code", err[-1500:])
chk.check("overlong.csv:4:2:" in err and "longer than 65536 bytes" in err and "quote" in err,
          "validate, a 70 KiB cell: file:line:column, the limit and how to fix it", err[-1500:])
chk.check(len(err) < 4096, "validate, a 70 KiB cell: the error does not echo the cell", len(err))

wide = os.path.join(u.root, "wide.csv")
with open(wide, "w") as f:
    f.write(HEADER.strip() + "," + ",".join("x_c%d" % i for i in range(300)) + "\n")
rc, out, err, _, _ = validate(wide)
chk.eq(rc, 65, "validate, a 309-column header: exit code", err[-1500:])
chk.check("wide.csv:1:" in err and "more than the 256" in err and "delete unused columns" in err,
          "validate, a 309-column header: file:line, the limit and how to fix it", err[-1500:])

chk.finish()
