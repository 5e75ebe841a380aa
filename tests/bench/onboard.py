#!/usr/bin/env python3
"""The onboarding benchmark (docs/benchmark.md): N accounts over T tenants against one c1sim with
a time scale, a per-request latency and rate limits; one JSON line per run on stdout.

Runs: `direct` (c1onboard apply, the default strategy); with --peers also `template`
(c1onboard apply --strategy template) and the AWS CLI script an MSP would write
(`awscli_wait`: xargs -P J over create-stack + `wait stack-create-complete`; `awscli_poll`: the
same with a describe-stacks loop at c1onboard's poll interval), all against the same c1sim,
reset between runs. The lower bound is computed from the configuration, not measured.
"""
import argparse
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

SCHEMA = "c1onboard.bench/v1"

# Requests one account needs at minimum on a fresh universe (docs/benchmark.md), by service.
# direct: STS AssumeRole + GetCallerIdentity; S3 HeadBucket; CloudFormation 3 preflight
# DescribeStacks + (CreateStack + one DescribeStacks) x 3 stacks; Cloud One connector search +
# create, cloud-account create, CloudTrail stack parameters.
MIN_DIRECT = {"sts": 2, "s3": 1, "cloudformation": 9, "cloudone": 4}
# per tenant: GET apikey, GET connectors (V1 link), POST connectors (link), GET awsconnectorsettings,
# the tenant's cloud-account index (one page of GET /api/cloudaccounts/aws on a fresh universe);
# Vision One enrollment token.
TENANT_DIRECT = {"cloudone": 5, "visionone": 1}
# template: STS 2, S3 1, DescribeStacks (preflight) + CreateStack + one DescribeStacks; tenant: GET apikey.
MIN_TEMPLATE = {"sts": 2, "s3": 1, "cloudformation": 3}
TENANT_TEMPLATE = {"cloudone": 1}
# The stacks on one direct account's critical path (create_new_trail=false), in order.
DIRECT_STACKS = ["ws_role", "c1_role", "cloudtrail_stack"]


def log(msg):
    print(f"onboard.sh: {msg}", file=sys.stderr, flush=True)


def ticks_of(pid):
    """utime + stime of a live process, in seconds (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_measured(cmd, env, cwd=None, stdout=None, timeout=None):
    """Run cmd to its end: (exit code, wall s, CPU s of it and every descendant it waited for,
    peak RSS MiB of the largest one). A fork keeps the children's rusage apart from ours."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        t0 = time.monotonic()
        try:
            # Its own process group, so a timeout stops xargs and every aws under it too.
            p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, start_new_session=True)
            try:
                rc = p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                rc = 124
        except OSError as e:
            print(f"onboard.sh: cannot run {cmd[0]}: {e}", file=sys.stderr)
            rc = 127
        wall = time.monotonic() - t0
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        os.write(w, json.dumps({"rc": rc, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
                                "user": ru.ru_utime, "sys": ru.ru_stime,
                                "rss_mb": ru.ru_maxrss / 1024.0}).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data)


class Sim:
    def __init__(self, binary, workdir, args):
        self.binary, self.dir, self.args = binary, workdir, args
        self.port_file = os.path.join(workdir, "c1sim.port")
        self.log = open(os.path.join(workdir, "c1sim.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--port-file", self.port_file, "--time-scale", str(args.time_scale),
             "--threads", str(args.sim_threads)], stdout=self.log, stderr=self.log)
        for _ in range(400):
            if os.path.exists(self.port_file) and os.path.getsize(self.port_file) > 0:
                break
            if self.proc.poll() is not None:
                raise SystemExit(f"onboard.sh: c1sim exited {self.proc.returncode}; see {self.log.name}")
            time.sleep(0.025)
        self.url = f"http://127.0.0.1:{int(open(self.port_file).read())}"

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=600) as resp:
            return json.loads(resp.read())

    def reset(self, plan):
        self.call("POST", "/_sim/reset", {})
        self.call("POST", "/_sim/faults", plan)

    def cpu(self):
        return ticks_of(self.proc.pid)

    def stop(self):
        """SIGTERM; c1sim must exit 0 (a sanitizer build also reports leaks then)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def universe_env(udir, sim_url, extra=None):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith(("AWS_", "C1_", "V1_", "C1ONBOARD_")):
            del env[k]
    env.update({
        "AWS_CONFIG_FILE": f"{udir}/aws/config",
        "AWS_SHARED_CREDENTIALS_FILE": f"{udir}/aws/credentials",
        "AWS_PROFILE": "msp", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": sim_url, "C1_ENDPOINT_URL": sim_url, "V1_ENDPOINT_URL": sim_url,
    })
    with open(f"{udir}/secrets.env") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    env.update(extra or {})
    return env


def limits_of(args):
    c1 = {"per_second": args.c1_rate, "burst": args.c1_burst or max(1.0, args.c1_rate)}
    cfn = {"per_second": args.cfn_rate, "burst": args.cfn_burst or max(1.0, args.cfn_rate)}
    return c1, cfn


def fault_plan(args):
    c1, cfn = limits_of(args)
    limits = {}
    if args.c1_rate > 0:
        limits["cloudone"] = c1
    if args.cfn_rate > 0:
        limits["cloudformation"] = cfn
    return {"latency_ms": args.latency_ms, "rate_limits": limits}


def lower_bound(args, durations, strategy):
    """Seconds no scheduler could beat on this configuration (docs/benchmark.md):
    max(Cloud One term, path term).
    Cloud One term: the busiest tenant's minimum Cloud One requests, less the bucket's burst, over
    its limit. Path term: the tenant's own calls, then ceil(N/J) waves of one account's critical
    path. A request costs L (c1sim handles it on arrival and answers L later); a stack created at
    t is complete at t + D, so the create + the poll that sees it cost max(D, L) + L; the
    account's CloudFormation requests under its own limit are a floor for the path."""
    n, t, j = args.accounts, args.tenants, args.jobs
    L = args.latency_ms / 1000.0
    busiest = math.ceil(n / t)
    c1, cfn = limits_of(args)
    if strategy == "direct":
        stacks = [durations[s] * args.time_scale for s in DIRECT_STACKS]
        per_acct, per_tenant = MIN_DIRECT, TENANT_DIRECT
    else:
        stacks = [durations["template"] * args.time_scale]
        per_acct, per_tenant = MIN_TEMPLATE, TENANT_TEMPLATE
    c1_requests = busiest * per_acct.get("cloudone", 0) + per_tenant.get("cloudone", 0)
    c1_term = max(0.0, c1_requests - c1["burst"]) / args.c1_rate if args.c1_rate > 0 else 0.0
    n_requests = sum(per_acct.values())
    acct_path = (n_requests - 2 * len(stacks)) * L + sum(max(d, L) + L for d in stacks)
    if args.cfn_rate > 0:
        acct_path = max(acct_path, max(0.0, per_acct["cloudformation"] - cfn["burst"]) / args.cfn_rate)
    tenant_path = sum(per_tenant.values()) * L
    waves = math.ceil(n / j)
    path_term = tenant_path + waves * acct_path
    return {
        "lower_bound_s": round(max(c1_term, path_term), 3),
        "cloudone_term_s": round(c1_term, 3),
        "path_term_s": round(path_term, 3),
        "busiest_tenant_accounts": busiest,
        "busiest_tenant_min_cloudone_requests": c1_requests,
        "account_path_s": round(acct_path, 3),
        "tenant_path_s": round(tenant_path, 3),
        "waves": waves,
        "stack_s": [round(d, 3) for d in stacks],
    }


def min_requests(args, strategy):
    per_acct, per_tenant = (MIN_DIRECT, TENANT_DIRECT) if strategy == "direct" else (MIN_TEMPLATE,
                                                                                        TENANT_TEMPLATE)
    return sum(per_acct.values()) + sum(per_tenant.values()) * args.tenants / args.accounts


def request_stats(sim):
    doc = sim.call("GET", "/_sim/requests")
    by_service, throttled, total = {}, 0, 0
    for r in doc["requests"]:
        by_service[r["service"]] = by_service.get(r["service"], 0) + r["count"]
        throttled += r.get("throttled", 0)
        total += r["count"]
    by_route = {f"{r['service']} {r['route']}": r["count"] for r in doc["requests"]}
    return total, throttled, by_service, by_route


def c1onboard_run(args, sim, work, udir, strategy, poll):
    state = os.path.join(work, f"state-{strategy}")
    reports = os.path.join(work, f"reports-{strategy}")
    env = universe_env(udir, sim.url, {"C1ONBOARD_POLL_MIN_MS": str(poll[0]),
                                       "C1ONBOARD_POLL_MAX_MS": str(poll[1])})
    cmd = [os.path.join(args.build, "c1onboard"), "apply", f"{udir}/accounts.csv", "-j", str(args.jobs),
           "--no-progress", "-q", "--state-dir", state, "--reports-dir", reports]
    if strategy != "direct":
        cmd += ["--strategy", strategy]
    cmd += args.c1onboard_arg
    out = open(os.path.join(work, f"c1onboard-{strategy}.log"), "w")
    sim_cpu0 = sim.cpu()
    m = run_measured(cmd, env, stdout=out, timeout=args.timeout)
    sim_cpu = sim.cpu() - sim_cpu0
    out.close()
    summary, throttled_failures = {}, 0
    try:
        report = json.load(open(os.path.join(reports, "latest", "report.json")))
        summary = {k: v for k, v in report["summary"].items() if v}
        for a in report["accounts"]:
            if a["status"] in ("failed", "rolled_back", "invalid"):
                text = json.dumps(a.get("steps", []))
                if "Throttl" in text or "429" in text or "Too many" in text:
                    throttled_failures += 1
    except (OSError, ValueError, KeyError) as e:
        log(f"{strategy}: no report ({e}); see {out.name}")
    return m, sim_cpu, summary, throttled_failures


AWSCLI_JOB = r'''
set -u
acct=$1 region=$2 key=$3 token=$4 bucket=$5
p=(--profile "acct-$acct" --region "$region")
aws cloudformation create-stack "${p[@]}" --stack-name "$STACK" --template-url "$TEMPLATE_URL" \
	--capabilities CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
	--parameters ParameterKey=CloudOneApiKey,ParameterValue="$key" \
	ParameterKey=VisionOneServiceToken,ParameterValue="$token" \
	ParameterKey=CreateNewTrail,ParameterValue=false \
	ParameterKey=ExistingCloudtrailBucketName,ParameterValue="$bucket" \
	ParameterKey=QSS3BucketName,ParameterValue=cloudone-community \
	ParameterKey=QSS3KeyPrefix,ParameterValue= >/dev/null || exit 1
if [ "$MODE" = wait ]; then
	aws cloudformation wait stack-create-complete "${p[@]}" --stack-name "$STACK" || exit 1
else
	delay=$POLL_MIN_MS
	while :; do
		sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
		s=$(aws cloudformation describe-stacks "${p[@]}" --stack-name "$STACK" \
			--query 'Stacks[0].StackStatus' --output text) || exit 1
		case $s in
		CREATE_COMPLETE) break ;;
		*_IN_PROGRESS) ;;
		*) exit 1 ;;
		esac
		delay=$((delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2))
	done
fi
echo "ok $acct"
'''


def awscli_run(args, sim, work, udir, mode, poll):
    """What an MSP scripts without c1onboard: one all-in-one stack per account (the template
    strategy's), xargs -P J over create-stack then wait (or a describe-stacks loop)."""
    env = universe_env(udir, sim.url)
    secrets = {k: v for k, v in env.items() if k.startswith(("C1_API_KEY_T", "V1_TOKEN_T"))}
    home = os.path.join(work, f"home-{mode}")
    os.makedirs(home, exist_ok=True)
    env.update({"HOME": home, "STACK": "CloudOne", "MODE": mode,
                "TEMPLATE_URL": "https://cloudone-community.s3.us-east-1.amazonaws.com/templates/"
                                "trend-cloudone-onboard/main.template.yaml",
                "POLL_MIN_MS": str(poll[0]), "POLL_MAX_MS": str(poll[1])})
    lines = []
    with open(f"{udir}/accounts.csv") as f:
        header = f.readline().strip().split(",")
        for line in f:
            row = dict(zip(header, line.strip().split(",")))
            key = secrets[row["cloudone_api_key"].split(":", 1)[1]]
            token = secrets[row["visionone_token"].split(":", 1)[1]]
            lines.append(f"{row['account_id']} {row['region']} {key} {token} {row['bucket']}\n")
    jobs_file = os.path.join(work, f"awscli-{mode}.jobs")
    with open(jobs_file, "w") as f:
        f.writelines(lines)
    os.chmod(jobs_file, 0o600)
    script = os.path.join(work, "awscli_job.sh")
    with open(script, "w") as f:
        f.write(AWSCLI_JOB)
    out_path = os.path.join(work, f"awscli-{mode}.out")
    out = open(out_path, "w")
    cmd = ["bash", "-c", f'xargs -P {args.peer_jobs} -L 1 bash "{script}" < "{jobs_file}"']
    sim_cpu0 = sim.cpu()
    m = run_measured(cmd, env, stdout=out, timeout=args.timeout)
    sim_cpu = sim.cpu() - sim_cpu0
    out.close()
    ok = sum(1 for line in open(out_path) if line.startswith("ok "))
    return m, sim_cpu, ok


def main():
    ap = argparse.ArgumentParser(prog="tests/bench/onboard.sh", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=None, help="build dir with c1onboard and c1sim "
                    "(default build-rel if it exists, else build)")
    ap.add_argument("-n", "--accounts", type=int, default=200)
    ap.add_argument("-t", "--tenants", type=int, default=1)
    ap.add_argument("-j", "--jobs", type=int, default=50, help="c1onboard -j (default 50)")
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--time-scale", type=float, default=0.01)
    ap.add_argument("--c1-rate", type=float, default=10.0,
                    help="c1sim Cloud One limit per API key, req/s (0 = none; default 10)")
    ap.add_argument("--c1-burst", type=float, default=0.0, help="Cloud One bucket size (default max(1, rate))")
    ap.add_argument("--cfn-rate", type=float, default=5.0,
                    help="c1sim CloudFormation limit per account and region, req/s (0 = none; default 5)")
    ap.add_argument("--cfn-burst", type=float, default=0.0)
    ap.add_argument("--poll-min-ms", type=int, default=0,
                    help="stack poll start (default max(5000 x scale, 1000 / cfn-rate))")
    ap.add_argument("--poll-max-ms", type=int, default=0, help="stack poll cap (default max(30000 x scale, min))")
    ap.add_argument("--sim-threads", type=int, default=4)
    ap.add_argument("--peers", action="store_true",
                    help="also run --strategy template and the AWS CLI xargs script (wait and poll loop)")
    ap.add_argument("--peer-jobs", type=int, default=16, help="xargs -P for the AWS CLI peer (default 16)")
    ap.add_argument("--peer-modes", default="wait,poll", help="AWS CLI peer variants (wait,poll)")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per run before it is killed")
    ap.add_argument("--out", help="also append the JSON lines to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (logs, universe, reports)")
    ap.add_argument("--c1onboard-arg", action="append", default=[], help="extra c1onboard apply argument")
    args = ap.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not args.build:
        rel = os.path.join(root, "build-rel")
        args.build = rel if os.path.exists(os.path.join(rel, "c1onboard")) else os.path.join(root, "build")
    args.build = os.path.abspath(args.build)
    c1sim = os.path.join(args.build, "c1sim")
    for b in (c1sim, os.path.join(args.build, "c1onboard")):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"onboard.sh: {b} is missing; build first (docs/benchmark.md)")
    if args.tenants < 1 or args.accounts < 1 or args.jobs < 1:
        raise SystemExit("onboard.sh: -n, -t and -j must be positive")
    args.tenants = min(args.tenants, args.accounts)
    poll_min = args.poll_min_ms or int(max(5000 * args.time_scale,
                                           1000 / args.cfn_rate if args.cfn_rate > 0 else 0, 10))
    poll_max = args.poll_max_ms or int(max(30000 * args.time_scale, poll_min))
    poll = (poll_min, poll_max)

    work = tempfile.mkdtemp(prefix="c1bench.")
    udir = os.path.join(work, "u")
    sim = None
    lines = []
    rc = 0
    try:
        durations = json.loads(subprocess.check_output([c1sim, "durations"]))
        t0 = time.monotonic()
        subprocess.check_call([c1sim, "gen", str(args.accounts), udir, "--tenants", str(args.tenants)],
                              stdout=subprocess.DEVNULL)
        gen_s = time.monotonic() - t0
        sim = Sim(c1sim, work, args)
        plan = fault_plan(args)
        c1, cfn = limits_of(args)
        common = {
            "schema": SCHEMA, "accounts": args.accounts, "tenants": args.tenants, "jobs": args.jobs,
            "latency_ms": args.latency_ms, "time_scale": args.time_scale,
            "limits": {"cloudone_per_api_key": c1 if args.c1_rate > 0 else None,
                       "cloudformation_per_account_region": cfn if args.cfn_rate > 0 else None},
            "poll_ms": list(poll), "sim_threads": args.sim_threads, "gen_s": round(gen_s, 3),
        }

        def c1_line(strategy, base=None):
            sim.reset(plan)
            log(f"{strategy}: {args.accounts} accounts, {args.tenants} tenant(s), -j {args.jobs}")
            m, sim_cpu, summary, thr_fail = c1onboard_run(args, sim, work, udir, strategy, poll)
            total, throttled, by_service, by_route = request_stats(sim)
            lb = lower_bound(args, durations, strategy)
            line = dict(common, run=strategy, exit_code=m["rc"], summary=summary,
                        succeeded=summary.get("succeeded", 0), throttled_failures=thr_fail,
                        makespan_s=round(m["wall"], 3), **lb,
                        ratio=round(m["wall"] / lb["lower_bound_s"], 3) if lb["lower_bound_s"] else None,
                        requests=total, requests_per_account=round(total / args.accounts, 3),
                        min_requests_per_account=round(min_requests(args, strategy), 3),
                        requests_by_service=by_service, requests_by_route=by_route, throttled=throttled,
                        cpu_s=round(m["cpu"], 3), cpu_s_per_account=round(m["cpu"] / args.accounts, 5),
                        peak_rss_mb=round(m["rss_mb"], 1), sim_cpu_s=round(sim_cpu, 3),
                        sim_cpu_share=round(sim_cpu / m["wall"], 4) if m["wall"] > 0 else None)
            if base:
                line["wall_s"] = line["makespan_s"]
                line["wall_ratio_vs_direct"] = round(m["wall"] / base["makespan_s"], 3)
                line["cpu_ratio_vs_direct"] = round(m["cpu"] / base["cpu_s"], 3) if base["cpu_s"] else None
            return line

        def emit(line):
            text = json.dumps(line)
            print(text, flush=True)
            lines.append(text)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(text + "\n")

        direct = c1_line("direct")
        emit(direct)
        ok = direct["succeeded"] == args.accounts and direct["exit_code"] == 0
        if args.peers:
            tmpl = c1_line("template", direct)
            emit(tmpl)
            ok = ok and tmpl["succeeded"] == args.accounts
            if not shutil.which("aws"):
                log("no aws on PATH: the AWS CLI peer is skipped")
            for mode in [m for m in args.peer_modes.split(",") if m]:
                if not shutil.which("aws"):
                    break
                sim.reset(plan)
                log(f"awscli_{mode}: xargs -P {args.peer_jobs}, {args.accounts} accounts")
                m, sim_cpu, n_ok = awscli_run(args, sim, work, udir, mode, poll)
                total, throttled, by_service, by_route = request_stats(sim)
                emit(dict(common, run=f"awscli_{mode}", peer_jobs=args.peer_jobs, exit_code=m["rc"],
                          succeeded=n_ok, wall_s=round(m["wall"], 3), cpu_s=round(m["cpu"], 3),
                          wall_ratio_vs_direct=round(m["wall"] / direct["makespan_s"], 3),
                          cpu_ratio_vs_direct=round(m["cpu"] / direct["cpu_s"], 3) if direct["cpu_s"] else None,
                          poll_s=None if mode == "wait" else [poll[0] / 1000, poll[1] / 1000],
                          waiter_delay_s=30 if mode == "wait" else None,
                          requests=total, requests_per_account=round(total / args.accounts, 3),
                          requests_by_service=by_service, requests_by_route=by_route, throttled=throttled,
                          peak_rss_mb=round(m["rss_mb"], 1), sim_cpu_s=round(sim_cpu, 3)))
                ok = ok and n_ok == args.accounts
        rc = 0 if ok else 1
    finally:
        if sim:
            src = sim.stop()
            if src != 0:
                log(f"c1sim exited {src}; see {work}/c1sim.log")
                rc = rc or 1
                args.keep = True
        if args.keep or rc != 0:
            log(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
