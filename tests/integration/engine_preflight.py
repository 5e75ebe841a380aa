#!/usr/bin/env python3
"""engine_preflight: accounts that fail preflight end `invalid` with nothing
changed, while the others proceed.

Cases, one row each: the profile assumes a role in another account (STS
identity mismatch); the bucket is in another region; the bucket does not
exist; <base>-WS is already taken by a foreign stack (created first with the
AWS CLI); a forged Cloud One API key. First `apply --only` the five bad rows:
no write call at all reaches c1sim (apart from the tenant-level Vision One
link); then `apply` everything: the five are `invalid` with a reason, the
others `succeeded`, and c1sim holds nothing of the five (no stack ever created,
the foreign stack untouched, no connector or cloud account)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402
import simtest  # noqa: E402

simtest.need_tools("aws")
chk = el.Checks("engine_preflight")
u = el.Universe(8, tenants=2, seed=11, prefix="c1eng-preflight-")
wrong_acct, other_region, no_bucket, taken, bad_key = u.rows[:5]
good = u.rows[5:]
bad = u.rows[:5]

# The profile of `wrong_acct` assumes a role in an account that is not its own.
cfg_path = os.path.join(u.dir, "aws", "config")
with open(cfg_path) as f:
    cfg = f.read()
old = "arn:aws:iam::%s:role/" % wrong_acct["account_id"]
chk.check(old in cfg, "the generated config names the role of %s" % wrong_acct["account_id"])
with open(cfg_path, "w") as f:
    f.write(cfg.replace(old, "arn:aws:iam::555566667777:role/"))
region = other_region["region"]
elsewhere = "ap-south-1" if region != "ap-south-1" else "eu-west-1"
other_region["bucket"] = "c1sim-ct-%s-%s" % (other_region["account_id"], elsewhere)
no_bucket["bucket"] = "c1sim-no-such-bucket-%s" % no_bucket["account_id"]
t = u.tenant_of(bad_key)
u.extra_env["C1_API_KEY_FORGED"] = t.key.split(":", 1)[0] + ":" + el.SECRET_MARK + "0123456789abcdef" * 2
bad_key["cloudone_api_key"] = "env:C1_API_KEY_FORGED"
u.write_csv()
eng = el.Engine(u, time_scale="0.005")

# A stack nobody from c1onboard made, under the name c1onboard wants.
aws = simtest.AwsCli(dict(eng.env, AWS_PROFILE="acct-" + taken["account_id"], AWS_MAX_ATTEMPTS="1"), eng.sim)
foreign = (taken.get("stack_name") or "CloudOne") + "-WS"
body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
res = aws("cloudformation", "create-stack", "--stack-name", foreign, "--template-body", body,
          "--region", taken["region"], "--tags", "Key=owner,Value=someone-else")
chk.ok(res, "create the foreign stack %s in %s" % (foreign, taken["account_id"]))
el.simtest.poll(lambda: [s for s in eng.state()["stacks"] if s["name"] == foreign],
                lambda ss: ss and ss[0]["status"] == "CREATE_COMPLETE", 20)

before = eng.state()
phase_a = eng.run("apply", "--only", ",".join(u.ids(bad)), "-j", "5",
                  state_dir=os.path.join(u.root, "state-a"), reports_dir=os.path.join(u.root, "reports-a"))
el.check_sanitizers(chk, phase_a, "apply --only <bad rows>")
el.check_report(chk, phase_a, {a: "invalid" for a in u.ids(bad)}, "apply --only <bad rows>", rc=1)
after = eng.state()
writes = el.writes_in(el.counter_delta(before, after), ignore=el.TENANT_WRITES)
chk.check(not writes, "no write call for accounts that fail preflight", writes)

run = eng.run("apply", "-j", "8")
el.check_sanitizers(chk, run, "apply")
want = {a: "invalid" for a in u.ids(bad)}
want.update({a: "succeeded" for a in u.ids(good)})
el.check_report(chk, run, want, "apply", rc=1)
for row, why in ((wrong_acct, "account mismatch"), (other_region, "bucket region"), (no_bucket, "missing bucket"),
                 (taken, "stack name taken"), (bad_key, "bad API key")):
    a = run.account(row["account_id"]) or {}
    chk.check(a.get("reason"), "report gives the reason of %s (%s)" % (row["account_id"], why), a)
    el.log("  %s (%s): %s" % (row["account_id"], why, (a.get("reason") or "")[:200]))

state = eng.state()
for row in good:
    el.check_onboarded(chk, state, u, row, "good account", deep=False)
for row in bad:
    mine = el.of_account(state, row["account_id"])
    stacks = [s for s in mine["stacks"] if not (row is taken and s["name"] == foreign)]
    chk.check(not stacks, "no stack was ever created for invalid %s" % row["account_id"],
              el.brief(stacks, "name", "status"))
    chk.check(not mine["connectors"] and not mine["cloud_accounts"],
              "no connector or cloud account for invalid %s" % row["account_id"])
fs = [s for s in state["stacks"] if s["name"] == foreign and s["account_id"] == taken["account_id"]]
chk.check(len(fs) == 1 and fs[0]["status"] == "CREATE_COMPLETE" and not fs[0].get("updated")
          and "c1onboard:account" not in (fs[0].get("tags") or {}),
          "the foreign stack is untouched", fs)
eng.stop(chk)
chk.finish()
