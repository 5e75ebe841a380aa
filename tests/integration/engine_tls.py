#!/usr/bin/env python3
"""engine_tls: c1onboard against a c1sim that serves HTTPS (--tls-cert/--tls-key)
with a certificate from a throwaway CA this test makes with the openssl CLI.

1. apply without --ca-bundle: the system trust store does not know the CA, so
   every call is refused at the TLS handshake; the run fails (exit 1) with a
   certificate error in the report and nothing reaches c1sim (no request, no
   resource).
2. apply with --ca-bundle CA.pem on the same state dir: every account is
   onboarded (checked in c1sim's state).
3. Plain http to a non-loopback address in any endpoint override
   (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, C1_ENDPOINT_URL, V1_ENDPOINT_URL)
   is refused before any change: exit 78, the message names the variable,
   and c1sim sees no request."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

if not shutil.which("openssl"):
    el.skip("the openssl command line tool is not installed (Debian: apt-get install openssl)")

chk = el.Checks("engine_tls")
u = el.Universe(4, tenants=2, seed=31, prefix="c1eng-tls-")
tls_dir = os.path.join(u.root, "tls")
os.makedirs(tls_dir)


def openssl(*args):
    p = subprocess.run(["openssl"] + list(args), cwd=tls_dir, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        el.log("FAIL: openssl %s: %s" % (" ".join(args), p.stdout))
        sys.exit(1)


# A CA, and a server certificate it signs for the names clients use.
openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=c1sim test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
with open(os.path.join(tls_dir, "server.ext"), "w") as f:
    f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            "basicConstraints=CA:FALSE\n")
openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
ca = os.path.join(tls_dir, "ca.pem")

eng = el.Engine(u, time_scale="0.005", tls=(os.path.join(tls_dir, "server.pem"),
                                            os.path.join(tls_dir, "server.key"), ca))
chk.check(eng.sim.url.startswith("https://127.0.0.1:"), "c1sim serves https", eng.sim.url)
chk.eq(eng.env.get("AWS_ENDPOINT_URL"), eng.sim.url, "env.sh points c1onboard at the https c1sim")
# Only the trust store may decide: no variable may hand libcurl another CA.
for var in ("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"):
    eng.env.pop(var, None)


def requests_total(state):
    return sum(c.get("count", 0) for c in state.get("requests", []))


def resources(state):
    return {k: len(state.get(k, [])) for k in
            ("stacks", "ws_connectors", "cloud_accounts", "cloudtrail_integrations", "visionone_links")}


nothing = {k: 0 for k in ("stacks", "ws_connectors", "cloud_accounts", "cloudtrail_integrations",
                          "visionone_links")}

# 1. The CA is unknown to the system store: refused, nothing sent.
before = eng.state()
run = eng.run("apply", "-j", "4")
el.check_sanitizers(chk, run, "apply without --ca-bundle")
chk.eq(run.rc, 1, "apply without --ca-bundle exits 1", run)
statuses = run.statuses()
chk.check(statuses and all(s in ("failed", "invalid") for s in statuses.values()),
          "apply without --ca-bundle: no account succeeded", statuses)
text = run.out + run.err + repr(run.report)
el.log("  says: %s" % next((ln for ln in run.err.splitlines() if "certificate" in ln), "(nothing)"))
chk.check("certificate" in text.lower(), "apply without --ca-bundle names the certificate problem",
          run.err[-2000:])
chk.check("--ca-bundle" in text, "apply without --ca-bundle says to give --ca-bundle", run.err[-2000:])
for a in (run.report or {}).get("accounts", []):
    msgs = [(s.get("error") or {}).get("message") or "" for s in a.get("steps", [])]
    chk.check(any("certificate" in m and "--ca-bundle" in m for m in msgs),
              "apply without --ca-bundle: the report says why %s failed and how to fix it" % a.get("account_id"),
              msgs)
after = eng.state()
chk.eq(resources(after), nothing, "apply without --ca-bundle created nothing in c1sim")
chk.eq(requests_total(after) - requests_total(before), 0,
       "apply without --ca-bundle: no request got through the handshake")

# 2. Trusting the test CA: every account onboarded.
_, state = el.apply_all(chk, eng, u, "apply with --ca-bundle", "-j", "4", "--ca-bundle", ca)
chk.eq(len(state.get("visionone_links", [])), 2, "both tenants linked to Vision One")

# 3. Plain http to a host that is not loopback is refused up front.
env_https = dict(eng.env)
for var, url in (("AWS_ENDPOINT_URL", "http://192.0.2.1:1"),
                 ("AWS_ENDPOINT_URL_STS", "http://192.0.2.1:1"),
                 ("C1_ENDPOINT_URL", "http://cloudone.example.test:8080"),
                 ("V1_ENDPOINT_URL", "http://192.0.2.1:1")):
    eng.env = dict(env_https, **{var: url})
    before = eng.state()
    run = eng.run("apply", "-j", "4", "--ca-bundle", ca, timeout=60)
    label = "apply with %s=%s" % (var, url)
    el.check_sanitizers(chk, run, label)
    chk.eq(run.rc, 78, "%s exits 78 (configuration error)" % label, run)
    el.log("  says: %s" % (run.err.strip().splitlines() or ["(nothing)"])[-1])
    chk.check(var in run.err, "%s: the error names %s" % (label, var), run.err[-1500:])
    chk.check("https://" in run.err and "loopback" in run.err,
              "%s: the error says to use https:// (http only for loopback)" % label, run.err[-1500:])
    chk.check(run.elapsed < 20, "%s: refused at once, no connection attempted (%.1f s)" % (label, run.elapsed))
    chk.eq(el.counter_delta(before, eng.state()), {}, "%s: c1sim saw no request" % label)
eng.env = env_https

eng.stop(chk)
chk.finish()
