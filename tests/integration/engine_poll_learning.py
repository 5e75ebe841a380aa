#!/usr/bin/env python3
"""engine_poll_learning: a run learns how long each kind of stack operation
takes and polls later accounts' stacks first when the fastest earlier one was
done, instead of every poll_min_ms. CloudFormation's DescribeStacks shares
the per-account request limit with everything else, and at thousands of
accounts the polls were a third of all requests.

40 accounts over 4 tenants, -j 4, polls from 30 ms doubling to 60 ms against
stacks of 0.3 s and 0.9 s: without learning each stack costs about 6 to 15
polls; with it, the accounts after the first few cost 1 or 2 per stack. The
same holds for the deletes of an offboard. Counted in c1sim, not timed."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

N, J, STACKS = 40, 4, 3
chk = el.Checks("engine_poll_learning")
u = el.Universe(N, tenants=4, seed=77, prefix="c1eng-poll-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")
eng.env["C1ONBOARD_POLL_MIN_MS"] = "30"
eng.env["C1ONBOARD_POLL_MAX_MS"] = "60"
# The default CloudFormation ceiling (4/s per account) would space the polls
# 250 ms apart whatever the schedule; lift it so the schedule shows.
RATE = ("--rate", "cloudformation=100")


def describe_stacks(delta):
    return delta.get(("cloudformation", "DescribeStacks"), 0)


# Every account looks its stacks up once before acting (STACKS per account).
# The first J accounts start before any stack is complete and poll on the
# plain schedule (generously 40 polls for their 3 stacks); every later one
# polls each stack about once or twice: 3 allows for a loaded machine, whose
# late answers can make a learned wait fall short (alone a run stays near
# 375). Without learning the later accounts alone would cost at least 650.
LIMIT = N * STACKS + J * 40 + (N - J) * STACKS * 3

before = eng.state()
run = eng.run("apply", "-j", str(J), *RATE, timeout=300)
el.check_sanitizers(chk, run, "apply")
el.check_report(chk, run, {a: "succeeded" for a in u.ids()}, "apply", rc=0)
mid = eng.state()
polls = describe_stacks(el.counter_delta(before, mid))
el.log("  apply: %d DescribeStacks for %d accounts (limit %d)" % (polls, N, LIMIT))
chk.check(polls <= LIMIT, "apply polls stacks at their learned duration (%d DescribeStacks, limit %d)"
          % (polls, LIMIT))
for row in u.rows:
    el.check_onboarded(chk, mid, u, row, "after apply", deep=False)

run = eng.run("offboard", "-j", str(J), *RATE, timeout=300)
el.check_sanitizers(chk, run, "offboard")
after = eng.state()
polls = describe_stacks(el.counter_delta(mid, after))
el.log("  offboard: %d DescribeStacks for %d accounts (limit %d)" % (polls, N, LIMIT))
chk.eq(run.rc, 0, "offboard exits 0")
chk.check(polls <= LIMIT, "offboard polls deletes at their learned duration (%d DescribeStacks, limit %d)"
          % (polls, LIMIT))
for a in u.ids():
    el.check_nothing_left(chk, after, a, "after offboard")
eng.stop(chk)
chk.finish()
