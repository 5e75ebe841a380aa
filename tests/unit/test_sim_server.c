/* c1sim's router end to end without sockets (requests signed with the real
 * SigV4 signer, then dispatched), plus one run over a real socket. */
#include "harness.h"
#include "sim.h"
#include "sim_delay.h"
#include "sim_server.h"

#include "engine/aws/sigv4.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/http_curl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define S_ACCOUNT "111122223333"

/* How far the server's clock runs ahead of the signer's. */
static int64_t s_server_ahead_s;

struct s_exchange {
	struct sim_request req;
	struct sim_response resp;
};

/* Sign `method url body` as the AWS SDK would at time `t`, then run it. */
static void s_aws(struct s_exchange *x, const char *method, const char *url, const char *body,
		  const char *akid, const char *secret, const char *token, const char *service,
		  const char *region, int64_t t, const char *extra_header)
{
	struct c1_http_request http = C1_HTTP_REQUEST_INIT;
	struct c1_sigv4_credentials creds = {akid, secret, token};
	struct c1_sigv4_params params = {0};
	params.region = region;
	params.service = service;
	params.time_s = t;
	params.add_content_sha256 = strcmp(service, "s3") == 0;
	http.method = method;
	http.url = url;
	http.body = body;
	http.body_len = body ? strlen(body) : 0;
	if (body && strcmp(service, "cloudtrail") == 0)
		c1_headers_add(&http.headers, "Content-Type", "application/x-amz-json-1.1");
	else if (body)
		c1_headers_add(&http.headers, "Content-Type",
			       "application/x-www-form-urlencoded; charset=utf-8");
	if (extra_header) {
		const char *colon = strchr(extra_header, ':');
		char *name = c1_strndup(extra_header, (size_t)(colon - extra_header));
		c1_headers_add(&http.headers, name, colon + 2);
		free(name);
	}
	C1_CHECK_INT(c1_sigv4_sign_request(&http, &creds, &params), ==, 0);
	const char *path = strchr(url + strlen("http://"), '/');
	sim_request_init(&x->req, method, path ? path : "/");
	sim_response_init(&x->resp);
	c1_headers_copy(&x->req.headers, &http.headers);
	if (body)
		c1_buf_puts(&x->req.body, body);
	x->req.now_ms = (t + s_server_ahead_s) * 1000;
	sim_server_dispatch(&x->req, &x->resp);
	http.url = NULL;
	http.method = NULL;
	http.body = NULL;
	c1_http_request_dispose(&http);
}

static void s_done(struct s_exchange *x)
{
	sim_request_dispose(&x->req);
	sim_response_dispose(&x->resp);
}

static const char *s_body(const struct s_exchange *x)
{
	return c1_buf_cstr(&x->resp.body);
}

static void s_keys(char akid[21], char secret[64], const char *account)
{
	sim_creds_aws_key_id(akid, account, "TST1");
	C1_CHECK_INT(sim_creds_aws_secret(secret, 64, akid, NULL), ==, 0);
}

static const int64_t s_now = 1750000000;

C1_TEST(sts_get_caller_identity_with_a_signed_request)
{
	struct s_exchange x;
	char akid[21], secret[64];
	sim_reset_all();
	s_keys(akid, secret, S_ACCOUNT);
	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", akid, secret,
	      NULL, "sts", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_CONTAINS(s_body(&x),
			  "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">");
	C1_CHECK_CONTAINS(s_body(&x), "<Account>111122223333</Account>");
	C1_CHECK_CONTAINS(s_body(&x), "<Arn>arn:aws:iam::111122223333:user/c1sim-TST1</Arn>");
	C1_CHECK_CONTAINS(s_body(&x), "<RequestId>");
	C1_CHECK(c1_headers_get(&x.resp.headers, "x-amzn-RequestId") != NULL);
	s_done(&x);
}

C1_TEST(wrong_secret_gets_signature_does_not_match)
{
	struct s_exchange x;
	char akid[21], secret[64];
	sim_reset_all();
	s_keys(akid, secret, S_ACCOUNT);
	secret[0] = secret[0] == 'A' ? 'B' : 'A';
	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", akid, secret,
	      NULL, "sts", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_CONTAINS(s_body(&x), "<Type>Sender</Type>");
	C1_CHECK_CONTAINS(s_body(&x), "<Code>SignatureDoesNotMatch</Code>");
	s_done(&x);
	/* S3 and CloudTrail answer in their own shapes. */
	s_aws(&x, "HEAD", "http://127.0.0.1:1/c1sim-ct-111122223333-us-east-1", NULL, akid, secret, NULL,
	      "s3", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_INT(x.resp.body.len, ==, 0);
	s_done(&x);
	s_aws(&x, "POST", "http://127.0.0.1:1/", "{}", akid, secret, NULL, "cloudtrail", "us-east-1", s_now,
	      "X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails");
	C1_CHECK_INT(x.resp.status, ==, 400);
	C1_CHECK_CONTAINS(s_body(&x), "\"__type\":\"InvalidSignatureException\"");
	s_done(&x);
}

C1_TEST(unknown_key_gets_invalid_client_token_id)
{
	struct s_exchange x;
	sim_reset_all();
	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15",
	      "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "sts", "us-east-1",
	      s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>InvalidClientTokenId</Code>");
	s_done(&x);
}

C1_TEST(clock_skew_over_15_minutes_is_refused)
{
	struct s_exchange x;
	char akid[21], secret[64];
	sim_reset_all();
	s_keys(akid, secret, S_ACCOUNT);
	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", akid, secret,
	      NULL, "sts", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	s_done(&x);
	/* The same request, the server's clock 16 minutes ahead. */
	s_server_ahead_s = 16 * 60;
	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", akid, secret,
	      NULL, "sts", "us-east-1", s_now, NULL);
	s_server_ahead_s = 0;
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>SignatureDoesNotMatch</Code>");
	C1_CHECK_CONTAINS(s_body(&x), "Signature expired");
	s_done(&x);
}

/* Pull <Tag>value</Tag> out of an XML body. */
static void s_xml_field(char *out, size_t out_len, const char *xml, const char *tag)
{
	char open[64];
	snprintf(open, sizeof(open), "<%s>", tag);
	const char *p = strstr(xml, open);
	C1_CHECK(p != NULL);
	p += strlen(open);
	const char *end = strchr(p, '<');
	snprintf(out, out_len, "%.*s", (int)(end - p), p);
}

C1_TEST(assume_role_session_works_and_expires)
{
	struct s_exchange x;
	char akid[21], secret[64];
	char s_akid[32], s_secret[64], s_token[1024], expiration[40];
	sim_reset_all();
	s_keys(akid, secret, SIM_MSP_ACCOUNT);
	s_aws(&x, "POST", "http://127.0.0.1:1/",
	      "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2F"
	      "OrganizationAccountAccessRole&RoleSessionName=c1&DurationSeconds=900",
	      akid, secret, NULL, "sts", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_CONTAINS(
	    s_body(&x), "<Arn>arn:aws:sts::111122223333:assumed-role/OrganizationAccountAccessRole/c1</Arn>");
	s_xml_field(s_akid, sizeof(s_akid), s_body(&x), "AccessKeyId");
	s_xml_field(s_secret, sizeof(s_secret), s_body(&x), "SecretAccessKey");
	s_xml_field(s_token, sizeof(s_token), s_body(&x), "SessionToken");
	s_xml_field(expiration, sizeof(expiration), s_body(&x), "Expiration");
	C1_CHECK_STR(expiration, "2025-06-15T15:21:40Z"); /* s_now + 900 s */
	s_done(&x);

	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", s_akid,
	      s_secret, s_token, "sts", "eu-west-2", s_now + 60, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_CONTAINS(s_body(&x), "<Account>111122223333</Account>");
	C1_CHECK_CONTAINS(s_body(&x), "assumed-role/OrganizationAccountAccessRole/c1</Arn>");
	s_done(&x);

	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", s_akid,
	      s_secret, s_token, "sts", "eu-west-2", s_now + 901, NULL);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>ExpiredToken</Code>");
	s_done(&x);

	/* A session token for another key id is forged. */
	s_token[strlen(s_token) - 1] = s_token[strlen(s_token) - 1] == '0' ? '1' : '0';
	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", s_akid,
	      s_secret, s_token, "sts", "eu-west-2", s_now + 60, NULL);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>InvalidClientTokenId</Code>");
	s_done(&x);
}

C1_TEST(assume_role_validates_and_authorizes)
{
	struct s_exchange x;
	char akid[21], secret[64];
	sim_reset_all();
	s_keys(akid, secret, SIM_MSP_ACCOUNT);
	s_aws(&x, "POST", "http://127.0.0.1:1/",
	      "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2F"
	      "OrganizationAccountAccessRole&RoleSessionName=c1&DurationSeconds=100",
	      akid, secret, NULL, "sts", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 400);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>ValidationError</Code>");
	C1_CHECK_CONTAINS(s_body(&x), "durationSeconds");
	s_done(&x);
	s_aws(&x, "POST", "http://127.0.0.1:1/",
	      "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1111%3Arole%2Fx&"
	      "RoleSessionName=c1",
	      akid, secret, NULL, "sts", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 400);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>ValidationError</Code>");
	s_done(&x);
	/* A customer account may not assume another customer's organization role. */
	s_keys(akid, secret, "444455556666");
	s_aws(&x, "POST", "http://127.0.0.1:1/",
	      "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2F"
	      "OrganizationAccountAccessRole&RoleSessionName=c1",
	      akid, secret, NULL, "sts", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>AccessDenied</Code>");
	s_done(&x);
}

/* An unsigned Query request, as botocore sends AssumeRoleWithWebIdentity. */
static void s_unsigned(struct s_exchange *x, const char *body, int64_t t)
{
	sim_request_init(&x->req, "POST", "/");
	sim_response_init(&x->resp);
	c1_headers_add(&x->req.headers, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	c1_buf_puts(&x->req.body, body);
	x->req.now_ms = t * 1000;
	sim_server_dispatch(&x->req, &x->resp);
}

C1_TEST(assume_role_with_web_identity_is_unsigned_and_mints_a_session)
{
	struct s_exchange x;
	char s_akid[32], s_secret[64], s_token[1024];
	sim_reset_all();
	s_unsigned(&x,
		   "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
		   "111122223333%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=pod&"
		   "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
		   s_now);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_CONTAINS(s_body(&x), "<AssumeRoleWithWebIdentityResult>");
	C1_CHECK_CONTAINS(s_body(&x), "<SubjectFromWebIdentityToken>");
	C1_CHECK_CONTAINS(s_body(&x), "<Provider>");
	C1_CHECK_CONTAINS(
	    s_body(&x),
	    "<Arn>arn:aws:sts::111122223333:assumed-role/OrganizationAccountAccessRole/pod</Arn>");
	s_xml_field(s_akid, sizeof(s_akid), s_body(&x), "AccessKeyId");
	s_xml_field(s_secret, sizeof(s_secret), s_body(&x), "SecretAccessKey");
	s_xml_field(s_token, sizeof(s_token), s_body(&x), "SessionToken");
	s_done(&x);
	/* the session signs like any other */
	s_aws(&x, "POST", "http://127.0.0.1:1/", "Action=GetCallerIdentity&Version=2011-06-15", s_akid,
	      s_secret, s_token, "sts", "us-east-1", s_now + 60, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_CONTAINS(s_body(&x), "<Account>111122223333</Account>");
	s_done(&x);
	/* not a JWT: InvalidIdentityToken; no token at all: ValidationError */
	s_unsigned(
	    &x,
	    "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
	    "111122223333%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=pod&WebIdentityToken=opaque",
	    s_now);
	C1_CHECK_INT(x.resp.status, ==, 400);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>InvalidIdentityToken</Code>");
	s_done(&x);
	s_unsigned(&x,
		   "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
		   "111122223333%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=pod",
		   s_now);
	C1_CHECK_INT(x.resp.status, ==, 400);
	C1_CHECK_CONTAINS(s_body(&x), "<Code>ValidationError</Code>");
	s_done(&x);
	/* other unsigned STS actions still need authentication */
	s_unsigned(&x, "Action=GetCallerIdentity&Version=2011-06-15", s_now);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_CONTAINS(s_body(&x), "MissingAuthenticationToken");
	s_done(&x);
}

C1_TEST(s3_head_bucket_and_location)
{
	struct s_exchange x;
	char akid[21], secret[64];
	sim_reset_all();
	s_keys(akid, secret, S_ACCOUNT);
	s_aws(&x, "HEAD", "http://127.0.0.1:1/c1sim-ct-111122223333-eu-west-2", NULL, akid, secret, NULL,
	      "s3", "eu-west-2", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_STR(c1_headers_get(&x.resp.headers, "x-amz-bucket-region"), "eu-west-2");
	s_done(&x);
	/* Another account's bucket: 403, region still disclosed. */
	s_aws(&x, "HEAD", "http://127.0.0.1:1/c1sim-ct-444455556666-eu-west-2", NULL, akid, secret, NULL,
	      "s3", "eu-west-2", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 403);
	C1_CHECK_STR(c1_headers_get(&x.resp.headers, "x-amz-bucket-region"), "eu-west-2");
	s_done(&x);
	s_aws(&x, "HEAD", "http://127.0.0.1:1/no-such-bucket", NULL, akid, secret, NULL, "s3", "eu-west-2",
	      s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 404);
	C1_CHECK_INT(x.resp.body.len, ==, 0);
	s_done(&x);
	/* us-east-1 is the empty LocationConstraint. */
	s_aws(&x, "GET", "http://127.0.0.1:1/c1sim-ct-111122223333-us-east-1?location", NULL, akid, secret,
	      NULL, "s3", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_STR(x.req.route, "GetBucketLocation");
	C1_CHECK_CONTAINS(s_body(&x),
			  "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>");
	s_done(&x);
	s_aws(&x, "GET", "http://127.0.0.1:1/c1sim-ct-111122223333-eu-west-2?location", NULL, akid, secret,
	      NULL, "s3", "us-east-1", s_now, NULL);
	C1_CHECK_CONTAINS(s_body(&x), ">eu-west-2</LocationConstraint>");
	s_done(&x);
	/* Virtual-host style: the bucket is in the Host header. */
	s_aws(&x, "GET", "http://c1sim-ct-111122223333-eu-west-2.localhost:1/?location", NULL, akid, secret,
	      NULL, "s3", "us-east-1", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_CONTAINS(s_body(&x), ">eu-west-2</LocationConstraint>");
	s_done(&x);
	/* Deleted by drift: gone. */
	struct sim_request ctl;
	struct sim_response ctl_resp;
	sim_request_init(&ctl, "POST", "/_sim/drift");
	sim_response_init(&ctl_resp);
	c1_buf_puts(&ctl.body,
		    "{\"kind\":\"bucket_deleted\",\"bucket\":\"c1sim-ct-111122223333-eu-west-2\"}");
	sim_server_dispatch(&ctl, &ctl_resp);
	C1_CHECK_INT(ctl_resp.status, ==, 200);
	sim_request_dispose(&ctl);
	sim_response_dispose(&ctl_resp);
	s_aws(&x, "HEAD", "http://127.0.0.1:1/c1sim-ct-111122223333-eu-west-2", NULL, akid, secret, NULL,
	      "s3", "eu-west-2", s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 404);
	s_done(&x);
}

C1_TEST(cloudtrail_describe_trails_json)
{
	struct s_exchange x;
	char akid[21], secret[64];
	sim_reset_all();
	s_keys(akid, secret, S_ACCOUNT);
	sim_cloudtrail_trail_add(S_ACCOUNT, "eu-west-2", "stack-trail", "my-bucket", false);
	s_aws(&x, "POST", "http://127.0.0.1:1/", "{}", akid, secret, NULL, "cloudtrail", "eu-west-2", s_now,
	      "X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails");
	C1_CHECK_INT(x.resp.status, ==, 200);
	C1_CHECK_STR(c1_headers_get(&x.resp.headers, "Content-Type"), "application/x-amz-json-1.1");
	C1_CHECK_CONTAINS(s_body(&x), "\"S3BucketName\":\"c1sim-ct-111122223333-eu-west-2\"");
	C1_CHECK_CONTAINS(s_body(&x), "\"Name\":\"stack-trail\"");
	C1_CHECK_CONTAINS(s_body(&x),
			  "\"TrailARN\":\"arn:aws:cloudtrail:eu-west-2:111122223333:trail/stack-trail\"");
	s_done(&x);
	s_aws(&x, "POST", "http://127.0.0.1:1/", "{\"Name\":\"nope\"}", akid, secret, NULL, "cloudtrail",
	      "eu-west-2", s_now,
	      "X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.GetTrailStatus");
	C1_CHECK_INT(x.resp.status, ==, 400);
	C1_CHECK_CONTAINS(s_body(&x), "TrailNotFoundException");
	s_done(&x);
}

static void s_cloudone_get(struct s_exchange *x, const char *key, int64_t now_ms)
{
	char *auth = c1_asprintf("ApiKey %s", key);
	sim_request_init(&x->req, "GET", "/api/apikeys/abc");
	sim_response_init(&x->resp);
	c1_headers_add(&x->req.headers, "Authorization", auth);
	c1_headers_add(&x->req.headers, "api-version", "v1");
	x->req.now_ms = now_ms;
	sim_server_dispatch(&x->req, &x->resp);
	free(auth);
}

C1_TEST(cloudone_throttle_has_retry_after)
{
	struct s_exchange x;
	char err[128];
	sim_reset_all();
	json_t *plan = json_loads("{\"rate_limits\":{\"cloudone\":1}}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(plan, err, sizeof(err)), ==, 0);
	json_decref(plan);
	char *key = sim_creds_cloudone_key("us-1", "900000000001");
	s_cloudone_get(&x, key, 5000);
	C1_CHECK_STR(x.req.route, "GET /api/apikeys/{id}");
	C1_CHECK_INT(x.resp.status, !=, 429);
	s_done(&x);
	s_cloudone_get(&x, key, 5100);
	C1_CHECK_INT(x.resp.status, ==, 429);
	C1_CHECK_STR(c1_headers_get(&x.resp.headers, "Retry-After"), "1");
	C1_CHECK_CONTAINS(s_body(&x), "\"message\":\"Too many API requests\"");
	s_done(&x);
	/* A bad key is refused before any limit. */
	key[strlen(key) - 1] = key[strlen(key) - 1] == '0' ? '1' : '0';
	s_cloudone_get(&x, key, 5200);
	C1_CHECK_INT(x.resp.status, ==, 401);
	s_done(&x);
	free(key);

	struct sim_request st;
	struct sim_response st_resp;
	sim_request_init(&st, "GET", "/_sim/state");
	sim_response_init(&st_resp);
	sim_server_dispatch(&st, &st_resp);
	C1_CHECK_INT(st_resp.status, ==, 200);
	json_t *state = json_loads(c1_buf_cstr(&st_resp.body), 0, NULL);
	C1_CHECK(state != NULL);
	const char *arrays[] = {"stacks",          "ws_connectors",
				"cloud_accounts",  "cloudtrail_integrations",
				"visionone_links", "requests"};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		C1_CHECK(json_is_array(json_object_get(state, arrays[i])));
	json_t *requests = json_object_get(state, "requests");
	bool seen = false;
	for (size_t i = 0; i < json_array_size(requests); i++) {
		json_t *r = json_array_get(requests, i);
		if (strcmp(json_string_value(json_object_get(r, "route")), "GET /api/apikeys/{id}") == 0) {
			C1_CHECK_INT(json_integer_value(json_object_get(r, "count")), ==, 3);
			C1_CHECK_INT(json_integer_value(json_object_get(r, "throttled")), ==, 1);
			seen = true;
		}
	}
	C1_CHECK(seen);
	json_decref(state);
	sim_request_dispose(&st);
	sim_response_dispose(&st_resp);
	sim_faults_set(NULL, NULL, 0);
}

/* CloudFormation's throttle answer is its Query XML error, counted as throttled. */
C1_TEST(cloudformation_throttle_is_query_xml)
{
	struct s_exchange x;
	char err[128];
	char akid[21], secret[64];
	sim_reset_all();
	json_t *plan = json_loads("{\"rate_limits\":{\"cloudformation\":1}}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(plan, err, sizeof(err)), ==, 0);
	json_decref(plan);
	s_keys(akid, secret, S_ACCOUNT);
	static const char body[] = "Action=DescribeStacks&Version=2010-05-15";
	s_aws(&x, "POST", "http://127.0.0.1:1/", body, akid, secret, NULL, "cloudformation", "us-east-1",
	      s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	s_done(&x);
	s_aws(&x, "POST", "http://127.0.0.1:1/", body, akid, secret, NULL, "cloudformation", "us-east-1",
	      s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 400);
	C1_CHECK_STR(c1_headers_get(&x.resp.headers, "Content-Type"), "text/xml");
	C1_CHECK_CONTAINS(s_body(&x),
			  "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">");
	C1_CHECK_CONTAINS(s_body(&x), "<Type>Sender</Type>");
	C1_CHECK_CONTAINS(s_body(&x), "<Code>Throttling</Code>");
	C1_CHECK_CONTAINS(s_body(&x), "<Message>Rate exceeded</Message>");
	C1_CHECK(c1_headers_get(&x.resp.headers, "x-amzn-RequestId") != NULL);
	s_done(&x);
	/* Another region of the same account has its own bucket. */
	s_aws(&x, "POST", "http://127.0.0.1:1/", body, akid, secret, NULL, "cloudformation", "eu-west-2",
	      s_now, NULL);
	C1_CHECK_INT(x.resp.status, ==, 200);
	s_done(&x);

	json_t *state = json_object();
	sim_counters_dump(state);
	json_t *requests = json_object_get(state, "requests");
	bool seen = false;
	for (size_t i = 0; i < json_array_size(requests); i++) {
		json_t *r = json_array_get(requests, i);
		if (strcmp(json_string_value(json_object_get(r, "route")), "DescribeStacks") != 0)
			continue;
		C1_CHECK_INT(json_integer_value(json_object_get(r, "count")), ==, 3);
		C1_CHECK_INT(json_integer_value(json_object_get(r, "throttled")), ==, 1);
		C1_CHECK_INT(json_integer_value(json_object_get(r, "failed")), ==, 0);
		seen = true;
	}
	C1_CHECK(seen);
	json_decref(state);
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(serves_over_a_real_socket)
{
	struct sim_server *srv = NULL;
	struct c1_http_transport *http = NULL;
	struct sim_server_options opts = SIM_SERVER_OPTIONS_INIT;
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	char url[128];
	char akid[21], secret[64];
	sim_reset_all();
	C1_CHECK_INT(sim_server_start(&srv, &opts), ==, 0);
	C1_CHECK_INT(sim_server_port(srv), >, 0);
	C1_CHECK_INT(c1_http_curl_new(&http, NULL), ==, 0);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", sim_server_port(srv));
	s_keys(akid, secret, S_ACCOUNT);
	struct c1_sigv4_credentials creds = {akid, secret, NULL};
	struct c1_sigv4_params params = {0};
	params.region = "us-east-1";
	params.service = "sts";
	params.time_s = sim_now_ms() / 1000;
	static const char body[] = "Action=GetCallerIdentity&Version=2011-06-15";
	req.method = "POST";
	req.url = url;
	req.body = body;
	req.body_len = strlen(body);
	c1_headers_add(&req.headers, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	C1_CHECK_INT(c1_sigv4_sign_request(&req, &creds, &params), ==, 0);
	C1_CHECK_INT(c1_http_send(http, &req, &resp), ==, 0);
	C1_CHECK_INT(resp.status, ==, 200);
	C1_CHECK_CONTAINS(c1_buf_cstr(&resp.body), "<Account>111122223333</Account>");
	c1_http_response_dispose(&resp);

	/* Bodies over 1 MiB are refused with 413. */
	struct c1_http_request big = C1_HTTP_REQUEST_INIT;
	char *blob = c1_calloc(1, SIM_MAX_BODY_BYTES + 2);
	memset(blob, 'a', SIM_MAX_BODY_BYTES + 1);
	big.method = "POST";
	big.url = url;
	big.body = blob;
	big.body_len = SIM_MAX_BODY_BYTES + 1;
	struct c1_http_response big_resp = C1_HTTP_RESPONSE_INIT;
	C1_CHECK_INT(c1_http_send(http, &big, &big_resp), ==, 0);
	C1_CHECK_INT(big_resp.status, ==, 413);
	c1_http_response_dispose(&big_resp);
	free(blob);
	big.url = big.method = NULL;
	big.body = NULL;
	c1_http_request_dispose(&big);

	req.url = req.method = NULL;
	req.body = NULL;
	c1_http_request_dispose(&req);
	http->destroy(http);
	sim_server_free(srv);
	sim_reset_all();
}

C1_TEST(tls_needs_a_matching_cert_and_key)
{
	struct sim_server *srv = NULL;
	struct sim_server_options opts = SIM_SERVER_OPTIONS_INIT;
	/* Half a pair would silently serve plain http: refused. */
	opts.tls_cert_pem = "-----BEGIN CERTIFICATE-----\n";
	C1_CHECK_INT(sim_server_start(&srv, &opts), ==, C1_EINVALID);
	C1_CHECK(srv == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "--tls-key");
	/* Text that is no certificate: the daemon does not start, and says why. */
	opts.tls_key_pem = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
	C1_CHECK_INT(sim_server_start(&srv, &opts), ==, C1_ERROR);
	C1_CHECK(srv == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "tls");
}

C1_TEST(presigned_s3_url_is_verified)
{
	struct c1_http_request http = C1_HTTP_REQUEST_INIT;
	struct c1_sigv4_params params = {0};
	char akid[21], secret[64];
	char *url = NULL;
	sim_reset_all();
	s_keys(akid, secret, S_ACCOUNT);
	struct c1_sigv4_credentials creds = {akid, secret, NULL};
	params.region = "eu-west-2";
	params.service = "s3";
	params.time_s = s_now;
	params.unsigned_payload = true;
	http.method = "GET";
	http.url = "http://127.0.0.1:1/c1sim-ct-111122223333-eu-west-2?location";
	C1_CHECK_INT(c1_sigv4_presign_url(&url, &http, &creds, &params, 300), ==, 0);

	for (int round = 0; round < 3; round++) {
		struct s_exchange x;
		sim_request_init(&x.req, "GET", strchr(url + strlen("http://"), '/'));
		sim_response_init(&x.resp);
		c1_headers_add(&x.req.headers, "Host", "127.0.0.1:1");
		/* 0: in time; 1: after X-Amz-Expires; 2: in time but tampered. */
		x.req.now_ms = (s_now + (round == 1 ? 301 : 10)) * 1000;
		if (round == 2)
			x.req.raw_query[strlen(x.req.raw_query) - 1] ^= 1;
		sim_server_dispatch(&x.req, &x.resp);
		C1_CHECK_INT(x.resp.status, ==, round == 0 ? 200 : 403);
		if (round == 0)
			C1_CHECK_CONTAINS(s_body(&x), ">eu-west-2</LocationConstraint>");
		else
			C1_CHECK_CONTAINS(s_body(&x),
					  round == 1 ? "Request has expired" : "SignatureDoesNotMatch");
		s_done(&x);
	}
	free(url);
	c1_http_request_dispose(&http);
}

/* ---- latency over real sockets ---- */

static int s_connect_local(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	C1_CHECK(fd >= 0);
	C1_CHECK_INT(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	return fd;
}

static void s_send_text(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
		C1_CHECK(n > 0);
		off += (size_t)n;
	}
}

/* The whole answer of a `Connection: close` request (bounded); caller frees. */
static char *s_read_answer(int fd)
{
	struct c1_buf in = C1_BUF_INIT;
	char chunk[4096];
	ssize_t n;
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0 && in.len < 65536)
		c1_buf_put(&in, chunk, (size_t)n);
	char *text = c1_strdup(c1_buf_cstr(&in));
	c1_buf_dispose(&in);
	return text;
}

static char *s_cloudone_request_text(const char *key)
{
	int id_len = (int)strcspn(key, ":");
	return c1_asprintf("GET /api/apikeys/%.*s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ApiKey %s\r\n"
			   "api-version: v1\r\nConnection: close\r\n\r\n",
			   id_len, key, key);
}

/* The body of an answer with its one clock reading (lastActivity) masked; caller frees. */
static char *s_body_of(const char *answer)
{
	const char *p = strstr(answer, "\r\n\r\n");
	char *body = c1_strdup(p ? p + 4 : "");
	char *t = strstr(body, "\"lastActivity\":\"");
	for (t = t ? t + strlen("\"lastActivity\":\"") : NULL; t && *t && *t != '"'; t++)
		*t = 'x';
	return body;
}

static void s_set_latency(int ms)
{
	char err[128];
	char text[64];
	snprintf(text, sizeof(text), "{\"latency_ms\": %d}", ms);
	json_t *plan = json_loads(text, 0, NULL);
	C1_CHECK_INT(sim_faults_set(plan, err, sizeof(err)), ==, 0);
	json_decref(plan);
}

/* 200 requests delayed 200 ms each on 4 server threads: if a delay held a
 * thread they would take 200 * 200 / 4 ms = 10 s; suspended, they overlap. */
C1_TEST(latency_does_not_hold_a_server_thread)
{
	enum { N = 200, LATENCY_MS = 200 };
	struct sim_server *srv = NULL;
	struct sim_server_options opts = SIM_SERVER_OPTIONS_INIT;
	int fds[N];
	sim_reset_all();
	opts.threads = 4;
	C1_CHECK_INT(sim_server_start(&srv, &opts), ==, 0);
	int port = sim_server_port(srv);
	char *key = sim_creds_cloudone_key("us-1", "900000000001");
	char *request = s_cloudone_request_text(key);

	/* The reference answer, without latency. */
	int fd = s_connect_local(port);
	s_send_text(fd, request);
	char *plain = s_read_answer(fd);
	close(fd);
	C1_CHECK_CONTAINS(plain, "HTTP/1.1 200");

	s_set_latency(LATENCY_MS);
	int64_t started = sim_delay_now_ms();
	for (int i = 0; i < N; i++) {
		fds[i] = s_connect_local(port);
		s_send_text(fds[i], request);
	}
	for (int i = 0; i < N; i++) {
		char *answer = s_read_answer(fds[i]);
		close(fds[i]);
		C1_CHECK_CONTAINS(answer, "HTTP/1.1 200");
		/* The same answer, only later. */
		char *got = s_body_of(answer), *want = s_body_of(plain);
		C1_CHECK_STR(got, want);
		free(got);
		free(want);
		free(answer);
	}
	int64_t elapsed = sim_delay_now_ms() - started;
	C1_CHECK_INT(elapsed, >=, LATENCY_MS);
	C1_CHECK_INT(elapsed, <, 5000);
	C1_CHECK_INT(sim_server_delayed(srv), ==, 0);

	free(plain);
	free(request);
	free(key);
	sim_server_free(srv);
	sim_faults_set(NULL, NULL, 0);
	sim_reset_all();
}

/* Stopping the server while answers wait out a long latency answers them at
 * once (MHD must never be stopped with suspended connections). */
C1_TEST(stop_answers_delayed_requests)
{
	enum { N = 10 };
	struct sim_server *srv = NULL;
	struct sim_server_options opts = SIM_SERVER_OPTIONS_INIT;
	int fds[N];
	sim_reset_all();
	C1_CHECK_INT(sim_server_start(&srv, &opts), ==, 0);
	char *key = sim_creds_cloudone_key("us-1", "900000000001");
	char *request = s_cloudone_request_text(key);
	s_set_latency(60000);
	for (int i = 0; i < N; i++) {
		fds[i] = s_connect_local(sim_server_port(srv));
		s_send_text(fds[i], request);
	}
	int64_t started = sim_delay_now_ms();
	while (sim_server_delayed(srv) < N && sim_delay_now_ms() - started < 5000) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	C1_CHECK_INT(sim_server_delayed(srv), ==, N);
	sim_server_free(srv);
	C1_CHECK_INT(sim_delay_now_ms() - started, <, 10000);
	for (int i = 0; i < N; i++) {
		char *answer = s_read_answer(fds[i]);
		close(fds[i]);
		C1_CHECK_CONTAINS(answer, "HTTP/1.1 200");
		free(answer);
	}
	free(request);
	free(key);
	sim_faults_set(NULL, NULL, 0);
	sim_reset_all();
}

/* The whole exchange until the server ends it, with how it ended: 0 after a
 * clean close, the errno of a reset otherwise. Caller frees *out. */
static int s_read_until_end(int fd, char **out)
{
	struct c1_buf in = C1_BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int how = 0;
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0 && in.len < 65536)
		c1_buf_put(&in, chunk, (size_t)n);
	if (n < 0)
		how = errno;
	*out = c1_strdup(c1_buf_cstr(&in));
	c1_buf_dispose(&in);
	return how;
}

/* Chaos on the wire: "truncated" announces the whole body and sends half,
 * then closes; "reset" does the same and ends with RST; "malformed" is a
 * complete answer that does not parse. Both server modes (pool, thread per
 * connection), since the damage is made where the answer is queued. */
C1_TEST(chaos_damage_on_the_wire)
{
	for (int threads = 0; threads <= 2; threads += 2) {
		struct sim_server *srv = NULL;
		struct sim_server_options opts = SIM_SERVER_OPTIONS_INIT;
		opts.threads = threads;
		sim_reset_all();
		C1_CHECK_INT(sim_server_start(&srv, &opts), ==, 0);
		char *key = sim_creds_cloudone_key("us-1", "900000000001");
		char *request = s_cloudone_request_text(key);
		static const char *const effects[] = {"truncated", "reset", "malformed"};
		for (size_t e = 0; e < 3; e++) {
			char plan_text[160];
			char err[128] = "";
			snprintf(plan_text, sizeof(plan_text),
				 "{\"rules\":[{\"service\":\"cloudone\",\"route\":\"*\",\"effect\":\"%s\"}]}",
				 effects[e]);
			json_t *plan = json_loads(plan_text, 0, NULL);
			C1_CHECK_INT(sim_faults_set(plan, err, sizeof(err)), ==, 0);
			json_decref(plan);
			int fd = s_connect_local(sim_server_port(srv));
			s_send_text(fd, request);
			char *answer = NULL;
			int how = s_read_until_end(fd, &answer);
			close(fd);
			C1_CHECK_CONTAINS(answer, "HTTP/1.1 200");
			const char *cl = strstr(answer, "Content-Length: ");
			const char *body = strstr(answer, "\r\n\r\n");
			C1_CHECK(cl != NULL && body != NULL);
			long announced = cl ? strtol(cl + strlen("Content-Length: "), NULL, 10) : 0;
			size_t got = body ? strlen(body + 4) : 0;
			json_t *doc = body ? json_loads(body + 4, 0, NULL) : NULL;
			C1_CHECK(doc == NULL); /* no effect leaves a body that parses */
			json_decref(doc);
			if (e == 2) {
				C1_CHECK_INT((long)got, ==, announced);
				C1_CHECK_INT(how, ==, 0);
			} else {
				C1_CHECK(got > 0 && (long)got < announced);
				C1_CHECK_INT(how, ==, e == 1 ? ECONNRESET : 0);
			}
			free(answer);
		}
		sim_faults_set(NULL, NULL, 0);
		free(request);
		free(key);
		sim_server_free(srv);
	}
	sim_reset_all();
}
