/* CloudFormation client over a scripted transport. Response bodies were
 * captured from moto 5's CloudFormation server (same shapes as AWS and
 * botocore's 2010-05-15 model); drift and failure bodies follow botocore's
 * shapes. Checks the request sent, parsing, and the error mapping. */
#include "harness.h"

#include "engine/aws/cloudformation.h"
#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/net/http_script.h"

#include <stdlib.h>

#define NOW_MS 1795741506000LL /* 2026-11-27T01:05:06Z */
#define NS     "xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\""
#define STACK_ID                                                              \
	"arn:aws:cloudformation:eu-central-1:123456789012:stack/CloudOne-C1/" \
	"d0231ab1-5cd2-4e45-a6c1-a7eaca628110"
#define TOKEN "svcTok3nSecretValue42"

static const char s_describe_xml[] =
    "<DescribeStacksResponse " NS "><DescribeStacksResult><Stacks><member><StackId>" STACK_ID
    "</StackId><StackName>CloudOne-C1</StackName><Parameters><member><ParameterKey>P1</ParameterKey>"
    "<ParameterValue>q1</ParameterValue></member><member><ParameterKey>Empty</ParameterKey><ParameterValue/>"
    "</member></Parameters><CreationTime>2026-11-27T01:30:09.110129Z</CreationTime>"
    "<StackStatus>CREATE_COMPLETE</StackStatus><DisableRollback>false</DisableRollback><NotificationARNs/>"
    "<Outputs><member><OutputKey>QA</OutputKey><OutputValue>arn:aws:sqs:eu-central-1:123456789012:q1"
    "</OutputValue></member></Outputs><Tags><member><Key>c1onboard:account</Key><Value>123456789012</Value>"
    "</member></Tags><EnableTerminationProtection>false</EnableTerminationProtection>"
    "<DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation>"
    "</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>"
    "LveGOwhFn3Brd32Bfs8CbhC0NA5pHIDGcklwwFjf9pwX3gx3hdPK</RequestId></ResponseMetadata></"
    "DescribeStacksResponse>";

static const char s_missing_xml[] =
    "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id "
    "Missing does not exist</Message></Error><RequestId>wXozzM09Fk8NICaNOQ5oRNai5gtA4di3TdztAl7mtIpir7g4Apfc"
    "</RequestId></ErrorResponse>";

static const char s_throttle_xml[] =
    "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
    "</Error><RequestId>7d3a5d2e-0000-4c4c-9f6e-throttle</RequestId></ErrorResponse>";

struct fixture {
	struct c1_http_script *script;
	struct c1_fake_clock clock;
	struct c1_aws_target target;
};

static const struct c1_sigv4_credentials s_creds = {"AKIAIOSFODNN7EXAMPLE",
						    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};

static void s_setup(struct fixture *f)
{
	f->script = c1_http_script_new();
	c1_fake_clock_init(&f->clock, NOW_MS);
	f->target = (struct c1_aws_target){c1_http_script_transport(f->script),
					   "https://cloudformation.eu-central-1.amazonaws.com",
					   "eu-central-1", &f->clock.clock};
}

static const struct c1_http_script_request *s_req(struct fixture *f, size_t i)
{
	const struct c1_http_script_request *r = c1_http_script_request(f->script, i);
	C1_CHECK(r != NULL);
	return r;
}

C1_TEST(status_classes)
{
	C1_CHECK_INT(c1_cfn_status_classify("CREATE_IN_PROGRESS"), ==, C1_CFN_STATUS_IN_PROGRESS);
	C1_CHECK_INT(c1_cfn_status_classify("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"), ==,
		     C1_CFN_STATUS_IN_PROGRESS);
	C1_CHECK_INT(c1_cfn_status_classify("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"), ==,
		     C1_CFN_STATUS_IN_PROGRESS);
	C1_CHECK_INT(c1_cfn_status_classify("DELETE_IN_PROGRESS"), ==, C1_CFN_STATUS_IN_PROGRESS);
	const char *complete[] = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "DELETE_COMPLETE"};
	for (size_t i = 0; i < 4; i++)
		C1_CHECK_INT(c1_cfn_status_classify(complete[i]), ==, C1_CFN_STATUS_COMPLETE);
	const char *rolled[] = {"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"};
	for (size_t i = 0; i < 3; i++)
		C1_CHECK_INT(c1_cfn_status_classify(rolled[i]), ==, C1_CFN_STATUS_ROLLED_BACK);
	const char *failed[] = {"CREATE_FAILED", "UPDATE_FAILED",          "ROLLBACK_FAILED",
				"DELETE_FAILED", "UPDATE_ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED"};
	for (size_t i = 0; i < 6; i++)
		C1_CHECK_INT(c1_cfn_status_classify(failed[i]), ==, C1_CFN_STATUS_FAILED);
	C1_CHECK_INT(c1_cfn_status_classify("REVIEW_IN_PROGRESS"), ==, C1_CFN_STATUS_REVIEW);
	C1_CHECK_INT(c1_cfn_status_classify("SOMETHING_NEW"), ==, C1_CFN_STATUS_UNKNOWN);
	C1_CHECK_INT(c1_cfn_status_classify(NULL), ==, C1_CFN_STATUS_UNKNOWN);
	C1_CHECK_STR(c1_cfn_status_class_name(C1_CFN_STATUS_ROLLED_BACK), "rolled_back");
}

C1_TEST(create_stack_sends_every_input)
{
	struct fixture f;
	char *id = NULL;
	s_setup(&f);
	c1_http_script_push(f.script, 200, "x-amzn-RequestId: r1",
			    "<CreateStackResponse " NS "><CreateStackResult><StackId>" STACK_ID
			    "</StackId></CreateStackResult><ResponseMetadata><RequestId>r1</RequestId>"
			    "</ResponseMetadata></CreateStackResponse>");
	struct c1_cfn_parameter params[] = {{"ServiceToken", TOKEN, false}, {"APIVersion", "v1", false}};
	const char *caps[] = {"CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
	struct c1_cfn_tag tags[] = {{"c1onboard:account", "123456789012"}, {"team", "a b"}};
	struct c1_cfn_stack_input in = {
	    .stack_name = "CloudOne-CTrl",
	    .template_url = "https://bucket.s3.eu-central-1.amazonaws.com/t.template",
	    .parameters = params,
	    .parameter_count = 2,
	    .capabilities = caps,
	    .capability_count = 2,
	    .tags = tags,
	    .tag_count = 2,
	    .on_failure = "DELETE",
	    .client_request_token = "c1-run1-ctrl",
	};
	C1_CHECK_INT(c1_cfn_create_stack(&id, &f.target, &s_creds, &in, NULL), ==, 0);
	C1_CHECK_STR(id, STACK_ID);
	const struct c1_http_script_request *r = s_req(&f, 0);
	C1_CHECK_STR(r->method, "POST");
	C1_CHECK_STR(r->url, "https://cloudformation.eu-central-1.amazonaws.com");
	C1_CHECK_STR(
	    r->body,
	    "Action=CreateStack&Version=2010-05-15&StackName=CloudOne-CTrl"
	    "&TemplateURL=https%3A%2F%2Fbucket.s3.eu-central-1.amazonaws.com%2Ft.template"
	    "&Parameters.member.1.ParameterKey=ServiceToken&Parameters.member.1.ParameterValue=" TOKEN
	    "&Parameters.member.2.ParameterKey=APIVersion&Parameters.member.2.ParameterValue=v1"
	    "&Capabilities.member.1=CAPABILITY_NAMED_IAM&Capabilities.member.2=CAPABILITY_AUTO_EXPAND"
	    "&Tags.member.1.Key=c1onboard%3Aaccount&Tags.member.1.Value=123456789012"
	    "&Tags.member.2.Key=team&Tags.member.2.Value=a%20b&OnFailure=DELETE"
	    "&ClientRequestToken=c1-run1-ctrl");
	C1_CHECK_CONTAINS(
	    c1_headers_get(&r->headers, "Authorization"),
	    "Credential=AKIAIOSFODNN7EXAMPLE/20261127/eu-central-1/cloudformation/aws4_request");
	free(id);
	c1_http_script_free(f.script);
}

C1_TEST(create_stack_refuses_bad_input_before_sending)
{
	struct fixture f;
	char *id = NULL;
	s_setup(&f);
	struct c1_cfn_stack_input no_template = {.stack_name = "CloudOne-C1"};
	struct c1_cfn_stack_input both = {
	    .stack_name = "CloudOne-C1", .template_body = "{}", .template_url = "https://x"};
	struct c1_cfn_stack_input bad_name = {.stack_name = "1bad_name", .template_body = "{}"};
	C1_CHECK_INT(c1_cfn_create_stack(&id, &f.target, &s_creds, &no_template, NULL), ==, C1_EINVALID);
	C1_CHECK_INT(c1_cfn_create_stack(&id, &f.target, &s_creds, &both, NULL), ==, C1_EINVALID);
	C1_CHECK_INT(c1_cfn_create_stack(&id, &f.target, &s_creds, &bad_name, NULL), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "1bad_name");
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 0);
	C1_CHECK(id == NULL);
	c1_http_script_free(f.script);
}

C1_TEST(create_stack_error_never_quotes_parameter_values)
{
	struct fixture f;
	char *id = NULL;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	c1_http_script_push(
	    f.script, 400, NULL,
	    "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>AlreadyExistsException</Code>"
	    "<Message>Stack [CloudOne-CTrl] already exists</Message></Error><RequestId>r2</RequestId>"
	    "</ErrorResponse>");
	struct c1_cfn_parameter params[] = {{"ServiceToken", TOKEN, false}};
	struct c1_cfn_stack_input in = {
	    .stack_name = "CloudOne-CTrl", .template_body = "{}", .parameters = params, .parameter_count = 1};
	C1_CHECK_INT(c1_cfn_create_stack(&id, &f.target, &s_creds, &in, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "AlreadyExistsException");
	C1_CHECK_STR(err.request_id, "r2");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), TOKEN);
	C1_CHECK_NOT_CONTAINS(err.message, TOKEN);
	c1_http_script_free(f.script);
}

C1_TEST(update_stack_previous_values_and_no_updates)
{
	struct fixture f;
	char *id = NULL;
	bool none = true;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	c1_http_script_push(f.script, 200, NULL,
			    "<UpdateStackResponse " NS "><UpdateStackResult><StackId>" STACK_ID
			    "</StackId></UpdateStackResult></UpdateStackResponse>");
	c1_http_script_push(
	    f.script, 400, NULL,
	    "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>ValidationError</Code><Message>No "
	    "updates are to be performed.</Message></Error><RequestId>AiEOM7</RequestId></ErrorResponse>");
	struct c1_cfn_parameter params[] = {{"P1", NULL, true}, {"P2", "new", false}};
	struct c1_cfn_stack_input in = {.stack_name = "CloudOne-C1",
					.use_previous_template = true,
					.parameters = params,
					.parameter_count = 2};
	C1_CHECK_INT(c1_cfn_update_stack(&id, &none, &f.target, &s_creds, &in, &err), ==, 0);
	C1_CHECK(!none);
	C1_CHECK_STR(id, STACK_ID);
	C1_CHECK_STR(s_req(&f, 0)->body,
		     "Action=UpdateStack&Version=2010-05-15&StackName=CloudOne-C1"
		     "&UsePreviousTemplate=true&Parameters.member.1.ParameterKey=P1"
		     "&Parameters.member.1.UsePreviousValue=true"
		     "&Parameters.member.2.ParameterKey=P2&Parameters.member.2.ParameterValue=new");
	free(id);
	C1_CHECK_INT(c1_cfn_update_stack(&id, &none, &f.target, &s_creds, &in, &err), ==, 0);
	C1_CHECK(none);
	C1_CHECK(id == NULL);
	c1_http_script_free(f.script);
}

C1_TEST(describe_stack_parses_everything)
{
	struct fixture f;
	struct c1_cfn_stack st = C1_CFN_STACK_INIT;
	s_setup(&f);
	c1_http_script_push(f.script, 200, NULL, s_describe_xml);
	C1_CHECK_INT(c1_cfn_describe_stack(&st, &f.target, &s_creds, "CloudOne-C1", NULL), ==, 0);
	C1_CHECK_STR(s_req(&f, 0)->body, "Action=DescribeStacks&Version=2010-05-15&StackName=CloudOne-C1");
	C1_CHECK_STR(st.stack_id, STACK_ID);
	C1_CHECK_STR(st.name, "CloudOne-C1");
	C1_CHECK_STR(st.status, "CREATE_COMPLETE");
	C1_CHECK(st.status_reason == NULL);
	C1_CHECK(st.last_updated_time == NULL);
	C1_CHECK_STR(st.creation_time, "2026-11-27T01:30:09.110129Z");
	C1_CHECK_STR(st.drift_status, "NOT_CHECKED");
	C1_CHECK_INT(st.parameter_count, ==, 2);
	C1_CHECK_STR(c1_cfn_kv_get(st.parameters, st.parameter_count, "P1"), "q1");
	C1_CHECK_STR(c1_cfn_kv_get(st.parameters, st.parameter_count, "Empty"), "");
	C1_CHECK_INT(st.output_count, ==, 1);
	C1_CHECK_STR(c1_cfn_kv_get(st.outputs, st.output_count, "QA"),
		     "arn:aws:sqs:eu-central-1:123456789012:q1");
	C1_CHECK_INT(st.tag_count, ==, 1);
	C1_CHECK_STR(c1_cfn_kv_get(st.tags, st.tag_count, "c1onboard:account"), "123456789012");
	C1_CHECK(c1_cfn_kv_get(st.tags, st.tag_count, "nope") == NULL);
	c1_cfn_stack_dispose(&st);
	c1_cfn_stack_dispose(&st);
	c1_http_script_free(f.script);
}

C1_TEST(missing_stack_is_enotfound_throttling_is_ethrottled)
{
	struct fixture f;
	struct c1_cfn_stack st = C1_CFN_STACK_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_cfn_event_page ev = C1_CFN_EVENT_PAGE_INIT;
	char *body = NULL;
	s_setup(&f);
	c1_http_script_push(f.script, 400, "x-amzn-RequestId: wXozz", s_missing_xml);
	c1_http_script_push(f.script, 400, NULL, s_throttle_xml);
	c1_http_script_push(f.script, 400, NULL, s_missing_xml);
	c1_http_script_push(f.script, 400, NULL, s_missing_xml);
	c1_http_script_push(
	    f.script, 400, NULL,
	    "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>ValidationError</Code>"
	    "<Message>Template format error</Message></Error><RequestId>x</RequestId></ErrorResponse>");
	C1_CHECK_INT(c1_cfn_describe_stack(&st, &f.target, &s_creds, "Missing", &err), ==, C1_ENOTFOUND);
	C1_CHECK_STR(err.code, "ValidationError");
	C1_CHECK_INT(err.http_status, ==, 400);
	C1_CHECK_CONTAINS(c1_error_last(), "Missing does not exist");
	C1_CHECK_INT(c1_cfn_describe_stack(&st, &f.target, &s_creds, "CloudOne-C1", &err), ==, C1_ETHROTTLED);
	C1_CHECK(err.throttling && err.retryable);
	C1_CHECK_INT(c1_cfn_describe_stack_events(&ev, &f.target, &s_creds, "Missing", NULL, &err), ==,
		     C1_ENOTFOUND);
	C1_CHECK_INT(c1_cfn_get_template(&body, &f.target, &s_creds, "Missing", &err), ==, C1_ENOTFOUND);
	/* A ValidationError about something else stays an API error. */
	C1_CHECK_INT(c1_cfn_get_template(&body, &f.target, &s_creds, "CloudOne-C1", &err), ==, C1_EAPI);
	C1_CHECK(st.stack_id == NULL && body == NULL && ev.count == 0);
	c1_http_script_free(f.script);
}

C1_TEST(delete_stack_and_continue_rollback_requests)
{
	struct fixture f;
	s_setup(&f);
	c1_http_script_push(f.script, 200, NULL,
			    "<DeleteStackResponse " NS "><ResponseMetadata><RequestId>VONK</RequestId>"
			    "</ResponseMetadata></DeleteStackResponse>");
	c1_http_script_push(f.script, 200, NULL,
			    "<ContinueUpdateRollbackResponse " NS "><ContinueUpdateRollbackResult/>"
			    "</ContinueUpdateRollbackResponse>");
	C1_CHECK_INT(c1_cfn_delete_stack(&f.target, &s_creds, STACK_ID, "tok-1", NULL), ==, 0);
	C1_CHECK_INT(c1_cfn_continue_update_rollback(&f.target, &s_creds, "CloudOne-WS", NULL), ==, 0);
	C1_CHECK_STR(s_req(&f, 0)->body,
		     "Action=DeleteStack&Version=2010-05-15&StackName=arn%3Aaws%3Acloudformation"
		     "%3Aeu-central-1%3A123456789012%3Astack%2FCloudOne-C1%2Fd0231ab1-5cd2-4e45-"
		     "a6c1-a7eaca628110&ClientRequestToken=tok-1");
	C1_CHECK_STR(s_req(&f, 1)->body,
		     "Action=ContinueUpdateRollback&Version=2010-05-15&StackName=CloudOne-WS");
	c1_http_script_free(f.script);
}

C1_TEST(events_page_and_failure_reasons)
{
	struct fixture f;
	struct c1_cfn_event_page ev = C1_CFN_EVENT_PAGE_INIT;
	s_setup(&f);
	/* Newest first, as CloudFormation sends them. */
	c1_http_script_push(
	    f.script, 200, NULL,
	    "<DescribeStackEventsResponse " NS "><DescribeStackEventsResult><StackEvents>"
	    "<member><StackId>" STACK_ID "</StackId><EventId>e4</EventId><StackName>CloudOne-C1</StackName>"
	    "<LogicalResourceId>CloudOne-C1</LogicalResourceId><ResourceType>AWS::CloudFormation::Stack"
	    "</ResourceType><Timestamp>2026-11-27T01:31:00.000Z</"
	    "Timestamp><ResourceStatus>ROLLBACK_IN_PROGRESS"
	    "</ResourceStatus><ResourceStatusReason>The following resource(s) failed to create: [Role]. "
	    "Rollback requested by user.</ResourceStatusReason></member>"
	    "<member><StackId>" STACK_ID "</StackId><EventId>e3</EventId><LogicalResourceId>Queue"
	    "</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType><Timestamp>2026-11-27T01:30:59Z"
	    "</Timestamp><ResourceStatus>CREATE_FAILED</ResourceStatus><ResourceStatusReason>Resource "
	    "creation "
	    "cancelled</ResourceStatusReason></member>"
	    "<member><StackId>" STACK_ID "</StackId><EventId>e2</EventId><LogicalResourceId>Role"
	    "</LogicalResourceId><PhysicalResourceId/><ResourceType>AWS::IAM::Role</ResourceType><Timestamp>"
	    "2026-11-27T01:30:58Z</Timestamp><ResourceStatus>CREATE_FAILED</"
	    "ResourceStatus><ResourceStatusReason>"
	    "Role CloudOneRole already exists</ResourceStatusReason></member>"
	    "<member><StackId>" STACK_ID
	    "</StackId><EventId>e0</EventId><LogicalResourceId>Old</LogicalResourceId>"
	    "<ResourceType>AWS::IAM::Role</ResourceType><Timestamp>2026-11-26T01:00:00Z</Timestamp>"
	    "<ResourceStatus>DELETE_FAILED</ResourceStatus><ResourceStatusReason>old "
	    "failure</ResourceStatusReason>"
	    "</member>"
	    "</StackEvents><NextToken>page-2</NextToken></DescribeStackEventsResult></"
	    "DescribeStackEventsResponse>");
	C1_CHECK_INT(c1_cfn_describe_stack_events(&ev, &f.target, &s_creds, "CloudOne-C1", "page-1", NULL),
		     ==, 0);
	C1_CHECK_STR(s_req(&f, 0)->body,
		     "Action=DescribeStackEvents&Version=2010-05-15&StackName=CloudOne-C1&NextToken=page-1");
	C1_CHECK_INT(ev.count, ==, 4);
	C1_CHECK_STR(ev.next_token, "page-2");
	C1_CHECK_STR(ev.items[0].event_id, "e4");
	C1_CHECK_STR(ev.items[2].logical_id, "Role");
	C1_CHECK_STR(ev.items[2].status, "CREATE_FAILED");
	C1_CHECK_INT(ev.items[2].timestamp_ms, ==, 1795743058000LL);
	char *all = c1_cfn_failure_reasons(&ev, 0);
	C1_CHECK_STR(
	    all,
	    "Old (AWS::IAM::Role): old failure; Role (AWS::IAM::Role): Role CloudOneRole already exists");
	free(all);
	/* Only this operation's events (since 01:30:00): the cancellation noise is dropped. */
	char *recent = c1_cfn_failure_reasons(&ev, 1795743000000LL);
	C1_CHECK_STR(recent, "Role (AWS::IAM::Role): Role CloudOneRole already exists");
	free(recent);
	c1_cfn_event_page_dispose(&ev);
	c1_http_script_free(f.script);
}

C1_TEST(only_cancelled_reasons_are_kept_when_nothing_else)
{
	struct c1_cfn_event e = {.logical_id = "Q",
				 .resource_type = "AWS::SQS::Queue",
				 .status = "CREATE_FAILED",
				 .reason = "Resource creation cancelled"};
	struct c1_cfn_event_page page = {&e, 1, NULL};
	char *r = c1_cfn_failure_reasons(&page, 0);
	C1_CHECK_STR(r, "Q (AWS::SQS::Queue): Resource creation cancelled");
	free(r);
	e.status = "CREATE_COMPLETE";
	C1_CHECK(c1_cfn_failure_reasons(&page, 0) == NULL);
}

C1_TEST(resources_and_template)
{
	struct fixture f;
	struct c1_cfn_resource_list res = C1_CFN_RESOURCE_LIST_INIT;
	char *body = NULL;
	s_setup(&f);
	c1_http_script_push(
	    f.script, 200, NULL,
	    "<DescribeStackResourcesResponse " NS "><DescribeStackResourcesResult><StackResources>"
	    "<member><StackName>CloudOne-C1</StackName><StackId>" STACK_ID "</StackId>"
	    "<LogicalResourceId>Q</LogicalResourceId><PhysicalResourceId>https://sqs.eu-central-1."
	    "amazonaws.com/123456789012/q1</PhysicalResourceId><ResourceType>AWS::SQS::Queue"
	    "</ResourceType><Timestamp>2010-07-27T22:27:28Z</Timestamp><ResourceStatus>CREATE_COMPLETE"
	    "</ResourceStatus><DriftInformation><StackResourceDriftStatus>IN_SYNC"
	    "</StackResourceDriftStatus></DriftInformation></member></StackResources>"
	    "</DescribeStackResourcesResult></DescribeStackResourcesResponse>");
	c1_http_script_push(
	    f.script, 200, NULL,
	    "<GetTemplateResponse " NS "><GetTemplateResult><TemplateBody>{\"Parameters\": {\"P1\": "
	    "{\"Type\": \"String\"}}, \"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\"}}}"
	    "</TemplateBody></GetTemplateResult></GetTemplateResponse>");
	C1_CHECK_INT(c1_cfn_describe_stack_resources(&res, &f.target, &s_creds, "CloudOne-C1", NULL), ==, 0);
	C1_CHECK_INT(res.count, ==, 1);
	C1_CHECK_STR(res.items[0].logical_id, "Q");
	C1_CHECK_STR(res.items[0].physical_id, "https://sqs.eu-central-1.amazonaws.com/123456789012/q1");
	C1_CHECK_STR(res.items[0].resource_type, "AWS::SQS::Queue");
	C1_CHECK_STR(res.items[0].status, "CREATE_COMPLETE");
	C1_CHECK_STR(res.items[0].drift_status, "IN_SYNC");
	C1_CHECK_INT(c1_cfn_get_template(&body, &f.target, &s_creds, "CloudOne-C1", NULL), ==, 0);
	C1_CHECK_STR(body,
		     "{\"Parameters\": {\"P1\": {\"Type\": \"String\"}}, \"Resources\": {\"Q\": {\"Type\": "
		     "\"AWS::SQS::Queue\"}}}");
	C1_CHECK_STR(s_req(&f, 1)->body,
		     "Action=GetTemplate&Version=2010-05-15&StackName=CloudOne-C1&TemplateStage=Original");
	free(body);
	c1_cfn_resource_list_dispose(&res);
	c1_http_script_free(f.script);
}

C1_TEST(drift_detection_flow)
{
	struct fixture f;
	char *id = NULL;
	struct c1_cfn_drift_status st = C1_CFN_DRIFT_STATUS_INIT;
	struct c1_cfn_resource_drift_page page = C1_CFN_RESOURCE_DRIFT_PAGE_INIT;
	s_setup(&f);
	c1_http_script_push(
	    f.script, 200, NULL,
	    "<DetectStackDriftResponse " NS "><DetectStackDriftResult><StackDriftDetectionId>"
	    "b78ac9b0-dec1-11e7-a451-503a3example</StackDriftDetectionId></DetectStackDriftResult>"
	    "</DetectStackDriftResponse>");
	c1_http_script_push(
	    f.script, 200, NULL,
	    "<DescribeStackDriftDetectionStatusResponse " NS "><DescribeStackDriftDetectionStatusResult>"
	    "<StackId>" STACK_ID "</StackId><StackDriftDetectionId>b78ac9b0-dec1-11e7-a451-503a3example"
	    "</StackDriftDetectionId><StackDriftStatus>DRIFTED</StackDriftStatus><DetectionStatus>"
	    "DETECTION_COMPLETE</DetectionStatus><DriftedStackResourceCount>1"
	    "</DriftedStackResourceCount><Timestamp>2026-11-27T01:06:00Z</Timestamp>"
	    "</DescribeStackDriftDetectionStatusResult></DescribeStackDriftDetectionStatusResponse>");
	c1_http_script_push(
	    f.script, 200, NULL,
	    "<DescribeStackDriftDetectionStatusResponse " NS "><DescribeStackDriftDetectionStatusResult>"
	    "<StackDriftDetectionId>x</StackDriftDetectionId><DetectionStatus>DETECTION_IN_PROGRESS"
	    "</DetectionStatus></DescribeStackDriftDetectionStatusResult>"
	    "</DescribeStackDriftDetectionStatusResponse>");
	c1_http_script_push(
	    f.script, 200, NULL,
	    "<DescribeStackResourceDriftsResponse " NS
	    "><DescribeStackResourceDriftsResult><StackResourceDrifts>"
	    "<member><StackId>" STACK_ID "</StackId><LogicalResourceId>Role</LogicalResourceId>"
	    "<PhysicalResourceId>CloudOneRole</PhysicalResourceId><ResourceType>AWS::IAM::Role</ResourceType>"
	    "<ExpectedProperties>{\"MaxSessionDuration\":3600}</ExpectedProperties><ActualProperties>"
	    "{\"MaxSessionDuration\":7200}</ActualProperties><PropertyDifferences><member><PropertyPath>"
	    "/MaxSessionDuration</PropertyPath><ExpectedValue>3600</ExpectedValue><ActualValue>7200</"
	    "ActualValue>"
	    "<DifferenceType>NOT_EQUAL</DifferenceType></member></"
	    "PropertyDifferences><StackResourceDriftStatus>"
	    "MODIFIED</StackResourceDriftStatus><Timestamp>2026-11-27T01:06:00Z</Timestamp></member>"
	    "<member><LogicalResourceId>Gone</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType>"
	    "<ExpectedProperties>{}</ExpectedProperties><PropertyDifferences/"
	    "><StackResourceDriftStatus>DELETED"
	    "</StackResourceDriftStatus></member></StackResourceDrifts><NextToken>more</NextToken>"
	    "</DescribeStackResourceDriftsResult></DescribeStackResourceDriftsResponse>");
	C1_CHECK_INT(c1_cfn_detect_stack_drift(&id, &f.target, &s_creds, "CloudOne-C1", NULL), ==, 0);
	C1_CHECK_STR(id, "b78ac9b0-dec1-11e7-a451-503a3example");
	C1_CHECK_INT(c1_cfn_describe_stack_drift_detection_status(&st, &f.target, &s_creds, id, NULL), ==, 0);
	C1_CHECK_STR(st.stack_drift_status, "DRIFTED");
	C1_CHECK_STR(st.detection_status, "DETECTION_COMPLETE");
	C1_CHECK_INT(st.drifted_count, ==, 1);
	C1_CHECK_STR(s_req(&f, 1)->body, "Action=DescribeStackDriftDetectionStatus&Version=2010-05-15"
					 "&StackDriftDetectionId=b78ac9b0-dec1-11e7-a451-503a3example");
	c1_cfn_drift_status_dispose(&st);
	C1_CHECK_INT(c1_cfn_describe_stack_drift_detection_status(&st, &f.target, &s_creds, "x", NULL), ==,
		     0);
	C1_CHECK_STR(st.detection_status, "DETECTION_IN_PROGRESS");
	C1_CHECK_INT(st.drifted_count, ==, -1);
	C1_CHECK(st.stack_drift_status == NULL);
	c1_cfn_drift_status_dispose(&st);
	C1_CHECK_INT(
	    c1_cfn_describe_stack_resource_drifts(&page, &f.target, &s_creds, "CloudOne-C1", "tok", NULL), ==,
	    0);
	C1_CHECK_STR(s_req(&f, 3)->body, "Action=DescribeStackResourceDrifts&Version=2010-05-15"
					 "&StackName=CloudOne-C1&MaxResults=100&NextToken=tok");
	C1_CHECK_INT(page.count, ==, 2);
	C1_CHECK_STR(page.next_token, "more");
	C1_CHECK_STR(page.items[0].drift_status, "MODIFIED");
	C1_CHECK_STR(page.items[0].actual_properties, "{\"MaxSessionDuration\":7200}");
	C1_CHECK_INT(page.items[0].difference_count, ==, 1);
	C1_CHECK_STR(page.items[0].differences[0].path, "/MaxSessionDuration");
	C1_CHECK_STR(page.items[0].differences[0].expected, "3600");
	C1_CHECK_STR(page.items[0].differences[0].actual, "7200");
	C1_CHECK_STR(page.items[0].differences[0].type, "NOT_EQUAL");
	C1_CHECK_STR(page.items[1].drift_status, "DELETED");
	C1_CHECK(page.items[1].actual_properties == NULL);
	C1_CHECK_INT(page.items[1].difference_count, ==, 0);
	c1_cfn_resource_drift_page_dispose(&page);
	free(id);
	c1_http_script_free(f.script);
}

C1_TEST(transport_failure_is_passed_up)
{
	struct fixture f;
	struct c1_cfn_stack st = C1_CFN_STACK_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f);
	c1_http_script_push_error(f.script, C1_ETIMEOUT, "operation timed out after 30000 ms");
	C1_CHECK_INT(c1_cfn_describe_stack(&st, &f.target, &s_creds, "CloudOne-C1", &err), ==, C1_ETIMEOUT);
	C1_CHECK(err.timeout && err.retryable);
	C1_CHECK_INT(err.http_status, ==, 0);
	c1_http_script_free(f.script);
}
