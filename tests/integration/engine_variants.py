#!/usr/bin/env python3
"""engine_variants NAME=VALUE | random=SEED: c1onboard against one plausible
server (c1sim --variant, `c1sim variants` lists them: each UNCONFIRMED answer
of the api-reference). Whatever the server answers, no account may read
succeeded unless c1sim's own state shows it onboarded, with its tenant linked
to Vision One; an account that is not ok says why.

6 accounts over 3 tenants (one row a new trail). The first apply meets
faults that make the variants matter: one account's connector create is
refused for good (400, so its error body is read), its neighbour's connector
and cloud-account creates are carried out but their replies lost (the retry
meets the duplicate-create answer), Cloud One is rate limited (429s with the
Retry-After variant) and a cloud-account registration fails twice (500).
Then a second apply without faults (everything settles, nothing is created
twice) and an offboard (nothing is left, whatever a DELETE answers).

Variants under which Vision One's list cannot show this Cloud One account's
link (v1_list=minimal, without_scc) must end every account not ok, naming
Vision One: the link cannot be confirmed, so nothing may read succeeded."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

SPEC = sys.argv[1] if len(sys.argv) > 1 else ""
if "=" not in SPEC:
    el.log("FAIL: usage: engine_variants.py NAME=VALUE | random=SEED")
    sys.exit(1)
NAME, VALUE = SPEC.split("=", 1)
# Vision One cannot show the link: nothing can be confirmed
UNCONFIRMABLE = {("v1_list", "minimal"), ("v1_list", "without_scc")}

chk = el.Checks("engine_variants_" + SPEC.replace("=", "_"))
u = el.Universe(6, tenants=3, seed=77, prefix="c1eng-var-")
u.make_new_trail(u.rows[4])
u.write_csv()
REFUSED, LOST, FLAKY = u.rows[0], u.rows[1], u.rows[2]
SERVER_MESSAGE = "crossAccountRoleArn cannot be assumed (c1sim variant test)"
eng = el.Engine(u, time_scale="0.002", extra_args=["--variant", SPEC])
eng.faults({"rules": [
    {"service": "cloudone", "route": "POST /api/awsconnectors", "account_id": REFUSED["account_id"],
     "effect": "error", "status": 400, "times": 0, "message": SERVER_MESSAGE},
    {"service": "cloudone", "route": "POST /api/awsconnectors", "account_id": LOST["account_id"],
     "effect": "lost_reply", "status": 502, "times": 1},
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": LOST["account_id"],
     "effect": "lost_reply", "status": 502, "times": 1},
    {"service": "cloudone", "route": "POST /api/cloudaccounts/aws", "account_id": FLAKY["account_id"],
     "effect": "error", "status": 500, "times": 2}],
    "rate_limits": {"cloudone": {"per_second": 20, "burst": 4}}})
variants = eng.state().get("variants", {})
if NAME != "random":
    chk.eq(variants.get(NAME), VALUE, "c1sim answers as variant %s" % SPEC, variants)
el.log("  variants in force: %s" % variants)
unconfirmable = any((k, v) in UNCONFIRMABLE for k, v in variants.items())


def linked(state, row):
    t = u.tenant_of(row)
    return [l for l in state.get("visionone_links", []) if l.get("c1_account_id") == t.c1_account]


def check_truth(run, what):
    """Every account's report status against c1sim's state, never the report alone."""
    state = eng.state()
    for row in u.rows:
        a = run.account(row["account_id"]) or {}
        status = a.get("status")
        mine = el.of_account(state, row["account_id"])
        if status in ("succeeded", "unchanged", "repaired"):
            el.check_onboarded(chk, state, u, row, "%s (%s)" % (what, status), deep=False)
            chk.check(linked(state, row), "%s: %s reads %s, and its tenant is linked to Vision One in c1sim"
                      % (what, row["account_id"], status), state.get("visionone_links"))
            chk.eq((len(mine["connectors"]), len(mine["cloud_accounts"])), (1, 1),
                   "%s: %s has one connector and one cloud account (no duplicate)" % (what, row["account_id"]),
                   (mine["connectors"], mine["cloud_accounts"]))
        else:
            chk.check(a.get("reason"), "%s: %s is %s and says why" % (what, row["account_id"], status), a)
    return state


# ---- first apply: the faults meet the variant ----
first = eng.run("apply", "-j", "6", timeout=150)
el.check_sanitizers(chk, first, "first apply")
el.check_schema(chk, first, "first apply")
s1 = check_truth(first, "first apply")
throttled = sum(x.get("throttled", 0) for x in s1.get("requests", []) if x.get("service") == "cloudone")
chk.check(throttled > 0 or unconfirmable, "first apply met Cloud One 429s (Retry-After %s)" % variants.get("retry_after"), throttled)
if unconfirmable:
    ok = [a["account_id"] for a in first.report["accounts"] if a["status"] in ("succeeded", "unchanged")]
    chk.eq(ok, [], "first apply: no account reads succeeded while Vision One cannot confirm the link")
    chk.check(all("Vision One" in (a.get("reason") or "") for a in first.report["accounts"]),
              "first apply: every account's reason names Vision One",
              [a.get("reason") for a in first.report["accounts"]][:3])
    chk.eq(first.rc, 1, "first apply: exit 1", first)
else:
    refused = first.account(REFUSED["account_id"]) or {}
    chk.eq(refused.get("status"), "rolled_back", "first apply: the refused account rolled back", refused)
    chk.check(SERVER_MESSAGE in (refused.get("reason") or ""),
              "first apply: its reason quotes the server's message (error body %s)" % variants.get("error_body"),
              refused.get("reason"))
    others = [r["account_id"] for r in u.rows if r is not REFUSED]
    chk.eq(sorted(a for a in others if (first.account(a) or {}).get("status") != "succeeded"), [],
           "first apply: every other account succeeded (lost replies, 500s and 429s ridden out)",
           {a: ((first.account(a) or {}).get("status"), (first.account(a) or {}).get("reason")) for a in others})

# ---- second apply, no faults: settles; nothing created twice ----
eng.faults({"rules": []})
second = eng.run("apply", "-j", "6", timeout=150)
el.check_sanitizers(chk, second, "second apply")
state = check_truth(second, "second apply")
if not unconfirmable:
    chk.eq(second.rc, 0, "second apply: exit 0", second)
    chk.eq(sorted(a["account_id"] for a in second.report["accounts"]
                  if a["status"] not in ("succeeded", "unchanged")), [],
           "second apply: every account onboarded or in sync", second.statuses())

# ---- offboard: nothing left, whatever a DELETE answers ----
off = eng.run("offboard", "-j", "6", timeout=150)
el.check_sanitizers(chk, off, "offboard")
chk.eq(off.rc, 0, "offboard: exit 0", off)
state = eng.state()
for row in u.rows:
    el.check_nothing_left(chk, state, row["account_id"], "offboard")
eng.stop(chk)
chk.finish()
