/* IAM GetRole over a canned transport, with bodies captured from moto's IAM
 * (same shapes as AWS): the request, an existing role, a gone role
 * (NoSuchEntity) and an answer that says nothing (AccessDenied); role ARNs. */
#include "harness.h"

#include "canned_transport.h"

#include "engine/aws/iam.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"

#define NOW_MS 1795741506000LL /* 2026-11-27T01:05:06Z */

static const char s_role_xml[] =
    "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult><Role><Path>/</Path>"
    "<RoleName>CloudOneRole</RoleName><RoleId>AROARZPUZDIKECOFI4VIB</RoleId>"
    "<Arn>arn:aws:iam::123456789012:role/CloudOneRole</Arn><CreateDate>2026-12-06T13:04:15.179367Z</"
    "CreateDate>"
    "<AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration>"
    "<RoleLastUsed/></Role></GetRoleResult><ResponseMetadata><RequestId>gZDwVG44Kgu16YMr9VzTaC229qr6l3ANURbeS"
    "V7vjbGB4Yfhj1x3</RequestId></ResponseMetadata></GetRoleResponse>";

static const char s_gone_xml[] =
    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
    "<Code>NoSuchEntity</Code><Message>Role Gone not found</Message></Error>"
    "<RequestId>wTtAmgfLBUMS6M1TQIGATuqKzBytHfVwSIya9Lqo9fRd9Gr8zT0O</RequestId></ErrorResponse>";

static const char s_denied_xml[] =
    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
    "<Code>AccessDenied</Code><Message>User is not authorized to perform: iam:GetRole</Message></Error>"
    "<RequestId>r-1</RequestId></ErrorResponse>";

struct fixture {
	struct canned_transport t;
	struct c1_fake_clock clock;
	struct c1_aws_target target;
};

static void s_setup(struct fixture *f)
{
	canned_init(&f->t);
	c1_fake_clock_init(&f->clock, NOW_MS);
	f->target =
	    (struct c1_aws_target){&f->t.base, "https://iam.amazonaws.com", "us-east-1", &f->clock.clock};
}

static const struct c1_sigv4_credentials s_creds = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG", NULL};

C1_TEST(existing_role_is_found_with_a_signed_global_request)
{
	struct fixture f;
	s_setup(&f);
	canned_push(&f.t, 200, "Content-Type: text/xml", s_role_xml);
	C1_CHECK_INT(c1_iam_get_role(&f.target, &s_creds, "CloudOneRole", NULL), ==, 0);
	C1_CHECK_STR(f.t.body, "Action=GetRole&Version=2010-05-08&RoleName=CloudOneRole");
	C1_CHECK_STR(c1_headers_get(&f.t.headers, "Host"), "iam.amazonaws.com");
	C1_CHECK_CONTAINS(c1_headers_get(&f.t.headers, "Authorization"),
			  "Credential=AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/iam/aws4_request");
	canned_destroy(&f.t.base);
}

C1_TEST(no_such_entity_says_gone)
{
	struct fixture f;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push(&f.t, 404, "Content-Type: text/xml", s_gone_xml);
	C1_CHECK_INT(c1_iam_get_role(&f.target, &s_creds, "Gone", &err), ==, C1_ENOTFOUND);
	C1_CHECK_STR(err.code, "NoSuchEntity");
	C1_CHECK_CONTAINS(c1_error_last(), "Gone");
	canned_destroy(&f.t.base);
}

C1_TEST(access_denied_is_an_error_not_gone)
{
	struct fixture f;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push(&f.t, 403, "Content-Type: text/xml", s_denied_xml);
	C1_CHECK_INT(c1_iam_get_role(&f.target, &s_creds, "CloudOneRole", &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "AccessDenied");
	C1_CHECK_INT(err.http_status, ==, 403);
	canned_destroy(&f.t.base);
}

C1_TEST(bad_role_name_is_refused_before_sending)
{
	struct fixture f;
	s_setup(&f);
	C1_CHECK_INT(c1_iam_get_role(&f.target, &s_creds, "", NULL), ==, C1_EINVALID);
	C1_CHECK(f.t.body == NULL || f.t.body[0] == '\0');
	canned_destroy(&f.t.base);
}

C1_TEST(role_arn_parse)
{
	char acct[13], name[65];
	C1_CHECK(
	    c1_iam_role_arn_parse("arn:aws:iam::123456789012:role/CloudOneRole", acct, name, sizeof(name)));
	C1_CHECK_STR(acct, "123456789012");
	C1_CHECK_STR(name, "CloudOneRole");
	/* GetRole takes the name without the path */
	C1_CHECK(c1_iam_role_arn_parse("arn:aws-cn:iam::123456789012:role/svc/team/R-1", acct, name,
				       sizeof(name)));
	C1_CHECK_STR(name, "R-1");
	C1_CHECK(!c1_iam_role_arn_parse("arn:aws:iam::12345678901:role/x", acct, name, sizeof(name)));
	C1_CHECK(!c1_iam_role_arn_parse("arn:aws:iam::123456789012:user/x", acct, name, sizeof(name)));
	C1_CHECK(!c1_iam_role_arn_parse("arn:aws:sts::123456789012:role/x", acct, name, sizeof(name)));
	C1_CHECK(!c1_iam_role_arn_parse("arn:aws:iam::123456789012:role/", acct, name, sizeof(name)));
	C1_CHECK(!c1_iam_role_arn_parse(NULL, acct, name, sizeof(name)));
}
