/* CloudTrail (JSON 1.1) over a scripted transport; bodies captured from
 * moto 5's CloudTrail server. */
#include "harness.h"

#include "engine/aws/cloudtrail.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/net/http_script.h"

#include <stdlib.h>

#define NOW_MS 1795741506000LL

struct fixture {
	struct c1_http_script *script;
	struct c1_fake_clock clock;
	struct c1_aws_target target;
};

static const struct c1_sigv4_credentials s_creds = {"AKIAIOSFODNN7EXAMPLE",
						    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SessTok"};

static void s_setup(struct fixture *f)
{
	f->script = c1_http_script_new();
	c1_fake_clock_init(&f->clock, NOW_MS);
	f->target = (struct c1_aws_target){c1_http_script_transport(f->script),
					   "https://cloudtrail.eu-central-1.amazonaws.com", "eu-central-1",
					   &f->clock.clock};
}

C1_TEST(describe_trails_request_and_fields)
{
	struct fixture f;
	struct c1_cloudtrail_trail_list list = C1_CLOUDTRAIL_TRAIL_LIST_INIT;
	s_setup(&f);
	c1_http_script_push(
	    f.script, 200, "x-amzn-RequestId: UD5h29",
	    "{\"trailList\": [{\"Name\": \"org\", \"S3BucketName\": \"trail-bucket-eu\", "
	    "\"IncludeGlobalServiceEvents\": true, \"IsMultiRegionTrail\": true, \"TrailARN\": "
	    "\"arn:aws:cloudtrail:eu-central-1:123456789012:trail/org\", \"LogFileValidationEnabled\": "
	    "false, "
	    "\"IsOrganizationTrail\": true, \"HasCustomEventSelectors\": false, \"HasInsightSelectors\": "
	    "false, "
	    "\"CloudWatchLogsLogGroupArn\": null, \"CloudWatchLogsRoleArn\": null, \"KmsKeyId\": null, "
	    "\"HomeRegion\": \"eu-central-1\"}, {\"Name\": \"local\", \"S3BucketName\": \"b2\", "
	    "\"S3KeyPrefix\": "
	    "\"p\", \"IsMultiRegionTrail\": false, \"HomeRegion\": \"us-east-1\"}]}");
	C1_CHECK_INT(c1_cloudtrail_describe_trails(&list, &f.target, &s_creds, NULL), ==, 0);
	const struct c1_http_script_request *r = c1_http_script_request(f.script, 0);
	C1_CHECK_STR(r->method, "POST");
	C1_CHECK_STR(r->url, "https://cloudtrail.eu-central-1.amazonaws.com");
	C1_CHECK_STR(c1_headers_get(&r->headers, "X-Amz-Target"),
		     "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails");
	C1_CHECK_STR(c1_headers_get(&r->headers, "Content-Type"), "application/x-amz-json-1.1");
	C1_CHECK_STR(c1_headers_get(&r->headers, "X-Amz-Security-Token"), "SessTok");
	C1_CHECK_CONTAINS(c1_headers_get(&r->headers, "Authorization"),
			  "/eu-central-1/cloudtrail/aws4_request");
	C1_CHECK_CONTAINS(c1_headers_get(&r->headers, "Authorization"), "x-amz-target");
	C1_CHECK_STR(r->body, "{\"includeShadowTrails\":true}");
	C1_CHECK_INT(list.count, ==, 2);
	C1_CHECK_STR(list.items[0].name, "org");
	C1_CHECK_STR(list.items[0].s3_bucket_name, "trail-bucket-eu");
	C1_CHECK_STR(list.items[0].arn, "arn:aws:cloudtrail:eu-central-1:123456789012:trail/org");
	C1_CHECK_STR(list.items[0].home_region, "eu-central-1");
	C1_CHECK(list.items[0].multi_region && list.items[0].organization);
	C1_CHECK(list.items[0].s3_key_prefix == NULL);
	C1_CHECK_STR(list.items[1].s3_key_prefix, "p");
	C1_CHECK(!list.items[1].multi_region && !list.items[1].organization);
	c1_cloudtrail_trail_list_dispose(&list);
	c1_cloudtrail_trail_list_dispose(&list);
	c1_http_script_free(f.script);
}

C1_TEST(trail_status_and_errors)
{
	struct fixture f;
	bool logging = false;
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_cloudtrail_trail_list list = C1_CLOUDTRAIL_TRAIL_LIST_INIT;
	s_setup(&f);
	c1_http_script_push(f.script, 200, NULL,
			    "{\"IsLogging\": true, \"LatestDeliveryAttemptTime\": \"2026-11-27T01:30:09Z\", "
			    "\"StartLoggingTime\": 1795743009, \"LatestDeliveryTime\": 1795743009}");
	c1_http_script_push(
	    f.script, 400, "X-Amzn-ErrorType: TrailNotFoundException\nx-amzn-RequestId: TLfK",
	    "{\"__type\": \"TrailNotFoundException\", \"message\": \"Unknown trail: "
	    "arn:aws:cloudtrail:eu-central-1:123456789012:trail/nope for the user: 123456789012\"}");
	c1_http_script_push(
	    f.script, 400, NULL,
	    "{\"__type\": \"com.amazonaws.cloudtrail.v20131101#ThrottlingException\", \"message\": "
	    "\"Rate exceeded\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"somethingElse\": []}");
	C1_CHECK_INT(c1_cloudtrail_get_trail_status(&logging, &f.target, &s_creds, "org", NULL), ==, 0);
	C1_CHECK(logging);
	C1_CHECK_STR(c1_http_script_request(f.script, 0)->body, "{\"Name\":\"org\"}");
	C1_CHECK_STR(c1_headers_get(&c1_http_script_request(f.script, 0)->headers, "X-Amz-Target"),
		     "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.GetTrailStatus");
	C1_CHECK_INT(c1_cloudtrail_get_trail_status(&logging, &f.target, &s_creds, "nope", &err), ==,
		     C1_ENOTFOUND);
	C1_CHECK_STR(err.code, "TrailNotFoundException");
	C1_CHECK_STR(err.request_id, "TLfK");
	C1_CHECK(!logging);
	C1_CHECK_INT(c1_cloudtrail_describe_trails(&list, &f.target, &s_creds, &err), ==, C1_ETHROTTLED);
	C1_CHECK_STR(err.code, "ThrottlingException");
	C1_CHECK_INT(c1_cloudtrail_describe_trails(&list, &f.target, &s_creds, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_INT(list.count, ==, 0);
	C1_CHECK_INT(c1_cloudtrail_get_trail_status(&logging, &f.target, &s_creds, "", &err), ==,
		     C1_EINVALID);
	c1_http_script_free(f.script);
}
