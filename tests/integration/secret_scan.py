#!/usr/bin/env python3
"""secret_scan: find secrets in what the test suite wrote (issue 10, item 6).

Every secret c1sim hands out carries SECRET_MARK (tests/sim/sim.h
SIM_SECRET_MARK): AWS secret keys (also the ones AssumeRole mints), session
tokens, the secret half of Cloud One API keys, Vision One tokens. So one grep
for the mark finds a leak of any of them, also of a secret the test never saw.
Secrets without the mark (forged keys a test makes up) are searched by value.

A finding names the file, the offset and which secret (or "the mark"), never
the secret: the bytes before the mark are shown because every secret form
starts its secret part with the mark (key ids and prefixes are public).

Files allowed to hold secrets, the inputs a test hands c1onboard:
- `c1sim gen`'s secrets.env and aws/credentials (the universe's secrets);
- the AWS CLI's own credential cache (HOME/.aws/cli/cache) in tests that
  drive the real AWS CLI as a reference: the CLI's file, not c1onboard's;
- paths listed in a HOLDERS_FILE in any scanned directory (secret files a
  test wrote for `file:` references; engine_lib.holds_secret adds them).
c1sim keeps no state file and its log must stay clean, so nothing of the
server is excluded.

As a program (the suite's last test, tests/CMakeLists.txt):
  secret_scan.py [--self-test] DIR_OR_FILE...   exit 0 clean, 1 with each finding listed.
--self-test first plants a marked secret and a forged one in a scratch folder
and fails unless the scan finds both (so a scan that finds nothing is not
mistaken for a clean suite). Test folders that still exist (C1_KEEP_TMP, a
killed test) are scanned too; the gen inputs in them are allowed as above.
"""

import os
import sys

SECRET_MARK = "sEcReTmArK"
HOLDERS_FILE = ".c1-secret-holders"
_CHUNK = 8 << 20


def _gen_input(path):
    """True for the secrets `c1sim gen` writes into a universe dir and the AWS CLI's cache."""
    d, base = os.path.split(path)
    if os.sep + os.path.join(".aws", "cli", "cache") + os.sep in path:
        return True
    if base == "secrets.env":
        return True
    return base == "credentials" and os.path.basename(d) == "aws" and \
        os.path.exists(os.path.join(os.path.dirname(d), "secrets.env"))


def _holders_in(root):
    out = set()
    for d, _dirs, files in os.walk(root, followlinks=False):
        if HOLDERS_FILE in files:
            with open(os.path.join(d, HOLDERS_FILE)) as f:
                out.update(os.path.normpath(os.path.join(d, line.strip())) for line in f if line.strip())
    return out


def _context(data, at):
    before = data[max(0, at - 24):at]
    return "".join(chr(b) if 32 <= b < 127 else "." for b in before)


def scan_bytes(data, secrets):
    """[(offset, what)] in one buffer: `secrets` is {value: label}; the first hit of each."""
    hits = []
    mark = SECRET_MARK.encode()
    at = data.find(mark)
    if at >= 0:
        hits.append((at, "the secret mark (after %r)" % _context(data, at)))
    for value, label in secrets.items():
        if SECRET_MARK in value:
            continue  # the mark finds it
        at = data.find(value.encode())
        if at >= 0:
            hits.append((at, label))
    return hits


def scan_file(path, secrets, findings):
    """Appends one finding per file (the first hit) to `findings`."""
    overlap = max([len(SECRET_MARK)] + [len(v) for v in secrets]) - 1
    try:
        with open(path, "rb") as f:
            start, tail = 0, b""  # start: file offset of tail's first byte
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    return
                hits = scan_bytes(tail + chunk, secrets)
                if hits:
                    at, what = min(hits)
                    findings.append("%s at offset %d: %s" % (path, start + at, what))
                    return
                buf_len = len(tail) + len(chunk)
                tail = (tail + chunk)[-overlap:]
                start += buf_len - len(tail)
    except OSError as e:
        findings.append("%s: cannot read (%s)" % (path, e.strerror))


def scan_tree(roots, secrets=None, holders=()):
    """Findings for every regular file under `roots` (files or dirs; symlinks not followed)."""
    secrets = secrets or {}
    findings = []
    for root in roots:
        if not os.path.lexists(root):
            continue
        allowed = set(os.path.normpath(h) for h in holders)
        if os.path.isdir(root) and not os.path.islink(root):
            allowed |= _holders_in(root)
            paths = (os.path.join(d, f) for d, _dirs, files in os.walk(root, followlinks=False) for f in files)
        else:
            paths = [root]
        for path in paths:
            norm = os.path.normpath(path)
            if norm in allowed or _gen_input(norm) or os.path.basename(norm) == HOLDERS_FILE:
                continue
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            scan_file(path, secrets, findings)
    return findings


def _self_test():
    import tempfile
    with tempfile.TemporaryDirectory(prefix="c1scan-self-") as d:
        os.makedirs(os.path.join(d, "u", "aws"))
        with open(os.path.join(d, "u", "secrets.env"), "w") as f:
            f.write("C1_API_KEY_T1=c1simus1000000000001:%s0\n" % SECRET_MARK)
        with open(os.path.join(d, "u", "aws", "credentials"), "w") as f:
            f.write("aws_secret_access_key = %s0\n" % SECRET_MARK)
        with open(os.path.join(d, "report.json"), "wb") as f:
            f.write(b"x" * (_CHUNK - 3) + ("%s0" % SECRET_MARK).encode())
        with open(os.path.join(d, "run.err"), "w") as f:
            f.write("error: key FORGED-0123456789 refused\n")
        got = scan_tree([d], {"FORGED-0123456789": "a forged key"})
        want = ["%s at offset %d: the secret mark" % (os.path.join(d, "report.json"), _CHUNK - 3),
                "%s at offset 11: a forged key" % os.path.join(d, "run.err")]
        if sorted(g.split(" (after")[0] for g in got) != sorted(want):
            print("secret_scan: self-test failed: found %r, want %r" % (got, want))
            return False
    return True


def main(argv):
    if argv[:1] == ["--self-test"]:
        argv = argv[1:]
        if not _self_test():
            return 1
    if not argv:
        print("usage: secret_scan.py [--self-test] DIR_OR_FILE...", file=sys.stderr)
        return 64
    findings = scan_tree(argv)
    for f in findings:
        print("SECRET LEAK: " + f)
    print("secret_scan: %d finding(s) under %s" % (len(findings), ", ".join(argv)))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
