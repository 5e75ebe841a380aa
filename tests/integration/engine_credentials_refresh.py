#!/usr/bin/env python3
"""engine_credentials_refresh: an account that lives longer than its role
session keeps working, because the engine fetches its credentials again before
they expire instead of holding the ones preflight got.

The account profiles assume their role for 900 s (the shortest session STS
grants) and C1ONBOARD_CREDENTIALS_MARGIN_MS is 899 s, so one second after each
AssumeRole the held credentials count as about to expire: every account must
re-assume its role while it onboards (c1sim counts the AssumeRole calls) and
still succeed. Holding the preflight credentials makes one AssumeRole per
account."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_credentials_refresh")
u = el.Universe(3, tenants=1, seed=61, prefix="c1eng-creds-")
u.write_csv()
config = os.path.join(u.dir, "aws", "config")
with open(config) as f:
    text = f.read()
text, n = re.subn(r"^(role_session_name = .*)$", r"\1\nduration_seconds = 900", text, flags=re.M)
chk.eq(n, len(u.rows), "every account profile got duration_seconds = 900")
with open(config, "w") as f:
    f.write(text)
u.extra_env["C1ONBOARD_CREDENTIALS_MARGIN_MS"] = str(899 * 1000)
eng = el.Engine(u, time_scale="0.01", seed="61")

run, state = el.apply_all(chk, eng, u, "apply with 900 s role sessions", "-j", "3")
assume = sum(c["count"] for c in state.get("requests", [])
             if c["service"] == "sts" and c["route"] == "AssumeRole")
el.log("  AssumeRole calls: %d for %d accounts in %.1f s" % (assume, len(u.rows), run.elapsed))
chk.check(assume >= 2 * len(u.rows), "accounts re-assumed their roles while they onboarded (AssumeRole calls)",
          assume)
eng.stop(chk)
chk.finish()
