#!/usr/bin/env python3
"""Differential: the same AWS CLI commands against c1sim and against moto
(moto_server, an independent AWS emulator), comparing the *shape* of the
parsed responses: members present, their JSON types, and status values.

Each difference is judged against botocore's service model (the output shape
the real AWS API is generated from): a member c1sim returns that AWS does not
define, a required member it omits, a wrong type or a value outside the
member's enum is a c1sim bug; a member only moto returns must be listed in
ALLOWED with the reason (docs/sim-fidelity.md repeats the list). Every c1sim
response is also validated against the model on its own, which covers the
operations moto does not implement (drift detection).

Run by ctest (integration.sim_differential_moto); C1SIM names the binary.
Exit 0 pass, 1 fail, 77 skip (no aws CLI or no moto_server).
"""

import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simtest  # noqa: E402
from simtest import Checks, log, poll  # noqa: E402

MOTO_ACCOUNT = "123456789012"
REGION = "us-east-1"

# (operation, member path, which side has it) -> why the difference is
# acceptable. Paths use "[]" for list elements. Keep docs/sim-fidelity.md in step.
ALLOWED = {
    # moto's STS fills PackedPolicySize even without a session policy; AWS
    # sends it only when a policy was passed.
    ("AssumeRole", "PackedPolicySize", "moto"):
        "optional; AWS returns it only for a session policy, c1onboard sends none",
    ("GetTrailStatus", "LatestDeliveryAttemptSucceeded", "moto"):
        "deprecated string twin of LatestDeliveryTime; optional, c1onboard reads IsLogging only",
    ("GetTrailStatus", "LatestDeliveryAttemptTime", "moto"):
        "deprecated string twin of LatestDeliveryTime; optional, c1onboard reads IsLogging only",
    ("GetTrailStatus", "LatestNotificationAttemptSucceeded", "moto"):
        "deprecated string twin of LatestNotificationTime; optional, c1onboard reads IsLogging only",
    ("GetTrailStatus", "LatestNotificationAttemptTime", "moto"):
        "deprecated string twin of LatestNotificationTime; optional, c1onboard reads IsLogging only",
    ("GetTrailStatus", "TimeLoggingStarted", "moto"):
        "deprecated string twin of StartLoggingTime; optional, c1onboard reads IsLogging only",
    ("GetTrailStatus", "TimeLoggingStopped", "moto"):
        "deprecated string twin of StopLoggingTime; optional, c1onboard reads IsLogging only",
}

# (operation, member path) whose values may differ, and why.
ALLOWED_VALUES = {
    ("DescribeStackEvents", "StackEvents[].LogicalResourceId"):
        "moto emits only the stack's own events; AWS (and c1sim) add one pair per resource",
    ("DescribeStackEvents", "StackEvents[].ResourceType"):
        "moto emits only the stack's own events; AWS (and c1sim) add one pair per resource",
}

USED = set()  # allow-list entries this run needed; the rest are reported stale

# Members whose *values* must agree too (enums that drive control flow),
# compared as sets per operation. moto-side values are in the model's enum.
VALUE_MEMBERS = {"StackStatus", "ResourceStatus", "ResourceType", "LogicalResourceId", "LocationConstraint",
                 "IsLogging", "IsMultiRegionTrail", "OutputKey", "ParameterKey", "BucketRegion"}

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "c1sim differential: one named role",
    "Parameters": {"RoleName": {"Type": "String"}, "Revision": {"Type": "String", "Default": "1"}},
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": {"Ref": "RoleName"},
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999900000000:root"},
                                   "Action": "sts:AssumeRole"}],
                },
            },
        }
    },
    "Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}}},
}

# c1sim creates its trail through a stack (its CloudTrail module only knows
# trails that stacks made); moto through the CloudTrail API.
TRAIL_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"BucketName": {"Type": "String"}},
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "BucketName"}}},
        "Trail": {"Type": "AWS::CloudTrail::Trail", "DependsOn": "Bucket",
                  "Properties": {"TrailName": "difftrail", "S3BucketName": {"Ref": "BucketName"},
                                 "IsLogging": True, "IsMultiRegionTrail": True}},
    },
}


# ---------------------------------------------------------------- model ----

# CLI command name -> botocore service name, where they differ.
SERVICE_MODEL = {"s3api": "s3"}


class Model:
    """Output shapes of botocore's service models, walked by member path."""

    def __init__(self):
        import botocore.session
        from botocore import xform_name
        self._session = botocore.session.get_session()
        self._xform = xform_name
        self._models = {}

    def op(self, service, cli_name):
        if service not in self._models:
            self._models[service] = self._session.get_service_model(service)
        m = self._models[service]
        for name in m.operation_names:
            if self._xform(name, "-") == cli_name:
                return m.operation_model(name)
        raise KeyError("%s %s" % (service, cli_name))


def _type_ok(shape, value, member):
    t = shape.type_name
    if t == "structure":
        return isinstance(value, dict)
    if t in ("list",):
        return isinstance(value, list)
    if t == "map":
        return isinstance(value, dict)
    if t == "boolean":
        return isinstance(value, bool)
    if t in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if t in ("double", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "timestamp":
        # The CLI prints the wire form: ISO text for XML, epoch number for JSON.
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if t == "string":
        # botocore decodes CloudFormation's TemplateBody into an object.
        return isinstance(value, str) or (member == "TemplateBody" and isinstance(value, dict))
    return True


def validate(shape, value, path, problems, member=""):
    """Problems of `value` (parsed CLI output) against a botocore shape."""
    if value is None:
        return
    if not _type_ok(shape, value, member):
        problems.append("%s: %s where the model says %s" % (path or "<top>", type(value).__name__,
                                                               shape.type_name))
        return
    if shape.type_name == "structure":
        for k, v in value.items():
            if k not in shape.members:
                problems.append("%s.%s: not a member of %s in the AWS model" % (path, k, shape.name))
            else:
                validate(shape.members[k], v, "%s.%s" % (path, k) if path else k, problems, k)
        for req in shape.required_members:
            if req not in value:
                problems.append("%s: required member %s missing" % (path or "<top>", req))
    elif shape.type_name == "list":
        for v in value:
            validate(shape.member, v, path + "[]", problems, member)
    elif shape.type_name == "map":
        for v in value.values():
            validate(shape.value, v, path + "{}", problems, member)
    elif shape.type_name == "string" and shape.enum and isinstance(value, str) and value not in shape.enum:
        problems.append("%s: %r is not in the model's enum %s" % (path, value, shape.name))


def model_member(shape, path):
    """The shape at `path` ("Stacks[].Outputs[].OutputKey") or None."""
    cur = shape
    for part in path.split("."):
        if cur is None:
            return None
        list_level = part.count("[]")
        name = part.replace("[]", "")
        if cur.type_name != "structure" or name not in cur.members:
            return None
        cur = cur.members[name]
        for _ in range(list_level):
            cur = cur.member if cur.type_name == "list" else None
            if cur is None:
                return None
    return cur


# ---------------------------------------------------------------- shape ----

def flatten(value, path="", out=None):
    """{member path: set of JSON type names} and {path: set of scalar values}."""
    if out is None:
        out = ({}, {})
    types, values = out
    if isinstance(value, dict):
        types.setdefault(path or "<top>", set()).add("object")
        for k, v in value.items():
            flatten(v, "%s.%s" % (path, k) if path else k, out)
    elif isinstance(value, list):
        types.setdefault(path, set()).add("array")
        for v in value:
            flatten(v, path + "[]", out)
    else:
        # JSON has one number type: 1795741748 and 1795741748.5 are alike.
        name = "null" if value is None else "number" if type(value) in (int, float) else type(value).__name__
        types.setdefault(path, set()).add(name)
        values.setdefault(path, set()).add(json.dumps(value))
    return out


def compare(t, opname, output_shape, sim_json, moto_json, normalise=None):
    """Shape differential of one operation; failures into t."""
    st, sv = flatten(sim_json or {})
    mt, mv = flatten(moto_json or {})
    mt_plain = {p.replace("[]", "") for p in mt} | {"<top>"}
    # A path under a template body is the user's document, not API shape.
    skip = re.compile(r"^TemplateBody\.")
    for path in sorted(set(st) | set(mt)):
        if skip.match(path):
            continue
        leaf = path.rsplit(".", 1)[-1].replace("[]", "")
        in_model = model_member(output_shape, path) is not None if path != "<top>" else True
        if path in st and path not in mt:
            t.check(in_model, "%s %s: c1sim returns a member the AWS model does not define" % (opname, path))
            parent = path.rsplit(".", 1)[0].replace("[]", "") if "." in path else None
            if in_model and path.endswith("[]") is False and (parent is None or parent in mt_plain):
                log("  note %s %s: only c1sim returns it (moto omits this optional member)" % (opname, path))
            continue
        if path in mt and path not in st:
            key = (opname, path, "moto")
            if key in ALLOWED:
                USED.add(key)
                log("  allowed %s %s: only moto returns it: %s" % (opname, path, ALLOWED[key]))
                continue
            parent = model_member(output_shape, path.rsplit(".", 1)[0]) if "." in path else output_shape
            while parent is not None and parent.type_name == "list":
                parent = parent.member
            required = parent is not None and parent.type_name == "structure" and leaf in parent.required_members
            t.check(False, "%s %s: moto returns it, c1sim does not (%s in the AWS model)" %
                    (opname, path, "required" if required else "optional" if in_model else "not even"))
            continue
        s_types = st[path] - {"null"}
        m_types = mt[path] - {"null"}
        if s_types and m_types and s_types != m_types:
            # moto prints some integers as strings and vice versa: the model decides.
            shape = model_member(output_shape, path)
            t.check(False, "%s %s: c1sim types %s, moto types %s (model: %s)" %
                    (opname, path, sorted(s_types), sorted(m_types), shape.type_name if shape else "?"))
        if leaf in VALUE_MEMBERS and path in sv and path in mv:
            a, b = sv[path], mv[path]
            if normalise:
                a, b = {normalise(x) for x in a}, {normalise(x) for x in b}
            if a != b and (opname, path) in ALLOWED_VALUES:
                USED.add((opname, path))
                log("  allowed %s %s values differ: %s" % (opname, path, ALLOWED_VALUES[(opname, path)]))
                continue
            t.check(a == b, "%s %s values: c1sim %s, moto %s" % (opname, path, sorted(a), sorted(b)))


# ----------------------------------------------------------------- main ----

def main():
    simtest.need_tools("aws", "moto_server")
    t = Checks("differential_moto")
    model = Model()
    work = simtest.tmpdir("c1sim-diff-")
    universe = os.path.join(work, "u")
    home = os.path.join(work, "home")
    os.makedirs(home)
    moto = simtest.Moto(work)  # starts now, answers in a few seconds
    gen = subprocess.run([simtest.c1sim_path(), "gen", "2", universe], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=30)
    if not t.eq(gen.returncode, 0, "c1sim gen", gen.stdout):
        t.finish()
    sim = simtest.Sim(universe, "--time-scale", "0.01", "--seed", "11")
    moto.ready()

    base = simtest.clean_env(home)
    env = dict(base)
    env.update({k: v for k, v in simtest.source_env_sh(os.path.join(universe, "env.sh")).items()
                if k.startswith("AWS_") or k.endswith("_ENDPOINT_URL")})
    config = simtest.parse_aws_config(os.path.join(universe, "aws", "config"))
    acct = sorted(s[len("profile acct-"):] for s in config if s.startswith("profile acct-"))[0]
    csim = simtest.AwsCli(dict(env, AWS_PROFILE="acct-" + acct, AWS_DEFAULT_REGION=REGION,
                               AWS_ENDPOINT_URL=sim.url), watch=sim)
    cmoto = simtest.AwsCli(dict(base, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                                AWS_DEFAULT_REGION=REGION, AWS_ENDPOINT_URL=moto.url))
    accounts = {"sim": acct, "moto": MOTO_ACCOUNT}

    def norm(text):
        # Account ids differ by construction; compare values with them masked.
        return text.replace(acct, "<acct>").replace(MOTO_ACCOUNT, "<acct>")

    def both(service, cli_op, *args, per_side=None, compare_shape=True, check_model=True):
        """Run one CLI op on both; compare; return (sim result, moto result)."""
        op = model.op(SERVICE_MODEL.get(service, service), cli_op)
        out = {}
        for side, cli in (("sim", csim), ("moto", cmoto)):
            extra = per_side(side) if per_side else []
            out[side] = cli(service, cli_op, *args, *extra)
        s, m = out["sim"], out["moto"]
        t.ok(m, "moto %s %s (reference run)" % (service, cli_op))
        if not t.ok(s, "c1sim %s %s" % (service, cli_op)):
            return s, m
        if check_model and s.json is not None:
            problems = []
            validate(op.output_shape, s.json, "", problems)
            for p in problems:
                t.check(False, "c1sim %s vs the AWS model: %s" % (op.name, p))
        if compare_shape and m.rc == 0 and op.output_shape is not None:
            compare(t, op.name, op.output_shape, s.json, m.json, normalise=norm)
        return s, m

    def sim_only(service, cli_op, *args):
        """An operation moto does not implement: c1sim against the model only."""
        op = model.op(SERVICE_MODEL.get(service, service), cli_op)
        s = csim(service, cli_op, *args)
        if t.ok(s, "c1sim %s %s" % (service, cli_op)) and s.json is not None:
            problems = []
            validate(op.output_shape, s.json, "", problems)
            for p in problems:
                t.check(False, "c1sim %s vs the AWS model: %s" % (op.name, p))
        return s

    def same_error(service, cli_op, *args, per_side=None):
        codes = {}
        for side, cli in (("sim", csim), ("moto", cmoto)):
            extra = per_side(side) if per_side else []
            r = cli(service, cli_op, *args, *extra)
            codes[side] = (r.rc != 0, r.error_code, r.status)
        t.check(codes["sim"] == codes["moto"] and codes["sim"][0],
                "%s %s %s: same error code and HTTP status (c1sim %s, moto %s)" % (
                    service, cli_op, " ".join(args), codes["sim"][1:], codes["moto"][1:]))

    # ---- STS ----
    both("sts", "get-caller-identity")
    both("sts", "assume-role", "--role-session-name", "differential",
         per_side=lambda side: ["--role-arn", "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % accounts[side]])

    # ---- CloudFormation ----
    tpl = json.dumps(TEMPLATE)
    stack = "diff-role"
    create = ["--stack-name", stack, "--template-body", tpl, "--capabilities", "CAPABILITY_NAMED_IAM",
              "--parameters", "ParameterKey=RoleName,ParameterValue=diff-role-name"]
    s, m = both("cloudformation", "create-stack", *create)
    ids = {"sim": (s.json or {}).get("StackId"), "moto": (m.json or {}).get("StackId")}
    same_error("cloudformation", "create-stack", *create)

    for side, cli in (("sim", csim), ("moto", cmoto)):
        r = poll(lambda: cli("cloudformation", "describe-stacks", "--stack-name", stack),
                 lambda x: x.rc != 0 or not (x.json or {}).get("Stacks", [{}])[0].get("StackStatus", "").endswith(
                     "_IN_PROGRESS"), 20, 0.2)
        t.ok(r, "%s stack reaches a final state" % side)
    both("cloudformation", "describe-stacks", "--stack-name", stack)
    both("cloudformation", "list-stacks")
    # Event sequences differ legitimately (moto emits no resource events);
    # shapes must still agree, and each c1sim event must satisfy the model.
    both("cloudformation", "describe-stack-events", "--stack-name", stack)
    both("cloudformation", "describe-stack-resources", "--stack-name", stack)
    both("cloudformation", "get-template", "--stack-name", stack)
    same_error("cloudformation", "describe-stacks", "--stack-name", "no-such-stack")

    # Drift detection: moto raises NotImplementedError; model-only.
    r = sim_only("cloudformation", "detect-stack-drift", "--stack-name", stack)
    did = (r.json or {}).get("StackDriftDetectionId")
    if did:
        poll(lambda: sim_only("cloudformation", "describe-stack-drift-detection-status",
                              "--stack-drift-detection-id", did),
             lambda x: x.rc != 0 or (x.json or {}).get("DetectionStatus") != "DETECTION_IN_PROGRESS", 20, 0.2)
        sim_only("cloudformation", "describe-stack-resource-drifts", "--stack-name", stack)

    # Update: a new parameter value; both must end in UPDATE_COMPLETE. (Not
    # the role's name: moto cannot replace a renamed role.)
    update = ["--stack-name", stack, "--template-body", tpl, "--capabilities", "CAPABILITY_NAMED_IAM",
              "--parameters", "ParameterKey=RoleName,UsePreviousValue=true", "ParameterKey=Revision,ParameterValue=2"]
    both("cloudformation", "update-stack", *update)
    for side, cli in (("sim", csim), ("moto", cmoto)):
        poll(lambda: cli("cloudformation", "describe-stacks", "--stack-name", stack),
             lambda x: x.rc != 0 or not (x.json or {}).get("Stacks", [{}])[0].get("StackStatus", "").endswith(
                 "_IN_PROGRESS"), 20, 0.2)
    both("cloudformation", "describe-stacks", "--stack-name", stack)

    both("cloudformation", "delete-stack", "--stack-name", stack)
    for side, cli in (("sim", csim), ("moto", cmoto)):
        poll(lambda: cli("cloudformation", "describe-stacks", "--stack-name", ids[side] or stack),
             lambda x: x.rc != 0 or not (x.json or {}).get("Stacks", [{}])[0].get("StackStatus", "").endswith(
                 "_IN_PROGRESS"), 20, 0.2)
    both("cloudformation", "describe-stacks", per_side=lambda side: ["--stack-name", ids[side] or stack])
    same_error("cloudformation", "describe-stacks", "--stack-name", stack)

    # ---- S3 (moto needs the convention buckets created first) ----
    for breg in ("us-east-1", "eu-west-1"):
        b = "c1sim-ct-%s-%s" % (MOTO_ACCOUNT, breg)
        args = ["s3api", "create-bucket", "--bucket", b, "--region", breg]
        if breg != "us-east-1":
            args += ["--create-bucket-configuration", "LocationConstraint=" + breg]
        t.ok(cmoto(*args), "moto create-bucket " + b)
    for breg in ("us-east-1", "eu-west-1"):
        bucket = lambda side, r=breg: ["--bucket", "c1sim-ct-%s-%s" % (accounts[side], r), "--region", r]  # noqa
        both("s3api", "head-bucket", per_side=bucket)
        both("s3api", "get-bucket-location", per_side=bucket)
    same_error("s3api", "head-bucket", "--bucket", "c1sim-no-such-bucket-x")
    same_error("s3api", "get-bucket-location", "--bucket", "c1sim-no-such-bucket-x")

    # ---- CloudTrail: one multi-region logging trail on each side ----
    ct_bucket = lambda side: "c1sim-difftrail-%s" % accounts[side]  # noqa: E731
    t.ok(cmoto("s3api", "create-bucket", "--bucket", ct_bucket("moto")), "moto create-bucket for the trail")
    t.ok(cmoto("cloudtrail", "create-trail", "--name", "difftrail", "--s3-bucket-name", ct_bucket("moto"),
               "--is-multi-region-trail"), "moto create-trail")
    t.ok(cmoto("cloudtrail", "start-logging", "--name", "difftrail"), "moto start-logging")
    r = csim("cloudformation", "create-stack", "--stack-name", "diff-trail", "--template-body",
             json.dumps(TRAIL_TEMPLATE), "--parameters", "ParameterKey=BucketName,ParameterValue=" + ct_bucket("sim"))
    t.ok(r, "c1sim create-stack with a bucket and a trail")
    r = poll(lambda: csim("cloudformation", "describe-stacks", "--stack-name", "diff-trail"),
             lambda x: x.rc != 0 or not (x.json or {}).get("Stacks", [{}])[0].get("StackStatus", "").endswith(
                 "_IN_PROGRESS"), 20, 0.2)
    t.eq(((r.json or {}).get("Stacks") or [{}])[0].get("StackStatus"), "CREATE_COMPLETE", "c1sim trail stack")
    both("s3api", "list-buckets")
    both("cloudtrail", "describe-trails")
    both("cloudtrail", "get-trail-status", "--name", "difftrail")
    same_error("cloudtrail", "get-trail-status", "--name", "no-such-trail")

    problem = sim.stop()
    t.check(problem is None, "c1sim ends cleanly on SIGTERM", problem)
    for key in sorted(set(ALLOWED) | set(ALLOWED_VALUES)):
        if key not in USED:
            log("  stale allow-list entry (c1sim now matches moto; drop it): %s" % (key,))
    t.finish()


if __name__ == "__main__":
    main()
