#!/usr/bin/env python3
"""engine_moto: an independent check of the AWS half. moto_server plays AWS
(STS, S3, CloudFormation, CloudTrail) while c1sim plays Cloud One and Vision
One: the MSP profile's keys assume roles into several account ids (moto
accepts any), the rows' buckets are created in those accounts, the stand-in
templates behind the Cloud One role and CloudTrail forwarder template URLs
are uploaded to moto's S3, AWS_ENDPOINT_URL points at moto and
C1_ENDPOINT_URL / V1_ENDPOINT_URL at c1sim; then `apply` (direct strategy).

Known gap: c1sim's Cloud One checks the roles a connector or cloud account
names against its own CloudFormation (sim_cfn_role_lookup), and moto's
stacks are not there, so `POST /api/awsconnectors` answers 400 "Unable to
assume role". When c1sim offers a switch to skip that check (looked up in
`c1sim --help`: --skip-role-verification) the test expects every account
`succeeded` with the stacks in moto and the Cloud One records in c1sim;
without it, it expects the failure to be rolled back cleanly on both sides
(nothing left in moto, nothing in c1sim) and says so.
Exit 77 (skip) only when moto_server is not installed."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402
import simtest  # noqa: E402

simtest.need_tools("moto_server")
try:
    import boto3
    from botocore.config import Config
except ImportError:
    el.skip("boto3 is not importable by %s (moto comes with it)" % sys.executable)

ROLE_SWITCH = "--skip-role-verification"
chk = el.Checks("engine_moto")
u = el.Universe(3, tenants=1, seed=77, prefix="c1eng-moto-")
u.make_new_trail(u.rows[2])
u.write_csv()
help_text = subprocess.run([simtest.c1sim_path(), "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True).stdout
roles_trusted = ROLE_SWITCH in help_text
eng = el.Engine(u, time_scale="0.005", extra_args=[ROLE_SWITCH] if roles_trusted else [])
moto = simtest.Moto(u.root).ready()
eng.env["AWS_ENDPOINT_URL"] = moto.url

cred = simtest.parse_aws_config(os.path.join(u.dir, "aws", "credentials"))["msp"]
cfg = Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"})


def client(service, region, creds=None):
    c = creds or {"AccessKeyId": cred["aws_access_key_id"], "SecretAccessKey": cred["aws_secret_access_key"]}
    return boto3.client(service, region_name=region, endpoint_url=moto.url, config=cfg,
                        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c.get("SessionToken"))


def assume(acct, region):
    sts = client("sts", region)
    return sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acct,
                           RoleSessionName="c1onboard-test")["Credentials"]


C1_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "stand-in: Cloud One cloud-account-management-role",
    "Parameters": {p: {"Type": "String", "Default": ""}
                   for p in ("CloudOneRegion", "CloudOneAccountID", "CloudOneOIDCProviderURL")},
    "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": "CloudOneCloudAccountManagementRole",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:oidc-provider/"
                                                   "cloudaccounts.${CloudOneRegion}.cloudone.trendmicro.com"}}}]}}}},
    "Outputs": {"CloudOneRoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}}}}
CT_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "stand-in: Cloud One CloudTrail forwarder",
    "Parameters": dict({p: {"Type": "String", "Default": ""}
                        for p in ("ExistingCloudtrailBucketName", "ServiceURL", "S3BucketName", "S3BucketKey",
                                  "APIVersion")}, ServiceToken={"Type": "String", "NoEcho": True, "Default": ""}),
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}

regions = sorted({r["region"] for r in u.rows})
for region in regions:
    s3 = client("s3", region)
    for bucket, key, body in (("cloud-one-cloud-accounts-" + region, "templates/aws/cloud-account-management-role.template",
                               C1_TEMPLATE),
                              ("cloud-trail-client-stack-template-prod-" + region, "templates/cloudtrail-forwarder.template",
                               CT_TEMPLATE)):
        kw = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **kw)
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode())
creds = {}
for row in u.rows:
    creds[row["account_id"]] = assume(row["account_id"], row["region"])
    if row["bucket"]:
        kw = {} if row["region"] == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": row["region"]}}
        client("s3", row["region"], creds[row["account_id"]]).create_bucket(Bucket=row["bucket"], **kw)

run = eng.run("apply", "-j", "3", timeout=100)
el.check_sanitizers(chk, run, "apply")
el.require_engine(run)
state = eng.state()
chk.check(not state["stacks"], "no stack went to c1sim (AWS is moto's)", el.brief(state["stacks"], "account_id", "name"))


def moto_stacks(row):
    cfn = client("cloudformation", row["region"], creds[row["account_id"]])
    return [s for s in cfn.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"]


for row in u.rows:
    acct = row["account_id"]
    a = run.account(acct) or {}
    stacks = moto_stacks(row)
    el.log("  %s: %s (%s); moto stacks: %s" % (acct, a.get("status"), (a.get("reason") or "")[:160],
                                               [(s["StackName"], s["StackStatus"]) for s in stacks]))
    mine = el.of_account(state, acct)
    if roles_trusted:
        chk.eq(a.get("status"), "succeeded", "account %s onboarded through moto" % acct, a)
        chk.eq(sorted(s["StackName"] for s in stacks), sorted(el.expected_stacks(row)), "moto stacks of %s" % acct)
        chk.check(all(s["StackStatus"] in el.LIVE for s in stacks), "moto stacks of %s complete" % acct, stacks)
        chk.eq(len(mine["connectors"]), 1, "c1sim connectors of %s" % acct)
        chk.eq(len(mine["cloud_accounts"]), 1, "c1sim cloud accounts of %s" % acct)
        outs = {o["OutputKey"]: o["OutputValue"] for s in stacks for o in s.get("Outputs", [])}
        for c in mine["connectors"]:
            chk.check(c.get("cross_account_role_arn") in outs.values(),
                      "connector of %s names the role moto's stack made" % acct, {"connector": c, "outputs": outs})
    else:
        chk.check(a.get("status") in ("rolled_back", "failed"), "account %s did not pretend to succeed" % acct, a)
        chk.check(a.get("status") == "rolled_back" and not stacks,
                  "the failure of %s was rolled back in moto (no stack left)" % acct, stacks)
        chk.check(not mine["connectors"] and not mine["cloud_accounts"], "nothing of %s left in c1sim" % acct)
if not roles_trusted:
    el.log("  KNOWN GAP: c1sim has no %s, so Cloud One rejected the roles moto created; the AWS half "
           "(preflight, stacks, rollback) ran on moto" % ROLE_SWITCH)
eng.stop(chk)
chk.finish()
