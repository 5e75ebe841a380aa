/* API error parsing and classification: every body kind, Retry-After,
 * the SDK retry lists, credential scrubbing and truncation. */
#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/net/api_error.h"
#include "engine/net/headers.h"

#include <stdlib.h>

static void s_parse(struct c1_api_error *e, enum c1_api_body_kind kind, long status,
		    const char *headers_lines, const char *body)
{
	struct c1_headers h = C1_HEADERS_INIT;
	const char *p = headers_lines;
	while (p && *p) {
		size_t n = strcspn(p, "\n");
		const char *colon = memchr(p, ':', n);
		char *name = c1_strndup(p, (size_t)(colon - p));
		struct c1_str v = c1_str_trim((struct c1_str){colon + 1, n - (size_t)(colon + 1 - p)});
		char *value = c1_str_dup(v);
		c1_headers_add(&h, name, value);
		free(name);
		free(value);
		p += n + (p[n] == '\n');
	}
	c1_api_error_from_response(e, kind, status, &h, c1_str_from(body));
	c1_headers_dispose(&h);
}

C1_TEST(query_xml_throttling)
{
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_AWS_QUERY_XML, 400, "Content-Type: text/xml",
		"<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">\n"
		"  <Error>\n    <Type>Sender</Type>\n    <Code>Throttling</Code>\n"
		"    <Message>Rate exceeded</Message>\n  </Error>\n"
		"  <RequestId>7f1c3c1e-4b5a-11ef-9d5c-0a1b2c3d4e5f</RequestId>\n</ErrorResponse>");
	C1_CHECK_INT(e.http_status, ==, 400);
	C1_CHECK_STR(e.code, "Throttling");
	C1_CHECK_STR(e.message, "Rate exceeded");
	C1_CHECK_STR(e.request_id, "7f1c3c1e-4b5a-11ef-9d5c-0a1b2c3d4e5f");
	C1_CHECK(e.throttling);
	C1_CHECK(e.retryable);
	C1_CHECK(!e.timeout);
	C1_CHECK_INT(e.retry_after_ms, ==, -1);
}

C1_TEST(query_xml_validation_error_not_retryable)
{
	struct c1_api_error e;
	/* moto's exact shape; the header request id wins over the body's. */
	s_parse(
	    &e, C1_API_BODY_AWS_QUERY_XML, 400, "x-amzn-requestid: from-header",
	    "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender"
	    "</Type><Code>ValidationError</Code><Message>Stack with id nope does not exist</Message></Error>"
	    "<RequestId>from-body</RequestId></ErrorResponse>");
	C1_CHECK_STR(e.code, "ValidationError");
	C1_CHECK_STR(e.message, "Stack with id nope does not exist");
	C1_CHECK_STR(e.request_id, "from-header");
	C1_CHECK(!e.retryable);
	C1_CHECK(!e.throttling);

	/* EC2-style nesting and spelling. */
	s_parse(&e, C1_API_BODY_AWS_QUERY_XML, 503, NULL,
		"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
		"</Message></Error></Errors><RequestID>ec2-req</RequestID></Response>");
	C1_CHECK_STR(e.code, "RequestLimitExceeded");
	C1_CHECK_STR(e.request_id, "ec2-req");
	C1_CHECK(e.throttling);
}

C1_TEST(s3_xml_and_head_without_body)
{
	struct c1_api_error e;
	s_parse(
	    &e, C1_API_BODY_AWS_S3_XML, 404, "x-amz-request-id: 4442587FB7D0A2F9",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The "
	    "specified bucket does not exist</Message><BucketName>b</BucketName><RequestId>4442587FB7D0A2F9"
	    "</RequestId><HostId>abc=</HostId></Error>");
	C1_CHECK_STR(e.code, "NoSuchBucket");
	C1_CHECK_STR(e.message, "The specified bucket does not exist");
	C1_CHECK_STR(e.request_id, "4442587FB7D0A2F9");
	C1_CHECK(!e.retryable);

	s_parse(&e, C1_API_BODY_AWS_S3_XML, 404, "x-amz-request-id: R1", "");
	C1_CHECK_STR(e.code, "NotFound");
	C1_CHECK_STR(e.request_id, "R1");
	s_parse(&e, C1_API_BODY_AWS_S3_XML, 403, "x-amz-bucket-region: eu-central-1", NULL);
	C1_CHECK_STR(e.code, "Forbidden");
	C1_CHECK_STR(e.bucket_region, "eu-central-1");
	s_parse(&e, C1_API_BODY_AWS_S3_XML, 301, "x-amz-bucket-region: eu-west-1", "");
	C1_CHECK_STR(e.code, "PermanentRedirect");
	C1_CHECK_STR(e.bucket_region, "eu-west-1");
	C1_CHECK_CONTAINS(e.message, "eu-west-1");
	C1_CHECK(!e.retryable);
	s_parse(&e, C1_API_BODY_AWS_S3_XML, 503, NULL,
		"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
	C1_CHECK_STR(e.code, "SlowDown");
	C1_CHECK(e.throttling && e.retryable);
}

C1_TEST(aws_json_type_forms)
{
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_AWS_JSON, 400, "x-amzn-RequestId: j-1",
		"{\"__type\":\"com.amazonaws.cloudtrail.v20131101#TrailNotFoundException\","
		"\"message\":\"Unknown trail\"}");
	C1_CHECK_STR(e.code, "TrailNotFoundException");
	C1_CHECK_STR(e.message, "Unknown trail");
	C1_CHECK_STR(e.request_id, "j-1");
	C1_CHECK(!e.retryable);

	s_parse(&e, C1_API_BODY_AWS_JSON, 400, NULL,
		"{\"__type\":\"ThrottlingException:http://internal.amazon.com/coral/"
		"com.amazon.coral.availability/\","
		"\"Message\":\"Rate exceeded\"}");
	C1_CHECK_STR(e.code, "ThrottlingException");
	C1_CHECK_STR(e.message, "Rate exceeded");
	C1_CHECK(e.throttling && e.retryable);

	s_parse(&e, C1_API_BODY_AWS_JSON, 400,
		"x-amzn-ErrorType: InvalidParameterException:http://internal.amazon.com/coral/x/", "{}");
	C1_CHECK_STR(e.code, "InvalidParameterException");
}

C1_TEST(cloudone_json_message_and_fields)
{
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 400, NULL,
		"{\"message\":\"Invalid request\",\"fields\":{\"email\":\"must be an email address\"}}");
	C1_CHECK_STR(e.code, "HTTP400");
	C1_CHECK_CONTAINS(e.message, "Invalid request");
	C1_CHECK_CONTAINS(e.message, "email: must be an email address");
	C1_CHECK(!e.retryable);

	s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 429, "Retry-After: 7",
		"{\"message\":\"Too many API requests\"}");
	C1_CHECK_STR(e.code, "HTTP429");
	C1_CHECK_STR(e.message, "Too many API requests");
	C1_CHECK(e.throttling && e.retryable);
	C1_CHECK_INT(e.retry_after_ms, ==, 7000);

	s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 401, NULL, "{\"message\":\"Invalid API Key\"}");
	C1_CHECK_STR(e.message, "Invalid API Key");
	C1_CHECK(!e.retryable && !e.throttling);
}

C1_TEST(visionone_json_error_object)
{
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_VISIONONE_JSON, 403, "x-amzn-RequestId: v1-req",
		"{\"error\":{\"code\":\"AccessDenied\",\"message\":\"Insufficient permissions\","
		"\"innererror\":{\"code\":\"RoleMissing\",\"service\":\"uic\"}}}");
	C1_CHECK_STR(e.code, "AccessDenied");
	C1_CHECK_CONTAINS(e.message, "Insufficient permissions");
	C1_CHECK_CONTAINS(e.message, "RoleMissing");
	C1_CHECK_STR(e.request_id, "v1-req");
	C1_CHECK(!e.retryable);

	s_parse(&e, C1_API_BODY_VISIONONE_JSON, 429, NULL,
		"{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"Too many API requests\"}}");
	C1_CHECK(e.throttling && e.retryable);
}

C1_TEST(non_json_body_keeps_printable_excerpt)
{
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 502, NULL,
		"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\x01\x7f bad \xff "
		"gateway</body></html>");
	C1_CHECK_STR(e.code, "HTTP502");
	C1_CHECK(e.retryable);
	C1_CHECK_CONTAINS(e.message, "<title>502 Bad Gateway</title>");
	for (const char *p = e.message; *p; p++)
		C1_CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f && (unsigned char)*p < 0x80);
	C1_CHECK_CONTAINS(e.message, "bad ? gateway");

	/* Query XML kind with a body that is not XML. */
	s_parse(&e, C1_API_BODY_AWS_QUERY_XML, 500, NULL, "Internal Failure");
	C1_CHECK_STR(e.code, "HTTP500");
	C1_CHECK_STR(e.message, "Internal Failure");
	C1_CHECK(e.retryable);
}

C1_TEST(huge_body_is_truncated)
{
	size_t n = 1024 * 1024;
	char *big = c1_malloc(n + 1);
	memset(big, 'A', n);
	big[n] = '\0';
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_AWS_JSON, 500, NULL, big);
	C1_CHECK_INT(strlen(e.message), <, sizeof(e.message));
	C1_CHECK_INT(strlen(e.message), >, 400);
	C1_CHECK(strcmp(e.message + strlen(e.message) - 3, "...") == 0);
	free(big);

	/* A long JSON message with multi-byte characters is cut on a character boundary. */
	struct c1_buf body = C1_BUF_INIT;
	c1_buf_puts(&body, "{\"message\":\"");
	for (int i = 0; i < 400; i++)
		c1_buf_puts(&body, "\xc3\xa9"); /* e-acute */
	c1_buf_puts(&body, "\"}");
	s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 400, NULL, c1_buf_cstr(&body));
	size_t len = strlen(e.message);
	C1_CHECK_INT(len, <, sizeof(e.message));
	C1_CHECK(strcmp(e.message + len - 3, "...") == 0);
	C1_CHECK((unsigned char)e.message[len - 4] == 0xa9); /* last kept char is complete */
	c1_buf_dispose(&body);

	/* A huge code never overflows its field. */
	s_parse(&e, C1_API_BODY_AWS_JSON, 400, NULL,
		"{\"__type\":"
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	C1_CHECK_INT(strlen(e.code), ==, sizeof(e.code) - 1);
}

C1_TEST(credentials_are_scrubbed_from_messages)
{
	static const char *const secrets[] = {
	    "wJalrXUtnFEMI",     /* in a SigV4 Credential */
	    "AKIDEXAMPLE",       /* access key id in an echoed Authorization */
	    "5fa00fa31553b73e",  /* signature */
	    "S3cr3tPart",        /* Cloud One API key secret */
	    "eyJhbGciOiJIUzI1",  /* Vision One bearer token */
	    "FQoGZXIvYXdzEBYa",  /* session token */
	    "TOPSECRETKEYVALUE", /* secret in an echoed STS body */
	    "OIDCTOKENVALUE",    /* web identity token in an echoed form body */
	    "SSOBEARERVALUE",    /* SSO access token in an echoed header */
	    "IMDSTOKENVALUE",    /* IMDSv2 session token in an echoed header */
	};
	const char *bodies[] = {
	    "{\"message\":\"Bad header: Authorization: AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/"
	    "sts/aws4_request, SignedHeaders=host;x-amz-date, "
	    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a"
	    "2260956d9b8aae1d763fbf31 was rejected\"}",
	    "{\"message\":\"key ApiKey 1q7OabcdefXYZ:S3cr3tPart is invalid\"}",
	    "{\"message\":\"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig expired\"}",
	    "{\"message\":\"GET "
	    "/x?X-Amz-Security-Token=FQoGZXIvYXdzEBYaXYZ&X-Amz-Signature=5fa00fa31553b73eb&a=1\"}",
	    "{\"message\":\"x-amz-security-token:FQoGZXIvYXdzEBYaDaelI67 is expired\"}",
	    "<html>echo: <SecretAccessKey>TOPSECRETKEYVALUE</SecretAccessKey> ApiKey 1q7O:S3cr3tPart</html>",
	    "{\"message\":\"using AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request\"}",
	    "{\"message\":\"bad form Action=AssumeRoleWithWebIdentity&WebIdentityToken=OIDCTOKENVALUE&a=1\"}",
	    "{\"message\":\"header x-amz-sso_bearer_token:SSOBEARERVALUE refused\"}",
	    "{\"message\":\"header x-aws-ec2-metadata-token:IMDSTOKENVALUE refused\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct c1_api_error e;
		char formatted[1024];
		s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 400, NULL, bodies[i]);
		c1_api_error_format(&e, formatted, sizeof(formatted));
		for (size_t s = 0; s < sizeof(secrets) / sizeof(secrets[0]); s++) {
			C1_CHECK_NOT_CONTAINS(e.message, secrets[s]);
			C1_CHECK_NOT_CONTAINS(formatted, secrets[s]);
		}
		C1_CHECK_CONTAINS(e.message, "[REDACTED]");
	}
	/* The text around a credential survives. */
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 400, NULL, bodies[1]);
	C1_CHECK_STR(e.message, "key ApiKey [REDACTED] is invalid");

	/* Same for XML-parsed messages and transport messages. */
	s_parse(&e, C1_API_BODY_AWS_QUERY_XML, 403, NULL,
		"<ErrorResponse><Error><Code>IncompleteSignature</Code><Message>Authorization header "
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
		"Signature=abcdef0123 "
		"is invalid</Message></Error><RequestId>r</RequestId></ErrorResponse>");
	C1_CHECK_NOT_CONTAINS(e.message, "AKIDEXAMPLE");
	C1_CHECK_NOT_CONTAINS(e.message, "abcdef0123");
	C1_CHECK_CONTAINS(e.message, "is invalid");
	c1_api_error_from_transport(&e, C1_ETRANSPORT, "proxy said: Bearer eyJhbGciOiJIUzI1NiJ9 refused");
	C1_CHECK_NOT_CONTAINS(e.message, "eyJhbGciOiJIUzI1");
}

C1_TEST(retry_after_delta_seconds_and_http_dates)
{
	/* 1994-11-06T08:49:37Z */
	int64_t base = 784111777000LL;
	C1_CHECK_INT(c1_api_parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), ==, base);
	C1_CHECK_INT(c1_api_parse_http_date_ms("Sunday, 06-Nov-94 08:49:37 GMT"), ==, base);
	C1_CHECK_INT(c1_api_parse_http_date_ms("Sun Nov  6 08:49:37 1994"), ==, base);
	C1_CHECK_INT(c1_api_parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 PST"), ==, -1);
	C1_CHECK_INT(c1_api_parse_http_date_ms("yesterday"), ==, -1);

	C1_CHECK_INT(c1_api_parse_retry_after_ms("120", 0), ==, 120000);
	C1_CHECK_INT(c1_api_parse_retry_after_ms(" 0 ", 0), ==, 0);
	C1_CHECK_INT(c1_api_parse_retry_after_ms("Sun, 06 Nov 1994 08:50:07 GMT", base), ==, 30000);
	C1_CHECK_INT(c1_api_parse_retry_after_ms("Sun, 06 Nov 1994 08:49:07 GMT", base), ==, 0); /* past */
	C1_CHECK_INT(c1_api_parse_retry_after_ms("-5", 0), ==, -1);
	C1_CHECK_INT(c1_api_parse_retry_after_ms("1.5", 0), ==, -1);
	C1_CHECK_INT(c1_api_parse_retry_after_ms("", 0), ==, -1);
	C1_CHECK_INT(c1_api_parse_retry_after_ms(NULL, 0), ==, -1);
	C1_CHECK_INT(c1_api_parse_retry_after_ms("99999999999999999999", 0), >, 0); /* clamped, not wrapped */

	/* A date is measured from the response's own Date header. */
	struct c1_api_error e;
	s_parse(&e, C1_API_BODY_CLOUDONE_JSON, 503,
		"Date: Sun, 06 Nov 1994 08:49:37 GMT\nRetry-After: Sun, 06 Nov 1994 08:49:47 GMT",
		"{\"message\":\"maintenance\"}");
	C1_CHECK_INT(e.retry_after_ms, ==, 10000);
	C1_CHECK(e.retryable);
	/* x-amz-retry-after is milliseconds and wins. */
	s_parse(&e, C1_API_BODY_AWS_JSON, 400, "x-amz-retry-after: 1500\nRetry-After: 9",
		"{\"__type\":\"ThrottlingException\"}");
	C1_CHECK_INT(e.retry_after_ms, ==, 1500);
	s_parse(&e, C1_API_BODY_AWS_JSON, 400, "x-amz-retry-after: soon",
		"{\"__type\":\"ThrottlingException\"}");
	C1_CHECK_INT(e.retry_after_ms, ==, -1);
}

C1_TEST(every_throttling_code_is_throttling_and_retryable)
{
	static const char *const codes[] = {
	    "Throttling",
	    "ThrottlingException",
	    "ThrottledException",
	    "RequestThrottledException",
	    "TooManyRequestsException",
	    "ProvisionedThroughputExceededException",
	    "TransactionInProgressException",
	    "RequestLimitExceeded",
	    "BandwidthLimitExceeded",
	    "LimitExceededException",
	    "RequestThrottled",
	    "SlowDown",
	    "PriorRequestNotComplete",
	    "EC2ThrottledException",
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct c1_api_error e = C1_API_ERROR_INIT;
		e.http_status = 400;
		snprintf(e.code, sizeof(e.code), "%s", codes[i]);
		c1_api_error_classify(&e);
		if (!e.throttling || !e.retryable)
			c1_test_fail(__FILE__, __LINE__, "%s should be throttling and retryable", codes[i]);
	}
}

C1_TEST(transient_codes_and_statuses)
{
	static const char *const transient[] = {"RequestTimeout", "RequestTimeoutException",
						"PriorRequestNotComplete"};
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
		struct c1_api_error e = C1_API_ERROR_INIT;
		e.http_status = 400;
		snprintf(e.code, sizeof(e.code), "%s", transient[i]);
		c1_api_error_classify(&e);
		C1_CHECK(e.retryable);
	}
	long retry_statuses[] = {500, 502, 503, 504};
	for (size_t i = 0; i < 4; i++) {
		struct c1_api_error e = C1_API_ERROR_INIT;
		e.http_status = retry_statuses[i];
		snprintf(e.code, sizeof(e.code), "InternalFailure");
		c1_api_error_classify(&e);
		C1_CHECK(e.retryable);
		C1_CHECK(!e.throttling);
	}
	long final_statuses[] = {400, 401, 403, 404, 409, 413, 501};
	for (size_t i = 0; i < sizeof(final_statuses) / sizeof(final_statuses[0]); i++) {
		struct c1_api_error e = C1_API_ERROR_INIT;
		e.http_status = final_statuses[i];
		snprintf(e.code, sizeof(e.code), "AccessDenied");
		c1_api_error_classify(&e);
		C1_CHECK(!e.retryable);
	}
	struct c1_api_error e = C1_API_ERROR_INIT;
	e.http_status = 429;
	snprintf(e.code, sizeof(e.code), "HTTP429");
	c1_api_error_classify(&e);
	C1_CHECK(e.throttling && e.retryable);
}

C1_TEST(transport_failures)
{
	struct c1_api_error e;
	c1_api_error_from_transport(&e, C1_ETIMEOUT, "operation timed out after 30000 ms");
	C1_CHECK_INT(e.http_status, ==, 0);
	C1_CHECK(e.timeout && e.retryable && !e.throttling);
	C1_CHECK_STR(e.message, "operation timed out after 30000 ms");
	c1_api_error_from_transport(&e, C1_ETRANSPORT, "Could not resolve host");
	C1_CHECK(e.retryable && !e.timeout);
	/* An answer too large to read is lost, not refused: the request may have been carried out, so
	 * a create must look again (engine_huge_body), which the retry does. */
	c1_api_error_from_transport(&e, C1_ETOOBIG, "response larger than 8 MiB");
	C1_CHECK(e.retryable && !e.timeout && !e.throttling);
	C1_CHECK_STR(e.code, "ResponseTooLarge");
	c1_api_error_from_transport(&e, C1_EINVALID, NULL);
	C1_CHECK(!e.retryable);
	C1_CHECK_STR(e.message, "");
}

C1_TEST(format_shapes)
{
	struct c1_api_error e;
	char out[256];
	s_parse(&e, C1_API_BODY_AWS_QUERY_XML, 400, "x-amzn-RequestId: 1234-abcd",
		"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
		"</ErrorResponse>");
	c1_api_error_format(&e, out, sizeof(out));
	C1_CHECK_STR(out, "Throttling (HTTP 400, request 1234-abcd): Rate exceeded");
	c1_api_error_from_transport(&e, C1_ETIMEOUT, "timed out");
	c1_api_error_format(&e, out, sizeof(out));
	C1_CHECK_STR(out, "RequestTimeout: timed out");
	c1_api_error_format(&e, out, 8);
	C1_CHECK_INT(strlen(out), ==, 7);
}
