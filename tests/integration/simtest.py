"""Shared fixture for the Python integration tests against c1sim and moto.

Starts a c1sim (--port 0 --port-file) and a moto_server (on a free port) in a
private temp dir, kills them on every exit path (so `ctest -j` is safe),
drives the real AWS CLI in-process (awscli.clidriver: the same code path as
the `aws` executable, without a second of interpreter start-up per call) and
reports failures as a list, so one run shows every broken behaviour.

Python counterpart of sim_test_lib.sh; exit code 77 means SKIP for ctest.
"""

import atexit
import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77

_procs = []
_loader = None
_tmpdirs = []
# Called with the Checks object when a test finishes, before the verdict
# (engine_lib's secret scan of everything the test wrote).
finish_hooks = []


def log(msg):
    print(msg, flush=True)


def skip(msg):
    log("SKIP: " + msg)
    sys.exit(SKIP)


def need_tools(*names):
    """Skip the test (not fail) when a reference tool is missing."""
    for name in names:
        if shutil.which(name) is None:
            skip("%s is not installed; this test needs it as the reference" % name)
    if "aws" in names:
        try:
            import awscli.clidriver  # noqa: F401
        except ImportError:
            skip("the awscli Python package is not importable by %s" % sys.executable)


def c1sim_path():
    path = os.environ.get("C1SIM")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "..", "build", "c1sim")
    if not os.access(path, os.X_OK):
        log("FAIL: c1sim binary not found at %s (set C1SIM or build with -DC1_BUILD_SIM=ON)" % path)
        sys.exit(1)
    return os.path.abspath(path)


def _cleanup():
    for proc in reversed(_procs):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    del _procs[:]
    if os.environ.get("C1_KEEP_TMP"):
        for d in _tmpdirs:
            log("kept " + d)
        return
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


def _on_signal(signum, _frame):
    _cleanup()
    sys.exit(128 + signum)


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def tmpdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, headers=None, body=None, timeout=10, context=None):
    """(status, headers, body bytes) without raising on 4xx/5xx; `context`
    is the ssl.SSLContext for an https URL (a c1sim with --tls-cert)."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def _wait_http(url, proc, what, logpath, deadline_s, context=None):
    end = time.time() + deadline_s
    while time.time() < end:
        if proc.poll() is not None:
            break
        try:
            http("GET", url, timeout=1, context=context)
            return
        except (OSError, urllib.error.URLError):
            time.sleep(0.05)
    tail = ""
    if os.path.exists(logpath):
        with open(logpath, errors="replace") as f:
            tail = f.read()[-2000:]
    log("FAIL: %s did not answer at %s within %ss\n%s" % (what, url, deadline_s, tail))
    sys.exit(1)


class Sim:
    """A running c1sim; `url` is http://127.0.0.1:<port>, or https:// when
    `tls` = (cert.pem, key.pem, ca.pem) makes it serve HTTPS (checked against ca.pem)."""

    def __init__(self, workdir, *args, tls=None):
        self.dir = workdir
        self.ssl_context = None
        if tls:
            args = tuple(args) + ("--tls-cert", tls[0], "--tls-key", tls[1])
            self.ssl_context = ssl.create_default_context(cafile=tls[2])
        self.port_file = os.path.join(workdir, "c1sim.port")
        self.log_path = os.path.join(workdir, "c1sim.log")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [c1sim_path(), "--port", "0", "--port-file", self.port_file] + list(args),
            stdout=self._log, stderr=subprocess.STDOUT)
        _procs.append(self.proc)
        end = time.time() + 10
        port = ""
        while time.time() < end and self.proc.poll() is None:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    port = f.read().strip()
                if port:
                    break
            time.sleep(0.02)
        if not port.isdigit():
            log("FAIL: c1sim wrote no port to %s (exit %s)\n%s" % (self.port_file, self.proc.poll(), self.log_tail()))
            sys.exit(1)
        self.port = int(port)
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.port)
        _wait_http(self.url + "/_sim/state", self.proc, "c1sim", self.log_path, 10, self.ssl_context)

    def check_alive(self, after=None):
        """Exit the test (failed) with the server's log when it died."""
        if self.proc.poll() is None:
            return
        log("FAIL: c1sim died (exit %s)%s\n%s" % (self.proc.returncode, "" if after is None else
                                                   " after:\n" + repr(after), self.log_tail()))
        sys.exit(1)

    def state(self):
        self.check_alive()
        status, _, body = http("GET", self.url + "/_sim/state", context=self.ssl_context)
        if status != 200:
            raise AssertionError("GET /_sim/state answered %d: %r" % (status, body[:300]))
        return json.loads(body)

    def post(self, path, doc):
        self.check_alive()
        return http("POST", self.url + path, {"Content-Type": "application/json"}, doc,
                    context=self.ssl_context)

    def log_tail(self, n=3000):
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()[-n:]

    def stop(self):
        """SIGTERM; returns a problem description or None. c1sim must end
        cleanly and, in a sanitizer build, without a report."""
        self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "c1sim ignored SIGTERM for 10 s"
        self._log.close()
        text = self.log_tail()
        if "Sanitizer" in text or "runtime error:" in text:
            return "c1sim reported a sanitizer error:\n" + text
        if rc != 0:
            return "c1sim exited with %d after SIGTERM:\n%s" % (rc, text)
        return None


class Moto:
    """A moto_server on a free loopback port (account 123456789012). The
    constructor only starts it (start-up takes seconds: overlap it with
    other set-up); ready() waits until it answers."""

    def __init__(self, workdir):
        self.log_path = os.path.join(workdir, "moto.log")
        self._start()

    def _start(self):
        port = free_port()
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                                     stdout=self._log, stderr=subprocess.STDOUT)
        _procs.append(self.proc)
        self.url = "http://127.0.0.1:%d" % port

    def ready(self):
        for _attempt in range(3):
            end = time.time() + 30
            while time.time() < end and self.proc.poll() is None:
                try:
                    http("GET", self.url + "/moto-api/", timeout=1)
                    return self
                except (OSError, urllib.error.URLError):
                    time.sleep(0.1)
            # Lost the race for the port, or a hung start: try another port.
            self.proc.kill()
            self.proc.wait()
            self._start()
        log("FAIL: moto_server did not start\n" + open(self.log_path, errors="replace").read()[-2000:])
        sys.exit(1)


def source_env_sh(path):
    """The environment `source DIR/env.sh` produces, as a dict."""
    out = subprocess.run(["bash", "-c", 'source "$1" >/dev/null && env -0', "bash", path],
                         stdout=subprocess.PIPE, check=True).stdout
    env = {}
    for item in out.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            env[k.decode()] = v.decode()
    return env


# Variables the tests own: anything inherited from the caller's shell would
# change which credentials or endpoint the CLI uses.
AWS_VARS = re.compile(r"^AWS_")


def clean_env(home):
    env = {k: v for k, v in os.environ.items() if not AWS_VARS.match(k)}
    env["HOME"] = home  # the CLI caches assumed-role credentials under ~/.aws/cli/cache
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_MAX_ATTEMPTS"] = "1"
    env["AWS_RETRY_MODE"] = "standard"
    return env


class CliResult:
    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.json = None
        self.status = None  # HTTP status of the last exchange (in-process runs only)
        self.headers = {}  # its headers, names lower-case
        if out.strip():
            try:
                self.json = json.loads(out)
            except ValueError:
                pass

    @property
    def error_code(self):
        """The code in 'An error occurred (Code) when calling ...'."""
        m = re.search(r"An error occurred \(([^)]*)\)", self.err)
        return m.group(1) if m else None

    def __repr__(self):
        return "aws %s -> rc %d\n  stdout: %s\n  stderr: %s" % (
            " ".join(self.argv), self.rc, self.out.strip()[:800], self.err.strip()[:800])


class AwsCli:
    """The real AWS CLI, run in-process with a given environment."""

    def __init__(self, env, watch=None):
        self.env = dict(env)
        self.calls = 0
        self.watch = watch  # a Sim: stop at once, with its log, if it dies

    def with_env(self, **changes):
        env = dict(self.env)
        for k, v in changes.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return AwsCli(env, self.watch)

    def __call__(self, *argv):
        # Importing awscli puts its own data dir into AWS_DATA_PATH; keep it
        # across the environment swap or the driver cannot find its tables.
        import awscli  # noqa: F401
        from awscli.clidriver import create_clidriver
        data_path = os.environ.get("AWS_DATA_PATH")
        argv = [str(a) for a in argv] + ["--output", "json"]
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)
        if data_path and "AWS_DATA_PATH" not in self.env:
            os.environ["AWS_DATA_PATH"] = data_path
        out, err = io.StringIO(), io.StringIO()
        started = time.time()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                driver = create_clidriver()
                wire = {}

                def after_call(http_response=None, **_kw):
                    # The last HTTP exchange (fires for error responses too).
                    wire["status"] = getattr(http_response, "status_code", None)
                    wire["headers"] = dict(getattr(http_response, "headers", {}) or {})

                driver.session.register("after-call", after_call)
                # Share one model loader (and its parsed-JSON cache) across
                # calls: re-reading the service models is most of a call's cost.
                global _loader
                if _loader is None:
                    _loader = driver.session.get_component("data_loader")
                else:
                    driver.session.register_component("data_loader", _loader)
                rc = driver.main(argv)
        except SystemExit as e:  # argument errors
            rc = e.code if isinstance(e.code, int) else 2
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.calls += 1
        res = CliResult(argv, rc, out.getvalue(), err.getvalue())
        res.status = wire.get("status")
        res.headers = {k.lower(): v for k, v in wire.get("headers", {}).items()}
        if time.time() - started > float(os.environ.get("C1_SLOW_S", "2")):
            log("  slow: %.1f s for aws %s" % (time.time() - started, " ".join(argv)[:120]))
        if self.watch is not None:
            self.watch.check_alive(res)
        return res

    def run_binary(self, *argv, extra_env=None):
        """Through the `aws` executable, for the paths a user takes."""
        env = dict(self.env)
        env.update(extra_env or {})
        argv = ["aws"] + [str(a) for a in argv] + ["--output", "json"]
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        return CliResult(argv[1:], p.returncode, p.stdout, p.stderr)


class Checks:
    """Collects failures instead of stopping at the first."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.passed = 0

    def check(self, cond, what, detail=None):
        if cond:
            self.passed += 1
            return True
        msg = what if detail is None else "%s\n    %s" % (what, str(detail).replace("\n", "\n    "))
        self.failures.append(msg)
        log("  FAIL " + msg)
        return False

    def eq(self, got, want, what, detail=None):
        return self.check(got == want, "%s: got %r, want %r" % (what, got, want), detail)

    def ok(self, res, what):
        """A CLI call that must succeed with JSON output (or none)."""
        return self.check(res.rc == 0, what + " succeeded", res)

    def error(self, res, code, what, status=None):
        ok = self.check(res.rc != 0 and res.error_code == code,
                        "%s fails with %s (got rc %d, code %r)" % (what, code, res.rc, res.error_code), res)
        if ok and status is not None:
            ok = self.eq(res.status, status, "%s: HTTP status" % what)
        return ok

    def finish(self):
        for hook in finish_hooks:
            hook(self)
        if self.failures:
            log("%s: %d checks passed, %d FAILED:" % (self.name, self.passed, len(self.failures)))
            for f in self.failures:
                log(" - " + f)
            sys.exit(1)
        log("%s: all %d checks passed" % (self.name, self.passed))
        sys.exit(0)


def poll(fn, until, timeout_s, interval_s=0.1):
    """Call fn() until until(result) or the deadline; returns the last result."""
    end = time.time() + timeout_s
    res = fn()
    while not until(res) and time.time() < end:
        time.sleep(interval_s)
        res = fn()
    return res


def parse_aws_config(path):
    """{section name: {key: value}} of an AWS config/credentials file."""
    sections, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                cur = sections.setdefault(line[1:-1].strip(), {})
            elif "=" in line and cur is not None:
                k, v = line.split("=", 1)
                cur[k.strip()] = v.strip()
    return sections
