/* S3 HeadBucket / GetBucketLocation over a scripted transport: addressing
 * style, signing, the region answers (moto 5 shapes) and the quirks of
 * api-reference 2.7. */
#include "harness.h"

#include "engine/aws/s3.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/net/http_script.h"

#include <stdlib.h>

#define NOW_MS 1795741506000LL
#define LOC_NS "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

struct fixture {
	struct c1_http_script *script;
	struct c1_fake_clock clock;
	struct c1_aws_target target;
};

static const struct c1_sigv4_credentials s_creds = {"AKIAIOSFODNN7EXAMPLE",
						    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};

static void s_setup(struct fixture *f, const char *endpoint)
{
	f->script = c1_http_script_new();
	c1_fake_clock_init(&f->clock, NOW_MS);
	f->target = (struct c1_aws_target){c1_http_script_transport(f->script), endpoint, "eu-central-1",
					   &f->clock.clock};
}

C1_TEST(bucket_urls_path_and_virtual_host)
{
	struct fixture f;
	s_setup(&f, "https://s3.eu-central-1.amazonaws.com");
	char *u = c1_s3_bucket_url(&f.target, "trail-bucket", false, NULL);
	C1_CHECK_STR(u, "https://trail-bucket.s3.eu-central-1.amazonaws.com/");
	free(u);
	u = c1_s3_bucket_url(&f.target, "trail-bucket", false, "location");
	C1_CHECK_STR(u, "https://trail-bucket.s3.eu-central-1.amazonaws.com/?location");
	free(u);
	/* Dots break the wildcard certificate: path style even without an override. */
	u = c1_s3_bucket_url(&f.target, "logs.example.com", false, NULL);
	C1_CHECK_STR(u, "https://s3.eu-central-1.amazonaws.com/logs.example.com");
	free(u);
	c1_http_script_free(f.script);
	s_setup(&f, "http://127.0.0.1:4566/");
	u = c1_s3_bucket_url(&f.target, "trail-bucket", true, "location");
	C1_CHECK_STR(u, "http://127.0.0.1:4566/trail-bucket?location");
	free(u);
	c1_http_script_free(f.script);
}

C1_TEST(head_bucket_owned_virtual_host)
{
	struct fixture f;
	struct c1_s3_bucket_info info;
	s_setup(&f, "https://s3.eu-central-1.amazonaws.com");
	c1_http_script_push(f.script, 200, "x-amz-bucket-region: eu-central-1\nx-amz-request-id: LpGURB",
			    NULL);
	C1_CHECK_INT(c1_s3_head_bucket(&info, &f.target, &s_creds, "trail-bucket-eu", false, NULL), ==, 0);
	C1_CHECK(info.accessible && !info.forbidden && !info.moved);
	C1_CHECK_STR(info.region, "eu-central-1");
	const struct c1_http_script_request *r = c1_http_script_request(f.script, 0);
	C1_CHECK_STR(r->method, "HEAD");
	C1_CHECK_STR(r->url, "https://trail-bucket-eu.s3.eu-central-1.amazonaws.com/");
	C1_CHECK_STR(c1_headers_get(&r->headers, "Host"), "trail-bucket-eu.s3.eu-central-1.amazonaws.com");
	/* SHA-256 of the empty body, sent and signed. */
	C1_CHECK_STR(c1_headers_get(&r->headers, "x-amz-content-sha256"),
		     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	C1_CHECK_CONTAINS(
	    c1_headers_get(&r->headers, "Authorization"),
	    "/20261127/eu-central-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date");
	c1_http_script_free(f.script);
}

C1_TEST(head_bucket_forbidden_missing_moved)
{
	struct fixture f;
	struct c1_s3_bucket_info info;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, "http://127.0.0.1:4566");
	c1_http_script_push(f.script, 403, "x-amz-bucket-region: us-west-2", NULL);
	c1_http_script_push(f.script, 404, "x-amz-request-id: BEcH", NULL);
	c1_http_script_push(f.script, 301, "x-amz-bucket-region: ap-south-1", NULL);
	c1_http_script_push(f.script, 503, NULL, NULL);
	C1_CHECK_INT(c1_s3_head_bucket(&info, &f.target, &s_creds, "someone-elses", true, &err), ==, 0);
	C1_CHECK(info.forbidden && !info.accessible);
	C1_CHECK_STR(info.region, "us-west-2");
	C1_CHECK_STR(c1_http_script_request(f.script, 0)->url, "http://127.0.0.1:4566/someone-elses");
	C1_CHECK_INT(c1_s3_head_bucket(&info, &f.target, &s_creds, "nope-bucket", true, &err), ==,
		     C1_ENOTFOUND);
	C1_CHECK_STR(err.code, "NotFound");
	C1_CHECK_CONTAINS(c1_error_last(), "nope-bucket does not exist");
	C1_CHECK_INT(c1_s3_head_bucket(&info, &f.target, &s_creds, "far-away", true, &err), ==, 0);
	C1_CHECK(info.moved && !info.accessible);
	C1_CHECK_STR(info.region, "ap-south-1");
	C1_CHECK_INT(c1_s3_head_bucket(&info, &f.target, &s_creds, "busy-bucket", true, &err), ==, C1_EAPI);
	C1_CHECK(err.retryable);
	c1_http_script_free(f.script);
}

C1_TEST(bad_bucket_names_are_refused_before_sending)
{
	struct fixture f;
	struct c1_s3_bucket_info info;
	char region[32];
	s_setup(&f, "https://s3.eu-central-1.amazonaws.com");
	const char *bad[] = {"ab", "Upper-Case", "-lead", "under_score", "a/b", NULL};
	for (size_t i = 0; i < 6; i++) {
		C1_CHECK_INT(c1_s3_head_bucket(&info, &f.target, &s_creds, bad[i], false, NULL), ==,
			     C1_EINVALID);
		C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, bad[i], false, NULL), ==,
			     C1_EINVALID);
	}
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 0);
	c1_http_script_free(f.script);
}

C1_TEST(get_bucket_location_quirks)
{
	struct fixture f;
	char region[32];
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, "http://127.0.0.1:4566");
	c1_http_script_push(f.script, 200, NULL,
			    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<LocationConstraint " LOC_NS
			    ">eu-central-1</LocationConstraint>");
	c1_http_script_push(f.script, 200, NULL, "<LocationConstraint " LOC_NS "/>");
	c1_http_script_push(f.script, 200, NULL, "<LocationConstraint " LOC_NS ">EU</LocationConstraint>");
	c1_http_script_push(
	    f.script, 404, NULL,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The "
	    "specified bucket does not exist</Message><BucketName>gone</BucketName><RequestId>R1"
	    "</RequestId><HostId>H</HostId></Error>");
	c1_http_script_push(
	    f.script, 403, NULL,
	    "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R2</RequestId>"
	    "</Error>");
	c1_http_script_push(
	    f.script, 503, NULL,
	    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
	c1_http_script_push(f.script, 200, NULL, "<Other/>");
	C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, "trail-bucket-eu", true, NULL),
		     ==, 0);
	C1_CHECK_STR(region, "eu-central-1");
	const struct c1_http_script_request *r = c1_http_script_request(f.script, 0);
	C1_CHECK_STR(r->method, "GET");
	C1_CHECK_STR(r->url, "http://127.0.0.1:4566/trail-bucket-eu?location");
	C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, "virginia", true, NULL), ==, 0);
	C1_CHECK_STR(region, "us-east-1");
	C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, "ireland", true, NULL), ==, 0);
	C1_CHECK_STR(region, "eu-west-1");
	C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, "gone", true, &err), ==,
		     C1_ENOTFOUND);
	C1_CHECK_STR(err.code, "NoSuchBucket");
	C1_CHECK_STR(err.request_id, "R1");
	C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, "theirs", true, &err), ==,
		     C1_EAPI);
	C1_CHECK_STR(err.code, "AccessDenied");
	C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, "busy", true, &err), ==,
		     C1_ETHROTTLED);
	C1_CHECK_INT(c1_s3_get_bucket_location(region, &f.target, &s_creds, "odd", true, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_STR(region, "");
	c1_http_script_free(f.script);
}
