#!/usr/bin/env python3
"""engine_credential_sources: the AWS CLI credential sources a batch run can use
unattended, end to end: `c1onboard apply` over 6 accounts in 3 tenants whose
profiles get their credentials from

  - IAM Identity Center (sso_session + [sso-session]): the test writes the AWS
    CLI's token cache under HOME/.aws/sso/cache and serves GetRoleCredentials
    from a local stand-in of the SSO portal (AWS_ENDPOINT_URL_SSO);
  - a legacy SSO profile whose cached token has expired: that account fails
    with the `aws sso login` hint and nothing is created for it;
  - credential_source = Ec2InstanceMetadata (IMDSv2 stand-in at
    AWS_EC2_METADATA_SERVICE_ENDPOINT), EcsContainer (container stand-in at
    AWS_CONTAINER_CREDENTIALS_FULL_URI with an authorization token) and
    Environment, each with role_arn;
  - web_identity_token_file + role_arn (c1sim's AssumeRoleWithWebIdentity).

Every other account ends onboarded in c1sim, the stand-ins saw the requests
they should (IMDSv2 token before credentials, the ECS token, the SSO bearer
token), and no token reaches the report or the output."""

import datetime
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402
import simtest  # noqa: E402

chk = el.Checks("engine_credential_sources")
u = el.Universe(6, tenants=3, seed=67, prefix="c1eng-credsrc-")
eng = el.Engine(u, time_scale="0.01", seed="67")
tenants = sorted({u.tenant_of(r).name for r in u.rows})
chk.eq(len(tenants), 3, "the universe spreads its 6 accounts over 3 tenants")

msp = simtest.parse_aws_config(os.path.join(u.dir, "aws", "credentials"))["msp"]
MSP_KEY, MSP_SECRET = msp["aws_access_key_id"], msp["aws_secret_access_key"]
# Every token carries c1sim's secret mark, so the suite's secret scan finds one that leaks into
# anything a run wrote (the files the test writes them to are declared holders).
IMDS_TOKEN = "imds-session-token-%s-4242" % el.SECRET_MARK
ECS_TOKEN = "ecs-auth-token-%s-1717" % el.SECRET_MARK
SSO_TOKEN = "sso-access-token-%s-9393" % el.SECRET_MARK
STALE_SSO_TOKEN = "sso-stale-token-%s-5151" % el.SECRET_MARK
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.%sc2lnbmF0dXJl" % el.SECRET_MARK
TOKENS = (IMDS_TOKEN, ECS_TOKEN, SSO_TOKEN, STALE_SSO_TOKEN, WEB_TOKEN)
SSO_ROLE = "OrganizationAccountAccessRole"

seen = []
seen_lock = threading.Lock()


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def msp_creds_json():
    return {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": MSP_KEY, "SecretAccessKey": MSP_SECRET,
            "Expiration": iso(time.time() + 6 * 3600), "LastUpdated": iso(time.time())}


def sso_role_credentials(account, role):
    """What the portal would hand out: the role's session, minted by c1sim's STS for the MSP."""
    import botocore.session
    sts = botocore.session.get_session().create_client(
        "sts", region_name="us-east-1", endpoint_url=eng.sim.url,
        aws_access_key_id=MSP_KEY, aws_secret_access_key=MSP_SECRET)
    c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (account, role),
                        RoleSessionName="sso-portal")["Credentials"]
    return {"roleCredentials": {"accessKeyId": c["AccessKeyId"], "secretAccessKey": c["SecretAccessKey"],
                                "sessionToken": c["SessionToken"],
                                "expiration": int(c["Expiration"].timestamp() * 1000)}}


class StandIn(http.server.BaseHTTPRequestHandler):
    """IMDS, the ECS container endpoint and the SSO portal on one loopback port."""

    def log_message(self, *a):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def note(self, what):
        with seen_lock:
            seen.append(what)

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("x-aws-ec2-metadata-token-ttl-seconds"):
            self.note("imds-token")
            return self.answer(200, IMDS_TOKEN, "text/plain")
        self.answer(400, "bad token request", "text/plain")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("x-aws-ec2-metadata-token") != IMDS_TOKEN:
                self.note("imds-unauthorized")
                return self.answer(401, "", "text/plain")
            role = url.path[len("/latest/meta-data/iam/security-credentials/"):]
            if not role:
                self.note("imds-role")
                return self.answer(200, "c1-instance-role", "text/plain")
            self.note("imds-creds")
            return self.answer(200, msp_creds_json()) if role == "c1-instance-role" else self.answer(404, "")
        if url.path == "/ecs/creds":
            if self.headers.get("Authorization") != ECS_TOKEN:
                self.note("ecs-unauthorized")
                return self.answer(403, {"message": "bad token"})
            self.note("ecs-creds")
            return self.answer(200, msp_creds_json())
        if url.path == "/federation/credentials":
            q = urllib.parse.parse_qs(url.query)
            token = self.headers.get("x-amz-sso_bearer_token")
            if token != SSO_TOKEN:
                self.note("sso-unauthorized")
                return self.answer(401, {"message": "Session token not found or invalid"})
            self.note("sso-creds %s %s" % (q.get("account_id", [""])[0], q.get("role_name", [""])[0]))
            return self.answer(200, sso_role_credentials(q["account_id"][0], q["role_name"][0]))
        self.answer(404, {"message": "not here"})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % server.server_address[1]

# ---- the rows' profiles
sso_row, stale_row, imds_row, ecs_row, env_row, web_row = u.rows
home_aws = os.path.join(eng.home, ".aws")
cache = os.path.join(home_aws, "sso", "cache")
os.makedirs(cache, exist_ok=True)
STALE_URL = "https://stale-corp.awsapps.com/start"
sso_cache_file = os.path.join(cache, hashlib.sha1(b"corp").hexdigest() + ".json")
stale_cache_file = os.path.join(cache, hashlib.sha1(STALE_URL.encode()).hexdigest() + ".json")
token_file = os.path.join(u.root, "web-identity-token")
for path in (sso_cache_file, stale_cache_file, token_file):
    u.holds_secret(path)
with open(sso_cache_file, "w") as f:
    json.dump({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": SSO_TOKEN,
               "expiresAt": iso(time.time() + 8 * 3600)}, f)
with open(stale_cache_file, "w") as f:
    json.dump({"startUrl": STALE_URL, "region": "us-east-1", "accessToken": STALE_SSO_TOKEN,
               "expiresAt": iso(time.time() - 600)}, f)
with open(token_file, "w") as f:
    f.write(WEB_TOKEN)


def role(row):
    return "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % row["account_id"]


config = """# engine_credential_sources: one profile per credential source
[profile msp]
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile src-sso]
sso_session = corp
sso_account_id = {sso}
sso_role_name = {role_name}
region = {sso_region}

[profile src-sso-expired]
sso_start_url = {stale_url}
sso_region = us-east-1
sso_account_id = {stale}
sso_role_name = {role_name}
region = {stale_region}

[profile src-imds]
role_arn = {imds_role}
credential_source = Ec2InstanceMetadata
role_session_name = c1onboard
region = {imds_region}

[profile src-ecs]
role_arn = {ecs_role}
credential_source = EcsContainer
role_session_name = c1onboard
region = {ecs_region}

[profile src-env]
role_arn = {env_role}
credential_source = Environment
role_session_name = c1onboard
region = {env_region}

[profile src-web]
role_arn = {web_role}
web_identity_token_file = {token_file}
role_session_name = c1onboard-pod
region = {web_region}
""".format(sso=sso_row["account_id"], sso_region=sso_row["region"], role_name=SSO_ROLE, stale_url=STALE_URL,
           stale=stale_row["account_id"], stale_region=stale_row["region"],
           imds_role=role(imds_row), imds_region=imds_row["region"],
           ecs_role=role(ecs_row), ecs_region=ecs_row["region"],
           env_role=role(env_row), env_region=env_row["region"],
           web_role=role(web_row), token_file=token_file, web_region=web_row["region"])
with open(os.path.join(u.dir, "aws", "config"), "w") as f:
    f.write(config)
for row, name in ((sso_row, "src-sso"), (stale_row, "src-sso-expired"), (imds_row, "src-imds"),
                  (ecs_row, "src-ecs"), (env_row, "src-env"), (web_row, "src-web")):
    row["profile"] = name
u.write_csv()

eng.env.update({
    "AWS_EC2_METADATA_DISABLED": "false",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT": base,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": base + "/ecs/creds",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN": ECS_TOKEN,
    "AWS_ENDPOINT_URL_SSO": base,
    "AWS_ACCESS_KEY_ID": MSP_KEY,
    "AWS_SECRET_ACCESS_KEY": MSP_SECRET,
})

# ---- validate accepts every source offline
v = subprocess.run([el.c1onboard_path(), "validate", u.csv_path], env=eng.env, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True, timeout=60)
chk.eq(v.returncode, 0, "validate accepts the SSO, IMDS, ECS, Environment and web identity profiles offline",
       v.stdout[-1500:] + v.stderr[-1500:])
with seen_lock:
    chk.eq(seen, [], "validate made no call to the stand-ins (it is offline)")

# ---- apply
run = eng.run("apply", "-j", "3", timeout=90)
el.check_sanitizers(chk, run, "apply")
want = {r["account_id"]: "succeeded" for r in u.rows}
want[stale_row["account_id"]] = "invalid"  # its credentials fail preflight, before any change
el.check_report(chk, run, want, "apply over six credential sources")
state = eng.state()
for row in u.rows:
    if row is stale_row:
        continue
    el.check_onboarded(chk, state, u, row, "apply (%s)" % row["profile"], deep=False)
el.check_nothing_left(chk, state, stale_row["account_id"], "expired SSO token")
stale = json.dumps(run.account(stale_row["account_id"]) or {})
hint = "run `aws sso login --profile src-sso-expired`"
chk.check(hint in stale, "the expired-SSO account's error says to run aws sso login", stale[:1500])

with seen_lock:
    got = list(seen)
first_creds = got.index("imds-creds") if "imds-creds" in got else -1
chk.check("imds-token" in got and 0 <= got.index("imds-token") < first_creds,
          "IMDSv2: the session token was fetched before the credentials", got)
chk.check("imds-unauthorized" not in got, "IMDS calls carried the session token", got)
chk.check("ecs-creds" in got and "ecs-unauthorized" not in got, "the container endpoint got its token", got)
chk.check("sso-creds %s %s" % (sso_row["account_id"], SSO_ROLE) in got,
          "GetRoleCredentials asked for the SSO profile's account and role", got)
chk.check(not any(s.startswith("sso-") and stale_row["account_id"] in s for s in got) and "sso-unauthorized" not in got,
          "the expired token was never sent to the portal", got)
assume_web = sum(c["count"] for c in state.get("requests", [])
                 if c["service"] == "sts" and c["route"] == "AssumeRoleWithWebIdentity")
chk.check(assume_web >= 1, "c1sim answered AssumeRoleWithWebIdentity", assume_web)

# ---- no token anywhere c1onboard wrote
texts = [run.out, run.err, v.stdout, v.stderr]
for dirpath, _, files in os.walk(eng.reports_dir):
    for name in files:
        with open(os.path.join(dirpath, name), errors="replace") as f:
            texts.append(f.read())
leaks = [t[:12] for t in TOKENS if any(t in x for x in texts)]
chk.check(not leaks, "no SSO/IMDS/ECS/web identity token in the output or the reports", leaks)

server.shutdown()
eng.stop(chk)
chk.finish()
