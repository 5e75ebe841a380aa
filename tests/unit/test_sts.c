/* STS over a canned transport, with response bodies captured from moto's
 * STS server (same shapes as AWS): requests sent, fields parsed, errors. */
#include "harness.h"

#include "canned_transport.h"

#include "engine/aws/sts.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"

#include <stdlib.h>

#define AKID       "AKIAIOSFODNN7EXAMPLE"
#define SECRET     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define NOW_MS     1795741506000LL /* 2026-11-27T01:05:06Z */
#define NEW_SECRET "BxEmV3wLFOGCIZ2b82nsx8GVV8mRn9HprH2SKJZ9"
#define NEW_TOKEN \
	"FQoGZXIvYXdzEBYaDaelI67sIoTSGtEH83DbdDyM7Ie0Te70g4ryPBbcAyyfN5rIGPyYIGmg5Gn0fSnh6QFO1LXjZ2qs+w=="
#define ROLE_ARN "arn:aws:iam::123456789012:role/CloudOneRole"

static const char s_identity_xml[] =
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
    "<UserId>AKIAIOSFODNN7EXAMPLE</UserId><Account>123456789012</Account>"
    "<Arn>arn:aws:sts::123456789012:user/moto</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>"
    "MXgp4o3QL0ZdNuyge2IZsPeGyp7W4poFJAZ52Npmep2XbKjHGpR0</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>";

static const char s_assume_xml[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"
    "<AccessKeyId>ASIARZPUZDIKBVOHYAHF</AccessKeyId><SecretAccessKey>" NEW_SECRET "</SecretAccessKey>"
    "<SessionToken>" NEW_TOKEN "</SessionToken><Expiration>2026-11-27T02:05:06.318200Z</Expiration>"
    "</Credentials><AssumedRoleUser><AssumedRoleId>AROA3X42LBCD5NNHS19YA:c1onboard-1</AssumedRoleId>"
    "<Arn>arn:aws:sts::123456789012:assumed-role/CloudOneRole/c1onboard-1</Arn></AssumedRoleUser>"
    "<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>"
    "UP76eaZfqx2kxLdOMVCzjfYkRmDOaTZV9Bia7DyimTLrqUX7Ada7</RequestId></ResponseMetadata></"
    "AssumeRoleResponse>";

struct fixture {
	struct canned_transport t;
	struct c1_fake_clock clock;
	struct c1_aws_target target;
};

static void s_setup(struct fixture *f)
{
	canned_init(&f->t);
	c1_fake_clock_init(&f->clock, NOW_MS);
	f->target = (struct c1_aws_target){&f->t.base, "https://sts.eu-central-1.amazonaws.com",
					   "eu-central-1", &f->clock.clock};
}

static const struct c1_sigv4_credentials s_creds = {AKID, SECRET, NULL};

C1_TEST(get_caller_identity)
{
	struct fixture f;
	struct c1_sts_identity id = C1_STS_IDENTITY_INIT;
	s_setup(&f);
	canned_push(&f.t, 200, "Content-Type: text/xml", s_identity_xml);
	C1_CHECK_INT(c1_sts_get_caller_identity(&id, &f.target, &s_creds, NULL), ==, 0);
	C1_CHECK_STR(id.account, "123456789012");
	C1_CHECK_STR(id.arn, "arn:aws:sts::123456789012:user/moto");
	C1_CHECK_STR(id.user_id, "AKIAIOSFODNN7EXAMPLE");
	C1_CHECK_STR(f.t.body, "Action=GetCallerIdentity&Version=2011-06-15");
	C1_CHECK_STR(f.t.method, "POST");
	C1_CHECK_STR(c1_headers_get(&f.t.headers, "Host"), "sts.eu-central-1.amazonaws.com");
	C1_CHECK_CONTAINS(c1_headers_get(&f.t.headers, "Authorization"),
			  "Credential=AKIAIOSFODNN7EXAMPLE/20261127/eu-central-1/sts/aws4_request, "
			  "SignedHeaders=content-type;host;x-amz-date, Signature=");
	C1_CHECK_STR(c1_headers_get(&f.t.headers, "X-Amz-Date"), "20261127T010506Z");
	c1_sts_identity_dispose(&id);
	c1_sts_identity_dispose(&id); /* idempotent */
	canned_destroy(&f.t.base);
}

C1_TEST(assume_role_sends_all_inputs_and_parses_credentials)
{
	struct fixture f;
	struct c1_sts_credentials out = C1_STS_CREDENTIALS_INIT;
	s_setup(&f);
	canned_push(&f.t, 200, NULL, s_assume_xml);
	struct c1_sts_assume_role_input in = {ROLE_ARN, "c1onboard-1", "Tenant:42/ab=c", 3600};
	C1_CHECK_INT(c1_sts_assume_role(&out, &f.target, &s_creds, &in, NULL), ==, 0);
	C1_CHECK_STR(f.t.body,
		     "Action=AssumeRole&Version=2011-06-15"
		     "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FCloudOneRole"
		     "&RoleSessionName=c1onboard-1&ExternalId=Tenant%3A42%2Fab%3Dc&DurationSeconds=3600");
	C1_CHECK_STR(out.access_key_id, "ASIARZPUZDIKBVOHYAHF");
	C1_CHECK_STR(c1_secret_reveal(&out.secret_access_key), NEW_SECRET);
	C1_CHECK_STR(c1_secret_reveal(&out.session_token), NEW_TOKEN);
	C1_CHECK_INT(out.expiration_ms, ==, 1795745106318LL); /* 2026-11-27T02:05:06.318Z */
	C1_CHECK_STR(out.assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/CloudOneRole/c1onboard-1");
	c1_sts_credentials_dispose(&out);
	C1_CHECK(out.access_key_id == NULL && !c1_secret_is_set(&out.session_token));
	canned_destroy(&f.t.base);
}

C1_TEST(assume_role_default_session_name_and_optional_fields)
{
	struct fixture f;
	struct c1_sts_credentials out = C1_STS_CREDENTIALS_INIT;
	s_setup(&f);
	canned_push(&f.t, 200, NULL, s_assume_xml);
	struct c1_sts_assume_role_input in = {ROLE_ARN, NULL, NULL, 0};
	C1_CHECK_INT(c1_sts_assume_role(&out, &f.target, &s_creds, &in, NULL), ==, 0);
	C1_CHECK_STR(f.t.body, "Action=AssumeRole&Version=2011-06-15"
			       "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FCloudOneRole"
			       "&RoleSessionName=c1onboard-1795741506");
	c1_sts_credentials_dispose(&out);
	canned_destroy(&f.t.base);
}

C1_TEST(assume_role_access_denied_is_eapi_without_secrets)
{
	struct fixture f;
	struct c1_sts_credentials out = C1_STS_CREDENTIALS_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	const struct c1_sigv4_credentials session = {AKID, SECRET, NEW_TOKEN};
	s_setup(&f);
	canned_push(
	    &f.t, 403, "x-amzn-RequestId: c6104cbe-af31-11e0-8154-cbc7ccf896c7",
	    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
	    "<Code>AccessDenied</Code><Message>User: arn:aws:iam::111122223333:user/ops is not authorized to "
	    "perform: sts:AssumeRole on resource: " ROLE_ARN "</Message></Error>"
	    "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>");
	struct c1_sts_assume_role_input in = {ROLE_ARN, NULL, "secret-external-id", 0};
	C1_CHECK_INT(c1_sts_assume_role(&out, &f.target, &session, &in, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "AccessDenied");
	C1_CHECK_INT(err.http_status, ==, 403);
	C1_CHECK_STR(err.request_id, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
	C1_CHECK_CONTAINS(err.message, "is not authorized to perform: sts:AssumeRole");
	C1_CHECK(!err.retryable);
	char formatted[1024];
	c1_api_error_format(&err, formatted, sizeof(formatted));
	const char *texts[] = {c1_error_last(), err.message, formatted};
	for (size_t i = 0; i < 3; i++) {
		C1_CHECK_NOT_CONTAINS(texts[i], SECRET);
		C1_CHECK_NOT_CONTAINS(texts[i], NEW_TOKEN);
		C1_CHECK_NOT_CONTAINS(texts[i], "secret-external-id");
	}
	C1_CHECK(out.access_key_id == NULL);
	canned_destroy(&f.t.base);
}

C1_TEST(throttled_sts_gives_ethrottled)
{
	struct fixture f;
	struct c1_sts_identity id = C1_STS_IDENTITY_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push(
	    &f.t, 400, NULL,
	    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
	    "<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t</RequestId>"
	    "</ErrorResponse>");
	C1_CHECK_INT(c1_sts_get_caller_identity(&id, &f.target, &s_creds, &err), ==, C1_ETHROTTLED);
	C1_CHECK(err.throttling);
	C1_CHECK(id.account == NULL);
	canned_destroy(&f.t.base);
}

C1_TEST(invalid_inputs_refused_before_sending)
{
	struct fixture f;
	struct c1_sts_credentials out = C1_STS_CREDENTIALS_INIT;
	s_setup(&f);
	struct c1_sts_assume_role_input bad[] = {
	    {NULL, NULL, NULL, 0},
	    {"CloudOneRole", NULL, NULL, 0},
	    {"arn:aws:iam::123456789012:user/bob", NULL, NULL, 0},
	    {ROLE_ARN, "x", NULL, 0},
	    {ROLE_ARN, "has space", NULL, 0},
	    {ROLE_ARN, NULL, "a", 0},
	    {ROLE_ARN, NULL, "bad external id!", 0},
	    {ROLE_ARN, NULL, NULL, 899},
	    {ROLE_ARN, NULL, NULL, 43201},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		C1_CHECK_INT(c1_sts_assume_role(&out, &f.target, &s_creds, &bad[i], NULL), ==, C1_EINVALID);
		C1_CHECK_NOT_CONTAINS(c1_error_last(), "bad external id!");
	}
	C1_CHECK_INT(f.t.calls, ==, 0);
	canned_destroy(&f.t.base);
}

C1_TEST(response_without_credentials_is_eapi)
{
	struct fixture f;
	struct c1_sts_credentials out = C1_STS_CREDENTIALS_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push(&f.t, 200, NULL,
		    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
		    "<SecretAccessKey>" NEW_SECRET "</SecretAccessKey></Credentials></AssumeRoleResult>"
		    "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>");
	canned_push(&f.t, 200, NULL,
		    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
		    "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>tomorrow"
		    "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>");
	canned_push(&f.t, 200, NULL,
		    "<GetCallerIdentityResponse><GetCallerIdentityResult/></GetCallerIdentityResponse>");
	struct c1_sts_assume_role_input in = {ROLE_ARN, NULL, NULL, 0};
	C1_CHECK_INT(c1_sts_assume_role(&out, &f.target, &s_creds, &in, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_STR(err.request_id, "r-1");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), NEW_SECRET);
	C1_CHECK(!c1_secret_is_set(&out.secret_access_key));
	C1_CHECK_INT(c1_sts_assume_role(&out, &f.target, &s_creds, &in, &err), ==, C1_EAPI);
	C1_CHECK_CONTAINS(err.message, "Expiration");
	struct c1_sts_identity id = C1_STS_IDENTITY_INIT;
	C1_CHECK_INT(c1_sts_get_caller_identity(&id, &f.target, &s_creds, &err), ==, C1_EAPI);
	C1_CHECK(id.account == NULL);
	canned_destroy(&f.t.base);
}

C1_TEST(parse_time_forms)
{
	int64_t ms = 0;
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, "2019-11-09T13:34:41Z"), ==, 0);
	C1_CHECK_INT(ms, ==, 1573306481000LL);
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, "2019-11-09T13:34:41.5Z"), ==, 0);
	C1_CHECK_INT(ms, ==, 1573306481500LL);
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, "2019-11-09T15:34:41+02:00"), ==, 0);
	C1_CHECK_INT(ms, ==, 1573306481000LL);
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, "2020-02-29T00:00:00Z"), ==, 0);
	C1_CHECK_INT(ms, ==, 1582934400000LL);
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, "2019-11-09 13:34:41Z"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, "2019-11-09T13:34:41"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, "2019-13-09T13:34:41Z"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_sts_parse_time_ms(&ms, NULL), ==, C1_EINVALID);
}
