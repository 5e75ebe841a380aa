"""Shared fixture for the engine's integration tests (tests/engine_tests.cmake).

A test generates a universe (`c1sim gen`) in its own temp dir, starts its own
c1sim (--port 0 --port-file, small --time-scale), runs the real c1onboard
binary with the variables the universe's env.sh exports, and judges the
result from two independent sides: report.json (what c1onboard says it did)
and GET /_sim/state (what exists). Everything is torn down on every exit path
(simtest's atexit), so `ctest -j` is safe.

Environment: C1SIM and C1ONBOARD name the binaries (default build/...).
Exit codes: 0 pass, 1 fail, 77 skip.
"""

import atexit
import csv
import io
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import secret_scan  # noqa: E402
import simtest  # noqa: E402
from secret_scan import SECRET_MARK  # noqa: E402,F401
from simtest import Checks, Sim, http, log, skip, tmpdir  # noqa: E402,F401


def mount_tmpfs(path, options, what):
    """A small tmpfs at `path` (created) for a full-disk test, e.g. options "size=4m";
    `what` names it in the skip message when it cannot be mounted (not root, no permission).
    Unmounted at exit; registered after simtest's cleanup, so it runs before the temp root
    is removed."""
    os.makedirs(path)
    if os.geteuid() != 0:
        skip("mounting a small tmpfs for %s needs root" % what)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if m.returncode != 0:
        skip("cannot mount a tmpfs (%s)" % m.stdout.strip())
    atexit.register(lambda: subprocess.run(["umount", "-l", path], stderr=subprocess.DEVNULL))

LIVE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
# Routes that change something remote. Everything else is a read: the
# Describe*/Get*/List*/Head* actions, AssumeRole, GetCallerIdentity, the
# connector search (a POST that only reads) and drift detection (starts an
# operation on CloudFormation's side but changes no resource).
AWS_WRITES = {"CreateStack", "UpdateStack", "DeleteStack", "ContinueUpdateRollback", "CancelUpdateStack",
              "CreateChangeSet", "ExecuteChangeSet", "CreateBucket", "DeleteBucket", "PutObject",
              "CreateTrail", "DeleteTrail", "StartLogging", "StopLogging", "UpdateTrail"}
REST_READ_POSTS = {"POST /api/awsconnectors/search"}
# Tenant-level writes: the Vision One link (never undone, shared by the tenant's accounts).
TENANT_WRITES = {"POST /api/connectors", "POST /v1.0/preview/uic/instances/enrollment"}


def c1onboard_path():
    path = os.environ.get("C1ONBOARD")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "..", "build", "c1onboard")
    if not os.access(path, os.X_OK):
        log("FAIL: c1onboard binary not found at %s (set C1ONBOARD)" % path)
        sys.exit(1)
    return os.path.abspath(path)


def is_write(route):
    if route in AWS_WRITES:
        return True
    method = route.split(" ", 1)[0]
    return method in ("POST", "PUT", "PATCH", "DELETE") and route not in REST_READ_POSTS


# ---- the universe ---------------------------------------------------------

class Tenant:
    """One Cloud One API key of secrets.env, with what the key id encodes."""

    def __init__(self, name, key, token):
        self.name, self.key, self.token = name, key, token
        key_id = key.split(":", 1)[0]
        m = re.match(r"^c1sim([a-z]+)(\d)(\d{12})$", key_id)
        if not m:
            raise AssertionError("unexpected c1sim API key id %r" % key_id)
        self.c1_region = "%s-%s" % (m.group(1), m.group(2))
        self.c1_account = m.group(3)
        self.external_id = None  # filled by Engine.external_ids()


class Universe:
    """`c1sim gen N` in a private temp dir; rows editable, rewritten with write_csv()."""

    def __init__(self, n, tenants=1, seed=None, prefix="c1eng-"):
        self.root = tmpdir(prefix)
        self.dir = os.path.join(self.root, "u")
        args = [simtest.c1sim_path(), "gen", str(n), self.dir, "--tenants", str(tenants)]
        if seed is not None:
            args += ["--seed", str(seed)]
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            log("FAIL: %s: %s" % (" ".join(args), p.stdout))
            sys.exit(1)
        self.csv_path = os.path.join(self.dir, "accounts.csv")
        with open(self.csv_path, newline="") as f:
            reader = csv.DictReader(f)
            self.fields = list(reader.fieldnames)
            self.rows = [dict(r) for r in reader]
        self.secrets = {}
        with open(os.path.join(self.dir, "secrets.env")) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    self.secrets[k] = v
        self.tenants = {}
        for k, v in self.secrets.items():
            if k.startswith("C1_API_KEY_"):
                t = k[len("C1_API_KEY_"):]
                self.tenants[t] = Tenant(t, v, self.secrets.get("V1_TOKEN_" + t, ""))
        self.extra_env = {}
        _universes.append(self)
        if _scan_when_finished not in simtest.finish_hooks:
            simtest.finish_hooks.append(_scan_when_finished)

    def holds_secret(self, path):
        """`path` (a secret file a test wrote for a `file:` reference) may hold a secret."""
        with open(os.path.join(self.root, secret_scan.HOLDERS_FILE), "a") as f:
            f.write(os.path.relpath(path, self.root) + "\n")

    def write_csv(self, rows=None, path=None):
        path = path or self.csv_path
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=self.fields, lineterminator="\n")
        w.writeheader()
        for r in (self.rows if rows is None else rows):
            w.writerow(r)
        with open(path, "w", newline="") as f:
            f.write(buf.getvalue())
        return path

    def tenant_of(self, row):
        ref = row["cloudone_api_key"]
        m = re.match(r"^env:C1_API_KEY_(\w+)$", ref)
        return self.tenants.get(m.group(1)) if m else None

    def make_new_trail(self, row):
        row["create_new_trail"] = "true"
        row["bucket"] = ""

    def ids(self, rows=None):
        return [r["account_id"] for r in (self.rows if rows is None else rows)]

    def secret_values(self):
        """Every secret the universe holds: API keys and their secret halves,
        Vision One tokens, AWS secret keys."""
        return set(self.secret_labels())

    def secret_labels(self, env=None):
        """{secret: what it is} for the universe's secrets and those a test
        added (extra_env, an Engine's env); the label never quotes the value."""
        out = {}
        items = list(self.secrets.items()) + list(self.extra_env.items()) + list((env or {}).items())
        for k, v in items:
            if k.startswith(("C1_API_KEY", "V1_TOKEN")) and v:
                out[v] = "the value of %s" % k
                if ":" in v:
                    out.setdefault(v.split(":", 1)[1], "the secret half of %s" % k)
                if v.startswith("v1sim."):
                    out.setdefault(v.rsplit(".", 1)[1], "the secret part of %s" % k)
        for path in (os.path.join(self.dir, "aws", "credentials"), os.path.join(self.root, "home", ".aws", "credentials")):
            if not os.path.exists(path):
                continue
            for name, sec in simtest.parse_aws_config(path).items():
                for key in ("aws_secret_access_key", "aws_session_token"):
                    if sec.get(key):
                        out.setdefault(sec[key], "%s of [%s] in %s" % (key, name, os.path.relpath(path, self.root)))
        return {s: what for s, what in out.items() if len(s) >= 8}


_universes = []
_engines = []


def _scan_when_finished(chk):
    """Every file a test wrote under its universes' temp roots (reports, the
    state DB with its WAL, logs, c1sim's log, results.csv, spool files, each
    run's captured stdout and stderr) holds no secret; see secret_scan.py for
    what may (the inputs c1sim gen wrote)."""
    for u in _universes:
        labels = u.secret_labels()
        for eng in _engines:
            if eng.u is u:
                labels.update({k: v for k, v in u.secret_labels(eng.env).items() if k not in labels})
        findings = secret_scan.scan_tree([u.root], labels)
        chk.check(not findings, "no secret in any file the test wrote under %s" % u.root, "\n".join(findings[:20]))


def expected_stacks(row):
    base = row.get("stack_name") or "CloudOne"
    names = [base + "-WS", base + "-C1", base + "-CTrl"]
    if row.get("create_new_trail", "").lower() in ("true", "yes", "1"):
        names.append(base + "-Trail")
    return names


# ---- running it ----------------------------------------------------------

class Run:
    def __init__(self, argv, rc, out, err, report, elapsed):
        self.argv, self.rc, self.out, self.err, self.report, self.elapsed = argv, rc, out, err, report, elapsed

    def statuses(self):
        """{account_id: status} from report.json (empty when there is none)."""
        if not self.report:
            return {}
        return {a.get("account_id"): a.get("status") for a in self.report.get("accounts", [])}

    def account(self, account_id):
        for a in (self.report or {}).get("accounts", []):
            if a.get("account_id") == account_id:
                return a
        return None

    def __repr__(self):
        return "c1onboard %s -> rc %s in %.1f s\n  stdout: %s\n  stderr: %s" % (
            " ".join(self.argv[1:]), self.rc, self.elapsed, self.out.strip()[-1500:], self.err.strip()[-2500:])


class Engine:
    """A c1sim serving one universe, and c1onboard runs against it."""

    def __init__(self, universe, time_scale="0.005", seed="1", faults=None, extra_args=(), tls=None):
        self.u = universe
        args = ["--time-scale", str(time_scale), "--seed", str(seed)] + list(extra_args)
        if faults is not None:
            path = os.path.join(universe.root, "faults.json")
            with open(path, "w") as f:
                json.dump(faults, f)
            args += ["--faults", path]
        # The universe dir holds c1sim.port, so env.sh finds this server and starts none.
        self.sim = Sim(universe.dir, *args, tls=tls)
        self.home = os.path.join(universe.root, "home")
        os.makedirs(self.home, exist_ok=True)
        self.state_dir = os.path.join(universe.root, "state")
        self.reports_dir = os.path.join(universe.root, "reports")
        self.env = self._env()
        self.runs = []
        self._lock = threading.Lock()
        _engines.append(self)

    def _env(self):
        base = simtest.clean_env(self.home)
        for k in list(base):
            if k.startswith(("C1_", "V1_", "XDG_")) and k not in ("C1SIM", "C1ONBOARD"):
                del base[k]
        if self.sim.url.startswith("https:"):
            base["C1SIM_USE_URL"] = self.sim.url  # env.sh's liveness probe speaks http
        p = subprocess.run(["bash", "-c", 'source "$1" >/dev/null && env -0', "bash",
                            os.path.join(self.u.dir, "env.sh")], env=base, stdout=subprocess.PIPE, check=True)
        env = {}
        for item in p.stdout.split(b"\0"):
            if b"=" in item:
                k, v = item.split(b"=", 1)
                env[k.decode()] = v.decode()
        if os.path.exists(os.path.join(self.u.dir, "c1sim.pid")):
            log("FAIL: env.sh started its own c1sim instead of using the test's")
            sys.exit(1)
        if env.get("AWS_ENDPOINT_URL") != self.sim.url:
            log("FAIL: env.sh points at %r, the test's c1sim is %s" % (env.get("AWS_ENDPOINT_URL"), self.sim.url))
            sys.exit(1)
        # Outage retries (after a call's own retries run out) are 5 s, 10 s, ...
        # in production; tests that make a call fail for good keep them short.
        env["C1ONBOARD_OUTAGE_DELAY_MS"] = "100"
        # c1sim runs stacks at --time-scale 0.005-0.01; the engine polls in real time
        # (5 s doubling to 30 s for real CloudFormation), so tests poll faster.
        env["C1ONBOARD_POLL_MIN_MS"] = "200"
        env["C1ONBOARD_POLL_MAX_MS"] = "15000"
        env.update(self.u.extra_env)
        return env

    def argv(self, command, csv_path=None, *extra, state_dir=None, reports_dir=None, confirm=True):
        """confirm: an offboard gets --yes (tests run off a terminal); engine_offboard_confirm
        passes False to see the refusal."""
        a = [c1onboard_path(), command, csv_path or self.u.csv_path, "--no-progress",
             "--state-dir", state_dir or self.state_dir, "--reports-dir", reports_dir or self.reports_dir]
        if command == "offboard" and confirm:
            a.append("--yes")
        return a + [str(x) for x in extra]

    def start(self, command, *extra, csv_path=None, state_dir=None, reports_dir=None, confirm=True):
        argv = self.argv(command, csv_path, *extra, state_dir=state_dir, reports_dir=reports_dir,
                         confirm=confirm)
        with self._lock:
            n = len(self.runs)
            self.runs.append(argv)
        out = open(os.path.join(self.u.root, "run%d.out" % n), "w+")
        err = open(os.path.join(self.u.root, "run%d.err" % n), "w+")
        proc = subprocess.Popen(argv, env=self.env, stdout=out, stderr=err)
        simtest._procs.append(proc)
        proc.c1_io = (out, err)
        proc.c1_argv = argv
        proc.c1_started = time.time()
        proc.c1_reports = reports_dir or self.reports_dir
        return proc

    def finish(self, proc, timeout=120):
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = "timeout after %d s" % timeout
        out_f, err_f = proc.c1_io
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
        out_f.close()
        err_f.close()
        report = read_report(proc.c1_reports) if rc != -9 else None
        require_valid_report(report, proc.c1_argv)
        self.sim.check_alive(proc.c1_argv)
        return Run(proc.c1_argv, rc, out, err, report, time.time() - proc.c1_started)

    def run(self, command, *extra, timeout=120, **kw):
        r = self.finish(self.start(command, *extra, **kw), timeout)
        log("  %s: rc %s in %.1f s %s" % (command, r.rc, r.elapsed, summary_line(r.report)))
        return r

    # -- the simulator's side --
    def state(self):
        return self.sim.state()

    def faults(self, plan):
        status, _, body = self.sim.post("/_sim/faults", plan)
        if status not in (200, 204):
            raise AssertionError("POST /_sim/faults answered %d: %r" % (status, body[:300]))

    def external_ids(self):
        """Each tenant's Workload Security external id, asked the way a client would."""
        for t in self.u.tenants.values():
            status, _, body = http("GET", self.sim.url + "/api/awsconnectorsettings",
                                   {"Authorization": "ApiKey " + t.key, "api-version": "v1"})
            if status == 200:
                t.external_id = json.loads(body).get("externalId")
        return {t.name: t.external_id for t in self.u.tenants.values()}

    def stop(self, chk):
        problem = self.sim.stop()
        chk.check(problem is None, "c1sim ended cleanly", problem)


def read_report(reports_dir):
    path = os.path.join(reports_dir, "latest", "report.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def summary_line(report):
    if not report:
        return "(no report.json)"
    s = report.get("summary", {})
    return " ".join("%s=%s" % (k, v) for k, v in s.items() if v)


# ---- judging the simulator's state ---------------------------------------

def counters(state):
    return {(c["service"], c["route"]): c for c in state.get("requests", [])}


def counter_delta(before, after, field="count"):
    b, a = counters(before), counters(after)
    out = {}
    for key, c in a.items():
        d = c.get(field, 0) - b.get(key, {}).get(field, 0)
        if d:
            out[key] = d
    return out


def writes_in(delta, ignore=()):
    """The write routes (with counts) in a counter delta."""
    return {"%s %s" % k: n for k, n in delta.items() if is_write(k[1]) and k[1] not in ignore}


def of_account(state, account_id):
    """Everything in the state that belongs to one AWS account."""
    return {
        "stacks": [s for s in state.get("stacks", []) if s.get("account_id") == account_id],
        "live_stacks": [s for s in state.get("stacks", [])
                        if s.get("account_id") == account_id and s.get("status") != "DELETE_COMPLETE"],
        "connectors": [c for c in state.get("ws_connectors", []) if c.get("account_id") == account_id],
        "cloud_accounts": [c for c in state.get("cloud_accounts", []) if c.get("account_id") == account_id],
        "integrations": [i for i in state.get("cloudtrail_integrations", [])
                         if i.get("account_id") == account_id],
    }


def brief(items, *keys):
    return [{k: i.get(k) for k in keys} for i in items]


def check_nothing_left(chk, state, account_id, what):
    """No stack (except deleted ones), connector, cloud account or active
    CloudTrail integration of `account_id`."""
    mine = of_account(state, account_id)
    chk.check(not mine["live_stacks"], "%s: no stack of %s left" % (what, account_id),
              brief(mine["live_stacks"], "name", "status", "status_reason"))
    chk.check(not mine["connectors"], "%s: no connector of %s left" % (what, account_id),
              brief(mine["connectors"], "id", "cross_account_role_arn"))
    chk.check(not mine["cloud_accounts"], "%s: no cloud account of %s left" % (what, account_id),
              brief(mine["cloud_accounts"], "id", "role_arn"))
    active = [i for i in mine["integrations"] if i.get("status") == "active"]
    chk.check(not active, "%s: no active CloudTrail integration of %s left" % (what, account_id), active)


def check_onboarded(chk, state, u, row, what, deep=True):
    """One account fully onboarded, exactly once: the expected live stacks
    (each once, nothing else live), one connector, one cloud account, an
    active CloudTrail integration; with deep, the stacks' parameters and tags."""
    acct, region = row["account_id"], row["region"]
    tenant = u.tenant_of(row)
    mine = of_account(state, acct)
    want = sorted(expected_stacks(row))
    got = sorted(s["name"] for s in mine["live_stacks"])
    ok = chk.eq(got, want, "%s: live stacks of %s" % (what, acct),
                brief(mine["live_stacks"], "name", "status", "status_reason"))
    for s in mine["live_stacks"]:
        chk.check(s["status"] in LIVE and s["region"] == region,
                  "%s: stack %s of %s is %s in %s (want CREATE/UPDATE_COMPLETE in %s)" % (
                      what, s["name"], acct, s["status"], s["region"], region), s.get("status_reason"))
    chk.eq(len(mine["connectors"]), 1, "%s: Workload Security connectors of %s" % (what, acct),
           brief(mine["connectors"], "id", "cross_account_role_arn", "c1_account_id"))
    chk.eq(len(mine["cloud_accounts"]), 1, "%s: Cloud One cloud accounts of %s" % (what, acct),
           brief(mine["cloud_accounts"], "id", "role_arn", "c1_account_id"))
    active = [i for i in mine["integrations"] if i.get("status") == "active" and i.get("region") == region]
    chk.eq(len(active), 1, "%s: active CloudTrail integrations of %s in %s" % (what, acct, region),
           mine["integrations"])
    if not deep or not ok:
        return
    by_name = {s["name"]: s for s in mine["live_stacks"]}
    base = row.get("stack_name") or "CloudOne"
    for s in mine["live_stacks"]:
        tags = s.get("tags") or {}
        chk.eq(tags.get("c1onboard:account"), acct, "%s: tag c1onboard:account of %s/%s" % (what, acct, s["name"]))
        chk.check(bool(tags.get("c1onboard:run")), "%s: %s/%s is tagged c1onboard:run" % (what, acct, s["name"]), tags)
        for kv in filter(None, (row.get("tags") or "").split(";")):
            k, v = kv.split("=", 1)
            chk.eq(tags.get(k), v, "%s: spreadsheet tag %s on %s/%s" % (what, k, acct, s["name"]))
    if tenant is not None:
        c1 = by_name[base + "-C1"]["parameters"]
        chk.eq(c1.get("CloudOneAccountID"), tenant.c1_account, "%s: %s-C1 CloudOneAccountID of %s" % (what, base, acct), c1)
        if tenant.external_id:
            ws = by_name[base + "-WS"]["parameters"]
            chk.check(tenant.external_id in ws.values(),
                      "%s: %s-WS of %s carries the tenant's external id %s" % (what, base, acct, tenant.external_id), ws)
        for c in mine["connectors"] + mine["cloud_accounts"]:
            chk.eq(c.get("c1_account_id"), tenant.c1_account,
                   "%s: %s of %s belongs to the row's Cloud One account" % (what, c.get("id"), acct))
    ct = by_name[base + "-CTrl"]["parameters"]
    chk.eq(ct.get("ServiceToken"), "****", "%s: %s-CTrl ServiceToken is NoEcho (masked)" % (what, base))
    if row.get("bucket"):
        chk.eq(ct.get("ExistingCloudtrailBucketName"), row["bucket"], "%s: %s-CTrl bucket of %s" % (what, base, acct), ct)
    else:
        trail = by_name.get(base + "-Trail")
        buckets = [r["physical_id"] for r in (trail or {}).get("resources", []) if r.get("type") == "AWS::S3::Bucket"]
        chk.check(ct.get("ExistingCloudtrailBucketName") in buckets,
                  "%s: %s-CTrl of %s reads the bucket its -Trail stack created" % (what, base, acct),
                  {"CTrl": ct, "Trail buckets": buckets})
    roles = [c.get("cross_account_role_arn") or "" for c in mine["connectors"]]
    roles += [c.get("role_arn") or "" for c in mine["cloud_accounts"]]
    for arn in roles:
        chk.check(arn.startswith("arn:aws:iam::%s:role/" % acct), "%s: role %s is in account %s" % (what, arn, acct))


def check_no_orphans(chk, state, account_ids, what):
    """Nothing (live) in the simulator that belongs to an account outside `account_ids`."""
    ids = set(account_ids)
    for kind, items, live in (("stack", state.get("stacks", []), lambda s: s.get("status") != "DELETE_COMPLETE"),
                              ("connector", state.get("ws_connectors", []), lambda c: True),
                              ("cloud account", state.get("cloud_accounts", []), lambda c: True)):
        extra = [i for i in items if live(i) and i.get("account_id") not in ids]
        chk.check(not extra, "%s: no %s outside the listed accounts" % (what, kind),
                  brief(extra, "account_id", "name", "id", "status"))


def require_engine(run):
    """Stop at once (failed) when c1onboard says the command is not built yet:
    every later check would only repeat it."""
    if run.rc == 69:
        log("FAIL: %r\n(the command is not available in this build)" % run)
        sys.exit(1)


_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reports", "schema",
                       "report.schema.json")


_VALIDATOR = []


def schema_errors(report):
    """Where `report` breaks reports/schema/report.schema.json ([] when python3 lacks jsonschema)."""
    try:
        import jsonschema
    except ImportError:
        return []
    if not _VALIDATOR:
        with open(_SCHEMA) as f:
            _VALIDATOR.append(jsonschema.Draft202012Validator(json.load(f)))
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in _VALIDATOR[0].iter_errors(report)]


def require_valid_report(report, argv):
    """Every report a test makes is checked against the schema: one that breaks it ends the test."""
    errors = schema_errors(report) if report is not None else []
    if errors:
        log("FAIL: report.json of `c1onboard %s` does not match the JSON Schema: %s"
            % (" ".join(argv[1:]), errors[:5]))
        sys.exit(1)


def check_schema(chk, run, what):
    """report.json validates against reports/schema/report.schema.json (where python3 has jsonschema)."""
    errors = schema_errors(run.report)
    chk.check(not errors, "%s: report.json matches the JSON Schema" % what, errors[:5])


def check_report(chk, run, want, what, rc=None):
    """report.json exists with the schema string and `want` = {account: status}."""
    require_engine(run)
    if rc is not None:
        chk.eq(run.rc, rc, "%s: exit code" % what, run)
    if not chk.check(run.report is not None, "%s: REPORTS_DIR/latest/report.json exists" % what, run):
        return False
    chk.eq(run.report.get("schema"), "c1onboard.report/v2", "%s: report schema" % what)
    check_schema(chk, run, what)
    got = run.statuses()
    wrong = {a: (got.get(a), s) for a, s in want.items() if got.get(a) != s}
    chk.check(not wrong, "%s: account statuses as expected (account: (got, want))" % what,
              {"wrong": dict(list(wrong.items())[:10]), "n_wrong": len(wrong), "run": run})
    summary = run.report.get("summary", {})
    counts = {}
    for s in want.values():
        counts[s] = counts.get(s, 0) + 1
    for s, n in counts.items():
        chk.eq(summary.get(s), n, "%s: summary.%s" % (what, s))
    chk.eq(summary.get("total"), len(run.report.get("accounts", [])), "%s: summary.total" % what)
    return not wrong


def apply_all(chk, eng, u, what, *extra, timeout=120):
    """Run apply; every account must succeed and be onboarded in c1sim. Returns (run, state)."""
    run = eng.run("apply", *extra, timeout=timeout)
    check_sanitizers(chk, run, what)
    check_report(chk, run, {a: "succeeded" for a in u.ids()}, what, rc=0)
    state = eng.state()
    for row in u.rows:
        check_onboarded(chk, state, u, row, what, deep=False)
    return run, state


def check_sanitizers(chk, run, what):
    chk.check("Sanitizer" not in run.err and "runtime error:" not in run.err,
              "%s: no sanitizer report from c1onboard" % what, run.err[-3000:])
