#!/usr/bin/env python3
"""Conformance: the real AWS CLI (and curl for Cloud One / Vision One)
against c1sim, the way a user meets it: `c1sim gen 5 DIR`, a server on port
0, `source DIR/env.sh`, then one generated account's profile (which assumes
OrganizationAccountAccessRole from the msp profile). Asserts on the CLI's
parsed JSON output and on GET /_sim/state.

Run by ctest (integration.sim_conformance_awscli); C1SIM names the binary.
Exit 0 pass, 1 fail, 77 skip (no aws CLI).
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simtest  # noqa: E402
from simtest import Checks, log, poll  # noqa: E402

# A small template: an IAM role with a fixed name (needs CAPABILITY_NAMED_IAM),
# a parameter, and an output through Fn::GetAtt.
TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "c1sim conformance: one named role",
    "Parameters": {"RoleName": {"Type": "String"}, "ExternalId": {"Type": "String", "Default": "conf-ext-1"}},
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": {"Ref": "RoleName"},
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::999900000000:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
                    }],
                },
            },
        }
    },
    "Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}}},
}

IN_PROGRESS = re.compile(r"_IN_PROGRESS$")
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def stack_status(res):
    try:
        return res.json["Stacks"][0]["StackStatus"]
    except (TypeError, KeyError, IndexError):
        return None


def curl(method, url, headers):
    """(status, parsed JSON or raw text) through the curl binary."""
    argv = ["curl", "-sS", "-X", method, "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"]
    for h in headers:
        argv += ["-H", h]
    p = subprocess.run(argv + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    body, _, code = p.stdout.rpartition("\n")
    try:
        doc = json.loads(body) if body.strip() else None
    except ValueError:
        doc = body
    return int(code or 0), doc


def main():
    simtest.need_tools("aws", "curl")
    t = Checks("conformance_awscli")
    work = simtest.tmpdir("c1sim-conf-")
    universe = os.path.join(work, "u")
    home = os.path.join(work, "home")
    os.makedirs(home)

    # ---- gen ----
    gen = subprocess.run([simtest.c1sim_path(), "gen", "5", universe], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=30)
    if not t.eq(gen.returncode, 0, "c1sim gen 5 DIR exit code", gen.stdout):
        t.finish()
    for name in ("accounts.csv", "aws/config", "aws/credentials", "secrets.env", "env.sh"):
        t.check(os.path.isfile(os.path.join(universe, name)), "gen wrote %s" % name)
    for name in ("aws/credentials", "secrets.env"):
        path = os.path.join(universe, name)
        if os.path.exists(path):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            t.eq(oct(mode), oct(0o600), "%s permissions" % name)

    sim = simtest.Sim(universe, "--time-scale", "0.01", "--seed", "7")

    # ---- source env.sh (a live server answers: it must reuse it) ----
    base = simtest.clean_env(home)
    sourced = subprocess.run(["bash", "-c", 'source "$1" >/dev/null && env -0', "bash",
                              os.path.join(universe, "env.sh")], env=base, stdout=subprocess.PIPE)
    env = {}
    for item in sourced.stdout.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            env[k.decode()] = v.decode()
    t.eq(sourced.returncode, 0, "source env.sh")
    t.eq(env.get("AWS_ENDPOINT_URL"), sim.url, "env.sh AWS_ENDPOINT_URL")
    t.eq(env.get("C1_ENDPOINT_URL"), sim.url, "env.sh C1_ENDPOINT_URL")
    t.eq(env.get("V1_ENDPOINT_URL"), sim.url, "env.sh V1_ENDPOINT_URL")
    t.eq(env.get("AWS_PROFILE"), "msp", "env.sh AWS_PROFILE")
    t.check(env.get("AWS_DEFAULT_REGION"), "env.sh exports AWS_DEFAULT_REGION (docs/simulator.md)")
    t.eq(env.get("AWS_CONFIG_FILE"), os.path.join(universe, "aws", "config"), "env.sh AWS_CONFIG_FILE")
    t.eq(env.get("AWS_SHARED_CREDENTIALS_FILE"), os.path.join(universe, "aws", "credentials"),
         "env.sh AWS_SHARED_CREDENTIALS_FILE")
    t.check(not os.path.exists(os.path.join(universe, "c1sim.pid")),
            "env.sh started no second c1sim while one answered on DIR/c1sim.port")
    env["HOME"] = home
    aws = simtest.AwsCli(env, watch=sim)

    config = simtest.parse_aws_config(os.path.join(universe, "aws", "config"))
    accounts = sorted(s[len("profile acct-"):] for s in config if s.startswith("profile acct-"))
    t.eq(len(accounts), 5, "acct-<id> profiles in aws/config")
    if not accounts:
        t.finish()
    acct = accounts[0]
    profile = "acct-" + acct
    region = config["profile " + profile].get("region") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    role_arn = "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acct
    cfn = ["cloudformation", "--profile", profile, "--region", region]

    # ---- STS ----
    res = aws("sts", "get-caller-identity")
    if t.ok(res, "sts get-caller-identity (msp)"):
        t.eq(res.json.get("Account"), "999900000000", "msp Account")
        t.check(re.match(r"^arn:aws:iam::999900000000:user/", res.json.get("Arn", "")), "msp Arn is an IAM user",
                res.json)
        t.check(isinstance(res.json.get("UserId"), str) and res.json["UserId"], "msp UserId", res.json)

    res = aws("sts", "get-caller-identity", "--profile", profile)
    if t.ok(res, "sts get-caller-identity (%s, assumes the role from msp)" % profile):
        t.eq(res.json.get("Account"), acct, "assumed Account")
        t.check(res.json.get("Arn", "").startswith(
            "arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/" % acct), "assumed-role Arn", res.json)
        t.check(re.match(r"^AROA[A-Z0-9]+:.+", res.json.get("UserId", "")), "assumed UserId is AROA...:session",
                res.json)

    res = aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "conformance")
    if t.ok(res, "sts assume-role"):
        c = res.json.get("Credentials", {})
        t.check(re.match(r"^ASIA[A-Z0-9]{16}$", c.get("AccessKeyId", "")), "AccessKeyId is ASIA + 16", c.get(
            "AccessKeyId"))
        t.check(len(c.get("SecretAccessKey", "")) == 40, "SecretAccessKey has 40 chars")
        t.check(bool(c.get("SessionToken")), "SessionToken present")
        t.check(ISO_TIME.match(c.get("Expiration", "")), "Expiration is a timestamp", c.get("Expiration"))
        t.eq(res.json.get("AssumedRoleUser", {}).get("Arn"),
             "arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/conformance" % acct, "AssumedRoleUser.Arn")
        t.check(res.json.get("AssumedRoleUser", {}).get("AssumedRoleId", "").endswith(":conformance"),
                "AssumedRoleId ends with :session", res.json.get("AssumedRoleUser"))
        session = aws.with_env(AWS_PROFILE=None, AWS_ACCESS_KEY_ID=c.get("AccessKeyId"),
                               AWS_SECRET_ACCESS_KEY=c.get("SecretAccessKey"), AWS_SESSION_TOKEN=c.get("SessionToken"))
        res2 = session("sts", "get-caller-identity", "--region", region)
        if t.ok(res2, "get-caller-identity with the session credentials"):
            t.eq(res2.json.get("Account"), acct, "session Account")
        token = c.get("SessionToken", "")
        forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
        res2 = session.with_env(AWS_SESSION_TOKEN=forged)("sts", "get-caller-identity", "--region", region)
        t.error(res2, "InvalidClientTokenId", "a forged session token", 403)

    # ---- negative auth: wrong secret, unknown key ----
    creds_path = os.path.join(universe, "aws", "credentials")
    creds = simtest.parse_aws_config(creds_path)
    msp = creds.get("msp", {})
    t.check(msp.get("aws_access_key_id", "").startswith("AKIA999900000000"), "msp key id is AKIA + MSP account",
            msp.get("aws_access_key_id"))
    bad = os.path.join(work, "credentials.badsecret")
    secret = msp.get("aws_secret_access_key", "x" * 40)
    with open(bad, "w") as f:
        f.write("[msp]\naws_access_key_id = %s\naws_secret_access_key = %s\n" %
                (msp.get("aws_access_key_id", ""), ("A" if secret[0] != "A" else "B") + secret[1:]))
    res = aws.with_env(AWS_SHARED_CREDENTIALS_FILE=bad)("sts", "get-caller-identity")
    t.error(res, "SignatureDoesNotMatch", "a request signed with a wrong secret", 403)
    res = aws.with_env(AWS_SHARED_CREDENTIALS_FILE=bad)(*cfn[:1], "describe-stacks", "--profile", "msp")
    t.error(res, "SignatureDoesNotMatch", "CloudFormation signed with a wrong secret", 403)
    unknown = os.path.join(work, "credentials.unknown")
    with open(unknown, "w") as f:
        f.write("[msp]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    res = aws.with_env(AWS_SHARED_CREDENTIALS_FILE=unknown)("sts", "get-caller-identity")
    t.error(res, "InvalidClientTokenId", "an unknown access key", 403)

    # ---- CloudFormation: create / describe / events / resources / template ----
    stack = "conf-role"
    role_name = "c1sim-conf-%s" % acct
    tpl = json.dumps(TEMPLATE)
    params = ["--parameters", "ParameterKey=RoleName,ParameterValue=" + role_name]
    res = aws(*cfn, "create-stack", "--stack-name", "conf-nocaps", "--template-body", tpl, *params)
    t.error(res, "InsufficientCapabilitiesException", "create-stack of a named IAM role without capabilities",
            400)

    res = aws(*cfn, "create-stack", "--stack-name", stack, "--template-body", tpl, *params,
              "--capabilities", "CAPABILITY_NAMED_IAM")
    stack_id = None
    if t.ok(res, "create-stack"):
        stack_id = res.json.get("StackId", "")
        t.check(re.match(r"^arn:aws:cloudformation:%s:%s:stack/%s/[0-9a-f-]{36}$" % (region, acct, stack), stack_id),
                "StackId is a stack ARN with a UUID", stack_id)
    res = aws(*cfn, "create-stack", "--stack-name", stack, "--template-body", tpl, *params,
              "--capabilities", "CAPABILITY_NAMED_IAM")
    t.error(res, "AlreadyExistsException", "a duplicate create-stack", 400)

    res = poll(lambda: aws(*cfn, "describe-stacks", "--stack-name", stack),
               lambda r: r.rc != 0 or not IN_PROGRESS.search(stack_status(r) or ""), 20, 0.2)
    if t.ok(res, "describe-stacks") and t.eq(stack_status(res), "CREATE_COMPLETE", "stack status"):
        s = res.json["Stacks"][0]
        t.eq(s.get("StackName"), stack, "StackName")
        t.eq(s.get("StackId"), stack_id, "StackId")
        t.check(ISO_TIME.match(s.get("CreationTime", "")), "CreationTime is a timestamp", s.get("CreationTime"))
        got = {p.get("ParameterKey"): p.get("ParameterValue") for p in s.get("Parameters", [])}
        t.eq(got, {"RoleName": role_name, "ExternalId": "conf-ext-1"}, "Parameters echoed (with the default)")
        outs = {o.get("OutputKey"): o.get("OutputValue") for o in s.get("Outputs", [])}
        t.eq(outs, {"RoleArn": "arn:aws:iam::%s:role/%s" % (acct, role_name)}, "Outputs")
        t.eq(s.get("Capabilities"), ["CAPABILITY_NAMED_IAM"], "Capabilities echoed")
        t.check(res.headers.get("x-amzn-requestid"), "Query responses carry x-amzn-RequestId", res.headers)
        t.check(res.headers.get("content-type", "").startswith("text/xml"), "Query responses are text/xml",
                res.headers.get("content-type"))
    res = aws(*cfn, "wait", "stack-create-complete", "--stack-name", stack)
    t.ok(res, "wait stack-create-complete (the CLI waiter's acceptors)")

    res = aws(*cfn, "describe-stack-events", "--stack-name", stack)
    if t.ok(res, "describe-stack-events"):
        ev = res.json.get("StackEvents", [])
        seq = [(e.get("LogicalResourceId"), e.get("ResourceStatus")) for e in reversed(ev)]
        want = [(stack, "CREATE_IN_PROGRESS"), ("Role", "CREATE_IN_PROGRESS"), ("Role", "CREATE_COMPLETE"),
                (stack, "CREATE_COMPLETE")]
        it = iter(seq)
        t.check(all(w in it for w in want), "events, oldest first, run stack -> Role -> stack", seq)
        stamps = [e.get("Timestamp", "") for e in ev]
        t.check(stamps == sorted(stamps, reverse=True), "events are newest first", stamps)
        for e in ev:
            missing = [k for k in ("StackId", "EventId", "StackName", "LogicalResourceId", "ResourceType",
                                   "Timestamp", "ResourceStatus") if k not in e]
            if not t.check(not missing, "every event carries the required members", (missing, e)):
                break
        first = ev[-1] if ev else {}
        t.eq(first.get("ResourceStatusReason"), "User Initiated", "first event's ResourceStatusReason")
        roles = [e for e in ev if e.get("LogicalResourceId") == "Role"]
        t.check(all(e.get("ResourceType") == "AWS::IAM::Role" for e in roles) and roles, "Role events' type", roles)

    res = aws(*cfn, "describe-stack-resources", "--stack-name", stack)
    if t.ok(res, "describe-stack-resources"):
        rs = res.json.get("StackResources", [])
        t.eq([(r.get("LogicalResourceId"), r.get("ResourceType"), r.get("ResourceStatus"),
               r.get("PhysicalResourceId")) for r in rs],
             [("Role", "AWS::IAM::Role", "CREATE_COMPLETE", role_name)], "stack resources")

    res = aws(*cfn, "get-template", "--stack-name", stack)
    if t.ok(res, "get-template"):
        body = res.json.get("TemplateBody")
        if isinstance(body, str):
            body = json.loads(body)
        t.eq(body, TEMPLATE, "TemplateBody round-trips")

    # ---- /_sim/state agrees with what the CLI saw ----
    state = sim.state()
    mine = [s for s in state.get("stacks", []) if s.get("name") == stack and s.get("account_id") == acct]
    if t.eq(len(mine), 1, "state.stacks has the stack once for the account"):
        s = mine[0]
        t.eq(s.get("region"), region, "state stack region")
        t.eq(s.get("status"), "CREATE_COMPLETE", "state stack status")
        t.check(json.dumps(s.get("parameters")).find(role_name) >= 0, "state stack parameters carry RoleName",
                s.get("parameters"))
        t.check(json.dumps(s.get("outputs")).find("role/" + role_name) >= 0, "state stack outputs carry RoleArn",
                s.get("outputs"))
    t.check("requests" in state and json.dumps(state["requests"]).find("CreateStack") >= 0,
            "state.requests counts CreateStack", str(state.get("requests"))[:500])

    # ---- drift: in sync, then a modified resource ----
    def detect():
        r = aws(*cfn, "detect-stack-drift", "--stack-name", stack)
        if not t.ok(r, "detect-stack-drift"):
            return None
        did = r.json.get("StackDriftDetectionId", "")
        t.check(0 < len(did) <= 36, "StackDriftDetectionId has 1..36 chars", did)
        r = poll(lambda: aws(*cfn, "describe-stack-drift-detection-status", "--stack-drift-detection-id", did),
                 lambda x: x.rc != 0 or (x.json or {}).get("DetectionStatus") != "DETECTION_IN_PROGRESS", 20, 0.2)
        if t.ok(r, "describe-stack-drift-detection-status"):
            t.eq(r.json.get("DetectionStatus"), "DETECTION_COMPLETE", "DetectionStatus")
            t.eq(r.json.get("StackId"), stack_id, "drift status StackId")
            t.eq(r.json.get("StackDriftDetectionId"), did, "drift status echoes the id")
            return r.json
        return None

    d = detect()
    if d:
        t.eq(d.get("StackDriftStatus"), "IN_SYNC", "fresh stack is IN_SYNC")
        t.eq(d.get("DriftedStackResourceCount"), 0, "DriftedStackResourceCount when in sync")
    res = aws(*cfn, "describe-stack-resource-drifts", "--stack-name", stack)
    if t.ok(res, "describe-stack-resource-drifts"):
        t.eq([(x.get("LogicalResourceId"), x.get("StackResourceDriftStatus"))
              for x in res.json.get("StackResourceDrifts", [])], [("Role", "IN_SYNC")], "resource drifts in sync")
    status, _, body = sim.post("/_sim/drift", {"kind": "stack_resource_modified", "account_id": acct,
                                               "region": region, "stack": stack})
    t.eq(status, 200, "POST /_sim/drift stack_resource_modified", body[:300])
    d = detect()
    if d:
        t.eq(d.get("StackDriftStatus"), "DRIFTED", "StackDriftStatus after drift")
        t.eq(d.get("DriftedStackResourceCount"), 1, "DriftedStackResourceCount after drift")
    res = aws(*cfn, "describe-stack-resource-drifts", "--stack-name", stack,
              "--stack-resource-drift-status-filters", "MODIFIED", "DELETED")
    if t.ok(res, "describe-stack-resource-drifts (filtered)"):
        drifts = res.json.get("StackResourceDrifts", [])
        t.eq([(x.get("LogicalResourceId"), x.get("StackResourceDriftStatus")) for x in drifts],
             [("Role", "MODIFIED")], "resource drifts after drift")
        for x in drifts:
            t.check(isinstance(x.get("ExpectedProperties"), str) and isinstance(x.get("ActualProperties"), str),
                    "Expected/ActualProperties are JSON strings", x)
            diffs = x.get("PropertyDifferences", [])
            t.check(diffs and all(p.get("DifferenceType") in ("ADD", "REMOVE", "NOT_EQUAL") for p in diffs),
                    "PropertyDifferences with a DifferenceType", diffs)

    # ---- delete ----
    res = aws(*cfn, "delete-stack", "--stack-name", stack)
    t.ok(res, "delete-stack")
    if stack_id:
        res = poll(lambda: aws(*cfn, "describe-stacks", "--stack-name", stack_id),
                   lambda r: r.rc != 0 or not IN_PROGRESS.search(stack_status(r) or ""), 20, 0.2)
        t.eq(stack_status(res), "DELETE_COMPLETE", "a deleted stack by StackId", res)
    res = aws(*cfn, "describe-stacks", "--stack-name", stack)
    t.error(res, "ValidationError", "describe-stacks of a deleted stack by name", 400)
    t.check("Stack with id %s does not exist" % stack in res.err, "ValidationError message names the stack", res)
    res = aws(*cfn, "wait", "stack-delete-complete", "--stack-name", stack)
    t.ok(res, "wait stack-delete-complete")
    res = aws(*cfn, "describe-stacks", "--stack-name", "no-such-stack")
    t.error(res, "ValidationError", "describe-stacks of a missing stack", 400)
    res = aws(*cfn, "delete-stack", "--stack-name", "no-such-stack")
    t.ok(res, "delete-stack of a missing stack is a no-op (as in AWS)")

    # ---- S3: the convention bucket, the us-east-1 quirk, a missing bucket ----
    s3 = ["s3api", "--profile", profile]
    for breg in ("us-east-1", "eu-west-1"):
        bucket = "c1sim-ct-%s-%s" % (acct, breg)
        res = aws(*s3, "--region", breg, "head-bucket", "--bucket", bucket)
        if t.ok(res, "head-bucket " + bucket):
            t.eq(res.headers.get("x-amz-bucket-region"), breg, "head-bucket x-amz-bucket-region header")
            t.check(res.headers.get("x-amz-request-id"), "S3 responses carry x-amz-request-id", res.headers)
        res = aws(*s3, "--region", breg, "get-bucket-location", "--bucket", bucket)
        if t.ok(res, "get-bucket-location " + bucket):
            want = None if breg == "us-east-1" else breg
            t.eq(res.json.get("LocationConstraint"), want, "LocationConstraint of a %s bucket" % breg)
    other = "c1sim-ct-%s-us-east-1" % accounts[1]
    res = aws(*s3, "head-bucket", "--bucket", other)
    t.error(res, "403", "head-bucket of another account's bucket", 403)
    res = aws(*s3, "get-bucket-location", "--bucket", other)
    t.error(res, "AccessDenied", "get-bucket-location of another account's bucket", 403)
    res = aws(*s3, "head-bucket", "--bucket", "c1sim-no-such-bucket-%s" % acct)
    t.error(res, "404", "head-bucket of a missing bucket", 404)
    res = aws(*s3, "get-bucket-location", "--bucket", "c1sim-no-such-bucket-%s" % acct)
    t.error(res, "NoSuchBucket", "get-bucket-location of a missing bucket", 404)

    # ---- CloudTrail ----
    res = aws("cloudtrail", "--profile", profile, "--region", region, "describe-trails")
    if t.ok(res, "cloudtrail describe-trails"):
        t.check(isinstance(res.json.get("trailList"), list), "trailList is a list", res.json)
        t.eq(res.headers.get("content-type"), "application/x-amz-json-1.1", "CloudTrail Content-Type")
        t.check(res.headers.get("x-amzn-requestid"), "JSON responses carry x-amzn-RequestId", res.headers)
        for tr in res.json.get("trailList", []):
            t.check(tr.get("Name") and tr.get("TrailARN", "").startswith("arn:aws:cloudtrail:"),
                    "trail has Name and TrailARN", tr)
            r2 = aws("cloudtrail", "--profile", profile, "--region", region, "get-trail-status", "--name",
                     tr.get("TrailARN", ""))
            if t.ok(r2, "get-trail-status"):
                t.check(isinstance(r2.json.get("IsLogging"), bool), "IsLogging is a boolean", r2.json)
    res = aws("cloudtrail", "--profile", profile, "--region", region, "get-trail-status", "--name", "no-such-trail")
    t.error(res, "TrailNotFoundException", "get-trail-status of a missing trail", 400)

    # ---- Cloud One and Vision One REST with the generated keys (curl) ----
    secrets = {}
    with open(os.path.join(universe, "secrets.env")) as f:
        for line in f:
            m = re.match(r"^(?:export\s+)?([A-Z0-9_]+)=['\"]?([^'\"\n]*)", line)
            if m:
                secrets[m.group(1)] = m.group(2)
    key = secrets.get("C1_API_KEY_T1") or next((v for k, v in sorted(secrets.items()) if k.startswith("C1_API_KEY")),
                                                "")
    t.check(":" in key, "secrets.env has a C1_API_KEY_T<k> of the form id:secret")
    key_id = key.split(":", 1)[0]
    c1 = env.get("C1_ENDPOINT_URL", sim.url)
    code, doc = curl("GET", "%s/api/apikeys/%s" % (c1, key_id), ["Authorization: ApiKey " + key, "api-version: v1"])
    if t.eq(code, 200, "GET /api/apikeys/{id}", doc):
        urn = doc.get("urn", "") if isinstance(doc, dict) else ""
        m = re.match(r"^urn:cloudone:identity:([a-z]+-\d):(\d{12}):apikey/(.+)$", urn)
        t.check(m and m.group(3) == key_id, "urn is urn:cloudone:identity:<region>:<account>:apikey/<id>", urn)
        t.eq(doc.get("id"), key_id, "apikey id")
    code, doc = curl("GET", "%s/api/apikeys/%s" % (c1, key_id),
                     ["Authorization: ApiKey %s:%s" % (key_id, "0" * 32), "api-version: v1"])
    t.eq(code, 401, "GET /api/apikeys with a bad secret", doc)
    t.check(isinstance(doc, dict) and isinstance(doc.get("message"), str), "401 body has a message", doc)
    code, doc = curl("GET", c1 + "/api/awsconnectorsettings", ["Authorization: ApiKey " + key, "api-version: v1"])
    if t.eq(code, 200, "GET /api/awsconnectorsettings", doc):
        t.check(isinstance(doc, dict) and isinstance(doc.get("externalId"), str) and doc["externalId"],
                "awsconnectorsettings externalId", doc)
    v1tok = secrets.get("V1_TOKEN_T1", "")
    t.check(v1tok.startswith("v1sim."), "secrets.env has V1_TOKEN_T1")
    v1 = env.get("V1_ENDPOINT_URL", sim.url)
    code, doc = curl("POST", v1 + "/v1.0/preview/uic/instances/enrollment",
                     ["Authorization: Bearer v1sim.00000000.sEcReTmArK" + "0" * 32, "Content-Type: application/json"])
    t.eq(code, 401, "Vision One enrollment with a bad token", doc)

    # ---- the "done when": the `aws` executable lists the stacks ----
    res = aws.run_binary(*cfn, "list-stacks")
    if t.ok(res, "`aws cloudformation list-stacks` (executable, env.sh environment)"):
        names = [(s.get("StackName"), s.get("StackStatus")) for s in res.json.get("StackSummaries", [])]
        t.check((stack, "DELETE_COMPLETE") in names, "list-stacks shows the deleted stack", names)
    res = aws.run_binary("cloudformation", "describe-stacks", "--profile", profile)
    t.ok(res, "`aws cloudformation describe-stacks` (executable)")

    problem = sim.stop()
    t.check(problem is None, "c1sim ends cleanly on SIGTERM", problem)
    log("%d AWS CLI calls" % aws.calls)
    t.finish()


if __name__ == "__main__":
    main()
