#!/usr/bin/env python3
"""engine_template: `--strategy template` against c1sim (SPEC 4, last paragraph).

Five accounts over three tenants (one of them with a new trail):
1. apply for the accounts of two tenants: all `succeeded`; c1sim holds exactly
   one live stack per account, named <stack_name>, from the all-in-one
   template, with the right echoed parameters, the NoEcho secrets masked, the
   capabilities' effects (the template ran) and the tags; and the Cloud One
   resources the template's Lambda made (connector, cloud account, active
   CloudTrail integration, created_by "template"), nothing of the direct
   strategy's stacks.
2. apply again: all `unchanged`, no write call at all.
3. apply for the third tenant with a forged API key: its accounts end
   `rolled_back`, the template step's error in report.json quotes the failed
   stack event ("Invalid API Key"), and nothing of them is left in c1sim (the
   ROLLBACK_COMPLETE stack is deleted).
4. offboard of the first tenants' accounts: their stacks and the template's
   Cloud One resources are gone.
Throughout: no secret (API keys, Vision One tokens, AWS secret keys, the
forged key) in any report file, the state store or c1onboard's output."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

chk = el.Checks("engine_template")
u = el.Universe(5, tenants=3, seed=33, prefix="c1eng-tmpl-")
u.make_new_trail(u.rows[0])
u.write_csv()
eng = el.Engine(u, time_scale="0.005")

by_tenant = {}
for row in u.rows:
    by_tenant.setdefault(u.tenant_of(row).name, []).append(row)
names = sorted(by_tenant)
if len(names) < 3:
    el.log("FAIL: the universe has tenants %s, want 3" % names)
    sys.exit(1)
forged_t = names[-1]
good_rows = [r for n in names[:-1] for r in by_tenant[n]]
bad_rows = by_tenant[forged_t]
good_ids, bad_ids = u.ids(good_rows), u.ids(bad_rows)


def stack_name(row):
    return row.get("stack_name") or "CloudOne"


def check_template_onboarded(state, row, what):
    acct, region = row["account_id"], row["region"]
    mine = el.of_account(state, acct)
    live = mine["live_stacks"]
    if not chk.eq(sorted(s["name"] for s in live), [stack_name(row)], "%s: live stacks of %s" % (what, acct),
                  el.brief(live, "name", "status", "status_reason")):
        return
    st = live[0]
    chk.check(st["status"] in el.LIVE and st["region"] == region,
              "%s: stack of %s is complete in %s" % (what, acct, region), el.brief(live, "status", "region"))
    p = st.get("parameters") or {}
    new_trail = row.get("create_new_trail", "").lower() == "true"
    chk.eq(p.get("CloudOneApiKey"), "****", "%s: CloudOneApiKey of %s is NoEcho (masked)" % (what, acct))
    chk.eq(p.get("VisionOneServiceToken"), "****", "%s: VisionOneServiceToken of %s is masked" % (what, acct))
    chk.eq(p.get("CreateNewTrail"), "true" if new_trail else "false", "%s: CreateNewTrail of %s" % (what, acct))
    chk.eq(p.get("ExistingCloudtrailBucketName"), "" if new_trail else row["bucket"],
           "%s: ExistingCloudtrailBucketName of %s" % (what, acct))
    chk.eq(p.get("QSS3BucketName"), "cloudone-community", "%s: QSS3BucketName of %s" % (what, acct))
    chk.eq(p.get("QSS3KeyPrefix"), "", "%s: QSS3KeyPrefix of %s" % (what, acct))
    tags = st.get("tags") or {}
    chk.eq(tags.get("c1onboard:account"), acct, "%s: tag c1onboard:account of %s" % (what, acct))
    chk.check(bool(tags.get("c1onboard:run")), "%s: stack of %s tagged c1onboard:run" % (what, acct), tags)
    for kv in filter(None, (row.get("tags") or "").split(";")):
        k, v = kv.split("=", 1)
        chk.eq(tags.get(k), v, "%s: spreadsheet tag %s on the stack of %s" % (what, k, acct))
    for kind in ("connectors", "cloud_accounts"):
        items = mine[kind]
        chk.eq(len(items), 1, "%s: %s of %s" % (what, kind, acct), items)
        chk.check(all(i.get("created_by") == "template" for i in items),
                  "%s: the %s of %s were made by the template" % (what, kind, acct), items)
        chk.check(all(i.get("c1_account_id") == u.tenant_of(row).c1_account for i in items),
                  "%s: the %s of %s belong to the row's Cloud One account" % (what, kind, acct), items)
    active = [i for i in mine["integrations"] if i.get("status") == "active" and i.get("region") == region]
    chk.eq(len(active), 1, "%s: active CloudTrail integrations of %s" % (what, acct), mine["integrations"])


def check_report_steps(run, ids, status, what):
    for acct in ids:
        a = run.account(acct) or {}
        steps = {s.get("name"): s for s in a.get("steps", [])}
        chk.eq((steps.get("template") or {}).get("status"), status, "%s: template step of %s" % (what, acct),
               a.get("steps"))
        chk.check("ws_role" not in steps and "cloudtrail_stack" not in steps,
                  "%s: no direct-strategy step in the report of %s" % (what, acct), list(steps))


secrets = u.secret_values()
t3 = u.tenants[forged_t]
key_id, key_secret = t3.key.split(":", 1)
forged = key_id + ":" + ("x" * len(key_secret))
secrets.add(forged)
secrets.add("x" * len(key_secret))


def check_no_secret(what):
    leaks = []
    for root in (eng.reports_dir, eng.state_dir, u.root):
        for dirpath, _dirs, files in os.walk(root):
            if dirpath.startswith(u.dir):
                continue  # the universe itself (secrets.env, aws/credentials) holds them by design
            for f in files:
                path = os.path.join(dirpath, f)
                if os.path.islink(path):
                    continue
                try:
                    with open(path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue
                for s in secrets:
                    if s.encode() in data:
                        leaks.append((path, s[:4] + "..."))
    chk.check(not leaks, "%s: no secret in reports, state store or c1onboard's output" % what, leaks[:10])


only_good = ["--only", ",".join(good_ids), "--strategy", "template", "-j", "4"]


def rdir(label):
    # One reports dir per run: `latest` is not moved back to a run id that
    # sorts lower, and two runs started in the same second may sort either way.
    return os.path.join(u.root, "reports-" + label)


# 1. first apply
first = eng.run("apply", *only_good, reports_dir=rdir("first"))
el.check_sanitizers(chk, first, "first apply")
el.check_report(chk, first, {a: "succeeded" for a in good_ids}, "first apply", rc=0)
chk.eq((first.report or {}).get("run", {}).get("strategy"), "template", "first apply: run.strategy")
check_report_steps(first, good_ids, "done", "first apply")
for acct in good_ids:
    res = (first.account(acct) or {}).get("resources") or {}
    chk.check([s.get("name") for s in res.get("stacks", [])] == ["CloudOne"],
              "first apply: report resources list the stack of %s" % acct, res)
s1 = eng.state()
for row in good_rows:
    check_template_onboarded(s1, row, "first apply")
el.check_no_orphans(chk, s1, good_ids, "first apply")

# 2. second apply: unchanged, read-only
before = eng.state()
second = eng.run("apply", *only_good, reports_dir=rdir("second"))
el.check_sanitizers(chk, second, "second apply")
el.check_report(chk, second, {a: "unchanged" for a in good_ids}, "second apply", rc=0)
writes = el.writes_in(el.counter_delta(before, eng.state()))
chk.check(not writes, "second apply made no write call", writes)

# 3. forged API key for the third tenant
eng.env["C1_API_KEY_" + forged_t] = forged
bad = eng.run("apply", "--only", ",".join(bad_ids), "--strategy", "template", "-j", "4",
              reports_dir=rdir("forged"))
eng.env["C1_API_KEY_" + forged_t] = t3.key
el.check_sanitizers(chk, bad, "forged key")
el.check_report(chk, bad, {a: "rolled_back" for a in bad_ids}, "forged key", rc=1)
for acct in bad_ids:
    a = bad.account(acct) or {}
    steps = {s.get("name"): s for s in a.get("steps", [])}
    err = ((steps.get("template") or {}).get("error") or {})
    chk.check("Invalid API Key" in (err.get("message") or ""),
              "forged key: the template step of %s quotes the failed stack event" % acct, a.get("steps"))
    chk.check("ROLLBACK" in (err.get("code") or ""), "forged key: error code of %s is the stack status" % acct, err)
    chk.check(any(r.get("step") == "template" and r.get("status") == "undone" for r in a.get("rollback", [])),
              "forged key: the rolled-back stack of %s was deleted (rollback entry)" % acct, a.get("rollback"))
    chk.check("Invalid API Key" in (a.get("reason") or ""), "forged key: reason of %s" % acct, a.get("reason"))
s3 = eng.state()
for acct in bad_ids:
    el.check_nothing_left(chk, s3, acct, "forged key")
for row in good_rows:
    check_template_onboarded(s3, row, "after the forged-key run")

# 4. offboard the good accounts
off = eng.run("offboard", *only_good, reports_dir=rdir("offboard"))
el.check_sanitizers(chk, off, "offboard")
chk.eq(off.rc, 0, "offboard: exit code", off)
s4 = eng.state()
for acct in good_ids:
    el.check_nothing_left(chk, s4, acct, "offboard")

check_no_secret("after all runs")
eng.stop(chk)
chk.finish()
