/* Query protocol over a canned transport: the exact form body and headers
 * sent, the signature, result parsing, and every failure path. */
#include "harness.h"

#include "canned_transport.h"

#include "engine/aws/query.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"

#include <stdlib.h>

#define AKID   "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define TOKEN  "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=="
#define NOW_MS 1704196800123LL /* 2024-01-02T12:00:00.123Z */

struct fixture {
	struct canned_transport t;
	struct c1_fake_clock clock;
	struct c1_aws_target target;
};

static void s_setup(struct fixture *f)
{
	canned_init(&f->t);
	c1_fake_clock_init(&f->clock, NOW_MS);
	f->target = (struct c1_aws_target){&f->t.base, "https://cloudformation.eu-west-1.amazonaws.com/",
					   "eu-west-1", &f->clock.clock};
}

static const struct c1_sigv4_credentials s_creds = {AKID, SECRET, TOKEN};

C1_TEST(form_body_is_exact)
{
	struct c1_query_params p = C1_QUERY_PARAMS_INIT;
	struct c1_buf body = C1_BUF_INIT;
	c1_query_params_add(&p, "StackName", "c1-onboard");
	c1_query_params_add(&p, "TemplateURL", "https://b.s3.amazonaws.com/t.yaml?v=1&x=y z");
	c1_query_params_add_member(&p, "Parameters", 1, "ParameterKey", "ExternalID");
	c1_query_params_add_member(&p, "Parameters", 1, "ParameterValue", "a+b/c=d");
	c1_query_params_add_member(&p, "Capabilities", 1, NULL, "CAPABILITY_NAMED_IAM");
	c1_query_params_add_member(&p, "Tags", 1, "Key", "owner");
	c1_query_params_add_member(&p, "Tags", 1, "Value", "caf\xc3\xa9 ~team");
	c1_query_params_add(&p, "Skipped", NULL);
	c1_query_params_add_int(&p, "TimeoutInMinutes", 30);
	C1_CHECK_STR(c1_query_params_get(&p, "Tags.member.1.Key"), "owner");
	C1_CHECK(c1_query_params_get(&p, "Skipped") == NULL);
	C1_CHECK_INT(c1_query_encode(&body, "CreateStack", "2010-05-15", &p), ==, 0);
	C1_CHECK_STR(
	    c1_buf_cstr(&body),
	    "Action=CreateStack&Version=2010-05-15&StackName=c1-onboard"
	    "&TemplateURL=https%3A%2F%2Fb.s3.amazonaws.com%2Ft.yaml%3Fv%3D1%26x%3Dy%20z"
	    "&Parameters.member.1.ParameterKey=ExternalID&Parameters.member.1.ParameterValue=a%2Bb%2Fc%3Dd"
	    "&Capabilities.member.1=CAPABILITY_NAMED_IAM&Tags.member.1.Key=owner"
	    "&Tags.member.1.Value=caf%C3%A9%20~team&TimeoutInMinutes=30");
	c1_buf_dispose(&body);
	c1_query_params_dispose(&p);
}

C1_TEST(request_is_signed_post_with_form_content_type)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_query_params p = C1_QUERY_PARAMS_INIT;
	struct c1_sigv4_authorization authz = C1_SIGV4_AUTHORIZATION_INIT;
	s_setup(&f);
	canned_push(
	    &f.t, 200, "x-amzn-RequestId: hdr-id",
	    "<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
	    "<DescribeStacksResult><Stacks><member><StackName>s1</StackName><StackStatus>CREATE_COMPLETE"
	    "</StackStatus></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>"
	    "b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata></DescribeStacksResponse>");
	c1_query_params_add(&p, "StackName", "s1");
	struct c1_query_request req = {"cloudformation", "DescribeStacks", "2010-05-15", &p, 0};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, NULL), ==, 0);

	C1_CHECK_INT(f.t.calls, ==, 1);
	C1_CHECK_STR(f.t.method, "POST");
	C1_CHECK_STR(f.t.url, "https://cloudformation.eu-west-1.amazonaws.com/");
	C1_CHECK_STR(f.t.body, "Action=DescribeStacks&Version=2010-05-15&StackName=s1");
	C1_CHECK_STR(c1_headers_get(&f.t.headers, "Content-Type"),
		     "application/x-www-form-urlencoded; charset=utf-8");
	C1_CHECK_STR(c1_headers_get(&f.t.headers, "Host"), "cloudformation.eu-west-1.amazonaws.com");
	C1_CHECK_STR(c1_headers_get(&f.t.headers, "X-Amz-Date"), "20240102T120000Z");
	C1_CHECK_STR(c1_headers_get(&f.t.headers, "X-Amz-Security-Token"), TOKEN);
	const char *a = c1_headers_get(&f.t.headers, "Authorization");
	const char *shape =
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/eu-west-1/cloudformation/"
	    "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=";
	C1_CHECK(strncmp(a, shape, strlen(shape)) == 0);
	C1_CHECK_INT(strlen(a), ==, strlen(shape) + 64);
	C1_CHECK_INT(strspn(a + strlen(shape), "0123456789abcdef"), ==, 64);

	/* A server holding the secret accepts exactly what was sent. */
	C1_CHECK_INT(c1_sigv4_authorization_parse(&authz, a), ==, 0);
	struct c1_sigv4_verify_input in = {
	    .method = f.t.method,
	    .raw_path = "/",
	    .headers = &f.t.headers,
	    .body = c1_str_from(f.t.body),
	    .signed_headers = authz.signed_headers,
	    .credential_scope = authz.scope,
	};
	C1_CHECK_INT(c1_sigv4_verify(&in, SECRET, authz.signature), ==, 0);

	C1_CHECK_INT(resp.status, ==, 200);
	C1_CHECK_STR(c1_xml_name(resp.result), "DescribeStacksResult");
	C1_CHECK_STR(resp.request_id, "b9b4b068-3a41-11e5-94eb-example");
	char *status = c1_xml_text(resp.result, "Stacks/member/StackStatus");
	C1_CHECK_STR(status, "CREATE_COMPLETE");
	free(status);

	c1_sigv4_authorization_dispose(&authz);
	c1_query_response_dispose(&resp);
	c1_query_params_dispose(&p);
	canned_destroy(&f.t.base);
}

C1_TEST(error_xml_gives_eapi_with_code_and_request_id)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push(
	    &f.t, 400, "x-amzn-RequestId: 5e1a-req",
	    "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender"
	    "</Type><Code>ValidationError</Code><Message>Stack with id s9 does not exist</Message></Error>"
	    "<RequestId>5e1a-req</RequestId></ErrorResponse>");
	struct c1_query_request req = {"cloudformation", "DescribeStacks", "2010-05-15", NULL, 0};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, &err), ==, C1_EAPI);
	C1_CHECK_INT(err.http_status, ==, 400);
	C1_CHECK_STR(err.code, "ValidationError");
	C1_CHECK_STR(err.message, "Stack with id s9 does not exist");
	C1_CHECK_STR(err.request_id, "5e1a-req");
	C1_CHECK(!err.retryable);
	C1_CHECK(resp.doc == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "cloudformation DescribeStacks failed: ValidationError (HTTP 400");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), SECRET);
	C1_CHECK_NOT_CONTAINS(c1_error_last(), TOKEN);
	canned_destroy(&f.t.base);
}

C1_TEST(throttling_gives_ethrottled)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push(&f.t, 400, NULL,
		    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded"
		    "</Message></Error><RequestId>t-1</RequestId></ErrorResponse>");
	struct c1_query_request req = {"cloudformation", "DescribeStacks", "2010-05-15", NULL, 0};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, &err), ==, C1_ETHROTTLED);
	C1_CHECK(err.throttling && err.retryable);
	C1_CHECK_STR(err.request_id, "t-1");
	/* Exactly one attempt: retries belong to the decorating transport. */
	C1_CHECK_INT(f.t.calls, ==, 1);
	canned_destroy(&f.t.base);
}

C1_TEST(error_echoing_credentials_is_scrubbed)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	char echoed[1024];
	s_setup(&f);
	/* A hostile or buggy endpoint echoes our headers back. */
	snprintf(echoed, sizeof(echoed),
		 "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>bad "
		 "X-Amz-Security-Token=%s with "
		 "AWS4-HMAC-SHA256 Credential=%s/20240102/eu-west-1/cloudformation/aws4_request, "
		 "Signature=0123456789abcdef</Message></Error></ErrorResponse>",
		 TOKEN, AKID);
	canned_push(&f.t, 403, NULL, echoed);
	struct c1_query_request req = {"cloudformation", "DescribeStacks", "2010-05-15", NULL, 0};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidClientTokenId");
	C1_CHECK_NOT_CONTAINS(err.message, "IQoJb3JpZ2lu");
	C1_CHECK_NOT_CONTAINS(err.message, AKID);
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "IQoJb3JpZ2lu");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), AKID);
	canned_destroy(&f.t.base);
}

C1_TEST(transport_failure_passes_code_up)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push_failure(&f.t, C1_ETIMEOUT);
	canned_push_failure(&f.t, C1_ETRANSPORT);
	struct c1_query_request req = {"sts", "GetCallerIdentity", "2011-06-15", NULL, 0};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, &err), ==, C1_ETIMEOUT);
	C1_CHECK(err.timeout && err.retryable);
	C1_CHECK_INT(err.http_status, ==, 0);
	C1_CHECK_CONTAINS(err.message, "connection reset by peer");
	C1_CHECK_CONTAINS(c1_error_last(), "sts GetCallerIdentity");
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, NULL), ==, C1_ETRANSPORT);
	canned_destroy(&f.t.base);
}

C1_TEST(success_with_unreadable_body_is_eapi)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	canned_push(&f.t, 200, "x-amzn-RequestId: r-9", "<html>captive portal");
	struct c1_query_request req = {"sts", "GetCallerIdentity", "2011-06-15", NULL, 0};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_STR(err.request_id, "r-9");
	C1_CHECK_INT(err.http_status, ==, 200);
	/* cut or garbled on the way: sending again may succeed */
	C1_CHECK(err.retryable);
	C1_CHECK(resp.doc == NULL);
	canned_destroy(&f.t.base);
}

C1_TEST(result_element_falls_back_to_root)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	s_setup(&f);
	canned_push(&f.t, 200, "x-amzn-RequestId: only-header",
		    "<DeleteStackResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
		    "</DeleteStackResponse>");
	struct c1_query_request req = {"cloudformation", "DeleteStack", "2010-05-15", NULL, 0};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, NULL), ==, 0);
	C1_CHECK_STR(c1_xml_name(resp.result), "DeleteStackResponse");
	C1_CHECK_STR(resp.request_id, "only-header");
	c1_query_response_dispose(&resp);
	canned_destroy(&f.t.base);
}

C1_TEST(unusable_inputs_are_refused_before_sending)
{
	struct fixture f;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	s_setup(&f);
	struct c1_query_request req = {"sts", "GetCallerIdentity", "2011-06-15", NULL, 0};
	f.target.region = "";
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, NULL), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "region");
	f.target.region = "eu-west-1";
	f.target.endpoint_url = "not a url";
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &s_creds, &req, NULL), ==, C1_EINVALID);
	f.target.endpoint_url = "https://sts.eu-west-1.amazonaws.com";
	struct c1_sigv4_credentials none = {"", "", NULL};
	C1_CHECK_INT(c1_query_call(&resp, &f.target, &none, &req, NULL), ==, C1_EINVALID);
	C1_CHECK_INT(f.t.calls, ==, 0);
	canned_destroy(&f.t.base);
}
