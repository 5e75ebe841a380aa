/* c1sim CloudFormation: the stack machine through every status path, events,
 * errors, templates (generic JSON and the catalog), side effects and drift.
 * Requests go straight to the handler as the router would hand them over;
 * time passes through sim_cfn_test_advance_ms (no sleeping). */
#include "harness.h"
#include "sim.h"
#include "sim_cfn.h"
#include "sim_server.h"

#include "engine/core/alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCT   "111122223333"
#define ACCT2  "444455556666"
#define REGION "us-east-1"

/* A role whose trust policy names Trend's account and an external id. */
static const char s_role_tmpl[] =
    "{\"Parameters\":{\"ExternalId\":{\"Type\":\"String\"},"
    "\"Principal\":{\"Type\":\"String\",\"Default\":\"arn:aws:iam::147995105371:root\"}},"
    "\"Resources\":{\"WsRole\":{\"Type\":\"AWS::IAM::Role\",\"Properties\":{"
    "\"AssumeRolePolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
    "\"Principal\":{\"AWS\":{\"Ref\":\"Principal\"}},\"Action\":\"sts:AssumeRole\","
    "\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":{\"Ref\":\"ExternalId\"}}}}]}}}},"
    "\"Outputs\":{\"RoleArn\":{\"Value\":{\"Fn::GetAtt\":[\"WsRole\",\"Arn\"]}},"
    "\"Where\":{\"Value\":{\"Fn::Sub\":\"${AWS::AccountId}/${AWS::Region}/${WsRole}\"}}}}";

static const char s_trail_tmpl[] =
    "{\"Resources\":{\"Bucket\":{\"Type\":\"AWS::S3::Bucket\",\"Properties\":{\"BucketName\":"
    "{\"Fn::Sub\":\"c1-trail-${AWS::AccountId}\"}}},"
    "\"Trail\":{\"Type\":\"AWS::CloudTrail::Trail\",\"Properties\":{\"TrailName\":\"c1-trail\","
    "\"S3BucketName\":{\"Ref\":\"Bucket\"},\"IsMultiRegionTrail\":true,\"IsLogging\":true}}},"
    "\"Outputs\":{\"BucketName\":{\"Value\":{\"Ref\":\"Bucket\"}}}}";

struct cfn_call {
	int status;
	char *text;
};

static void call_dispose(struct cfn_call *c)
{
	free(c->text);
	c->text = NULL;
}

static void form_append(struct c1_buf *b, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	c1_buf_printf(b, "&%s=", key);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			c1_buf_putc(b, (char)*p);
		} else {
			c1_buf_putc(b, '%');
			c1_buf_putc(b, hex[*p >> 4]);
			c1_buf_putc(b, hex[*p & 15]);
		}
	}
}

/* One Query call; `kv` is NULL-terminated key, value, key, value... */
static struct cfn_call cfn_in(const char *account, const char *region, const char *action,
			      const char *const *kv)
{
	struct sim_request req;
	struct sim_response resp;
	struct cfn_call out;

	sim_request_init(&req, "POST", "/");
	sim_response_init(&resp);
	c1_buf_printf(&req.body, "Action=%s&Version=2010-05-15", action);
	for (size_t i = 0; kv && kv[i]; i += 2)
		form_append(&req.body, kv[i], kv[i + 1]);
	req.service = "cloudformation";
	snprintf(req.route, sizeof(req.route), "%s", action);
	snprintf(req.account_id, sizeof(req.account_id), "%s", account);
	snprintf(req.region, sizeof(req.region), "%s", region);
	snprintf(req.principal_arn, sizeof(req.principal_arn),
		 "arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/c1onboard", account);
	req.now_ms = sim_now_ms();
	sim_service_cloudformation.handle(&req, &resp);
	out.status = resp.status;
	out.text = c1_strdup(c1_buf_cstr(&resp.body));
	sim_request_dispose(&req);
	sim_response_dispose(&resp);
	return out;
}

static struct cfn_call cfn(const char *action, const char *const *kv)
{
	return cfn_in(ACCT, REGION, action, kv);
}

/* XML entities back to characters, in place. */
static void unescape(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&apos;", '\''}, {"&quot;", '"'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}};
	char *w = s;

	for (const char *r = s; *r;) {
		bool hit = false;
		for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]) && !hit; i++) {
			size_t n = strlen(ents[i].ent);
			if (strncmp(r, ents[i].ent, n) == 0) {
				*w++ = ents[i].c;
				r += n;
				hit = true;
			}
		}
		if (!hit)
			*w++ = *r++;
	}
	*w = '\0';
}

/* Text of the n-th (0-based) <tag> element, or "" when absent; static buffer. */
static const char *xml_nth(const char *text, const char *tag, int n)
{
	static char out[4096];
	char open[128], close[128];
	const char *p = text;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	out[0] = '\0';
	for (int i = 0; p; i++) {
		p = strstr(p, open);
		if (!p)
			return out;
		p += strlen(open);
		if (i == n) {
			const char *e = strstr(p, close);
			size_t len = e ? (size_t)(e - p) : 0;
			if (len >= sizeof(out))
				len = sizeof(out) - 1;
			memcpy(out, p, len);
			out[len] = '\0';
			unescape(out);
			return out;
		}
	}
	return out;
}

static const char *xml_get(const char *text, const char *tag)
{
	return xml_nth(text, tag, 0);
}

static void setup(void)
{
	struct sim_config cfg = {1.0, 7};

	sim_world_init(&cfg);
	sim_service_cloudformation.reset();
	sim_faults_set(NULL, NULL, 0);
}

static void pass(double seconds)
{
	sim_cfn_test_advance_ms((int64_t)(seconds * 1000));
}

/* StackStatus of a stack by name or id ("" when DescribeStacks fails). */
static char *status_of(const char *account, const char *region, const char *name)
{
	const char *kv[] = {"StackName", name, NULL};
	struct cfn_call c = cfn_in(account, region, "DescribeStacks", kv);
	char *s = c1_strdup(c.status == 200 ? xml_get(c.text, "StackStatus") : "");
	call_dispose(&c);
	return s;
}

#define CHECK_STATUS(name, want)                           \
	do {                                               \
		char *st_ = status_of(ACCT, REGION, name); \
		C1_CHECK_STR(st_, want);                   \
		free(st_);                                 \
	} while (0)

/* Create the role stack; returns its StackId (caller frees). */
static char *create_role_stack(const char *name, const char *external_id)
{
	const char *kv[] = {"StackName",
			    name,
			    "TemplateBody",
			    s_role_tmpl,
			    "Parameters.member.1.ParameterKey",
			    "ExternalId",
			    "Parameters.member.1.ParameterValue",
			    external_id,
			    "Capabilities.member.1",
			    "CAPABILITY_IAM",
			    "Tags.member.1.Key",
			    "c1onboard:account",
			    "Tags.member.1.Value",
			    ACCT,
			    NULL};
	struct cfn_call c = cfn("CreateStack", kv);
	char *id;

	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_CONTAINS(
	    c.text, "<CreateStackResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">");
	C1_CHECK_CONTAINS(c.text, "<RequestId>");
	id = c1_strdup(xml_get(c.text, "StackId"));
	call_dispose(&c);
	return id;
}

static void set_faults(const char *plan_text)
{
	char err[256];
	json_t *plan = json_loads(plan_text, 0, NULL);

	C1_CHECK(plan != NULL);
	C1_CHECK_INT(sim_faults_set(plan, err, sizeof(err)), ==, 0);
	json_decref(plan);
}

C1_TEST(create_describe_delete_lifecycle)
{
	char ext[64], principal[256], *id, *arn;
	const char *kv_name[] = {"StackName", "CloudOne-WS", NULL};
	struct cfn_call c;

	setup();
	id = create_role_stack("CloudOne-WS", "ext-123");
	C1_CHECK_CONTAINS(id, "arn:aws:cloudformation:us-east-1:" ACCT ":stack/CloudOne-WS/");

	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "CREATE_IN_PROGRESS");
	C1_CHECK_STR(xml_get(c.text, "StackStatusReason"), "User Initiated");
	C1_CHECK_NOT_CONTAINS(c.text, "<Outputs>");
	C1_CHECK_CONTAINS(c.text, "<Capabilities><member>CAPABILITY_IAM</member></Capabilities>");
	C1_CHECK_CONTAINS(c.text,
			  "<Tags><member><Key>c1onboard:account</Key><Value>" ACCT "</Value></member>");
	C1_CHECK_CONTAINS(c.text,
			  "<ParameterKey>ExternalId</ParameterKey><ParameterValue>ext-123</ParameterValue>");
	call_dispose(&c);

	pass(20);
	CHECK_STATUS("CloudOne-WS", "CREATE_IN_PROGRESS");
	pass(200);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "CREATE_COMPLETE");
	arn = c1_strdup(xml_nth(c.text, "OutputValue", 0));
	C1_CHECK_STR(xml_nth(c.text, "OutputKey", 0), "RoleArn");
	C1_CHECK_CONTAINS(arn, "arn:aws:iam::" ACCT ":role/CloudOne-WS-WsRole-");
	C1_CHECK_CONTAINS(xml_nth(c.text, "OutputValue", 1), ACCT "/" REGION "/CloudOne-WS-WsRole-");
	C1_CHECK_CONTAINS(c.text, "<CreationTime>20");
	call_dispose(&c);

	/* The role exists for STS while the stack lives, with its trust policy. */
	C1_CHECK(sim_cfn_role_lookup(ACCT, arn, ext, sizeof(ext), principal, sizeof(principal)));
	C1_CHECK_STR(ext, "ext-123");
	C1_CHECK_STR(principal, "arn:aws:iam::147995105371:root");
	C1_CHECK(!sim_cfn_role_lookup(ACCT2, arn, ext, sizeof(ext), principal, sizeof(principal)));

	/* Events newest first: the stack's completion, then resources, then "User Initiated". */
	c = cfn("DescribeStackEvents", kv_name);
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", 0), "CREATE_COMPLETE");
	C1_CHECK_STR(xml_nth(c.text, "ResourceType", 0), "AWS::CloudFormation::Stack");
	C1_CHECK_STR(xml_nth(c.text, "LogicalResourceId", 1), "WsRole");
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", 1), "CREATE_COMPLETE");
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", 4), "CREATE_IN_PROGRESS");
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatusReason", 1), "User Initiated");
	call_dispose(&c);

	c = cfn("DescribeStackResources", kv_name);
	C1_CHECK_STR(xml_get(c.text, "LogicalResourceId"), "WsRole");
	C1_CHECK_STR(xml_get(c.text, "ResourceStatus"), "CREATE_COMPLETE");
	call_dispose(&c);

	c = cfn("DeleteStack", kv_name);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_CONTAINS(c.text, "<DeleteStackResponse");
	call_dispose(&c);
	CHECK_STATUS("CloudOne-WS", "DELETE_IN_PROGRESS");
	pass(200);

	/* Deleted: gone by name, still visible by id; the role is gone too. */
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_STR(xml_get(c.text, "Code"), "ValidationError");
	C1_CHECK_STR(xml_get(c.text, "Message"), "Stack with id CloudOne-WS does not exist");
	call_dispose(&c);
	CHECK_STATUS(id, "DELETE_COMPLETE");
	C1_CHECK(!sim_cfn_role_lookup(ACCT, arn, ext, sizeof(ext), principal, sizeof(principal)));
	c = cfn("DescribeStacks", NULL);
	C1_CHECK_NOT_CONTAINS(c.text, "CloudOne-WS");
	call_dispose(&c);

	/* DeleteStack is idempotent, and the name is free again. */
	c = cfn("DeleteStack", kv_name);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	free(create_role_stack("CloudOne-WS", "ext-123"));
	free(id);
	free(arn);
}

C1_TEST(stack_fail_rolls_back_with_reasons)
{
	const char *kv_name[] = {"StackName", "CloudOne-WS", NULL};
	const char *kv_upd[] = {"StackName", "CloudOne-WS", "UsePreviousTemplate", "true", NULL};
	struct cfn_call c;
	char ext[8], pr[8];

	setup();
	set_faults("{\"rules\":[{\"service\":\"cloudformation\",\"route\":\"CreateStack\",\"stack\":\"*-WS\","
		   "\"account_id\":\"" ACCT "\",\"effect\":\"stack_fail\"}]}");
	free(create_role_stack("CloudOne-WS", "x"));
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "ROLLBACK_COMPLETE");
	C1_CHECK_NOT_CONTAINS(c.text, "<Outputs>");
	call_dispose(&c);

	c = cfn("DescribeStackEvents", kv_name);
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", 0), "ROLLBACK_COMPLETE");
	C1_CHECK_CONTAINS(c.text,
			  "<ResourceStatus>CREATE_FAILED</ResourceStatus><ResourceStatusReason>Resource "
			  "handler returned message: &quot;User: arn:aws:sts::" ACCT);
	C1_CHECK_CONTAINS(c.text,
			  "<ResourceStatus>ROLLBACK_IN_PROGRESS</ResourceStatus><ResourceStatusReason>The "
			  "following resource(s) failed to create: [WsRole]. Rollback requested by user.");
	call_dispose(&c);
	C1_CHECK(
	    !sim_cfn_role_lookup(ACCT, "arn:aws:iam::" ACCT ":role/x", ext, sizeof(ext), pr, sizeof(pr)));

	/* A rolled-back stack can only be deleted. */
	c = cfn("UpdateStack", kv_upd);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(xml_get(c.text, "Message"),
			  "is in ROLLBACK_COMPLETE state and can not be updated.");
	C1_CHECK_CONTAINS(xml_get(c.text, "Message"), "Stack:arn:aws:cloudformation:");
	call_dispose(&c);

	/* Another account is not targeted by the rule. */
	{
		const char *kv[] = {"StackName",
				    "CloudOne-WS",
				    "TemplateBody",
				    s_role_tmpl,
				    "Parameters.member.1.ParameterKey",
				    "ExternalId",
				    "Parameters.member.1.ParameterValue",
				    "y",
				    "Capabilities.member.1",
				    "CAPABILITY_NAMED_IAM",
				    NULL};
		char *st;
		c = cfn_in(ACCT2, REGION, "CreateStack", kv);
		C1_CHECK_INT(c.status, ==, 200);
		call_dispose(&c);
		pass(300);
		st = status_of(ACCT2, REGION, "CloudOne-WS");
		C1_CHECK_STR(st, "CREATE_COMPLETE");
		free(st);
	}
}

C1_TEST(on_failure_delete_and_do_nothing)
{
	const char *kv_del[] = {"StackName", "A-WS", "TemplateBody", s_trail_tmpl, "OnFailure",
				"DELETE",    NULL};
	const char *kv_keep[] = {"StackName", "B-WS", "TemplateBody", s_trail_tmpl, "DisableRollback",
				 "true",      NULL};
	struct cfn_call c;
	char *id;

	setup();
	set_faults("{\"rules\":[{\"service\":\"cloudformation\",\"route\":\"CreateStack\",\"effect\":\"stack_"
		   "fail\"}]}");
	c = cfn("CreateStack", kv_del);
	id = c1_strdup(xml_get(c.text, "StackId"));
	call_dispose(&c);
	c = cfn("CreateStack", kv_keep);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	pass(300);
	CHECK_STATUS(id, "DELETE_COMPLETE");
	CHECK_STATUS("B-WS", "CREATE_FAILED");
	{
		const char *kv[] = {"StackName", id, NULL};
		c = cfn("DescribeStackEvents", kv);
		C1_CHECK_CONTAINS(c.text, "Delete requested by user.");
		call_dispose(&c);
	}
	free(id);
}

C1_TEST(delete_fail_then_retry)
{
	const char *kv_name[] = {"StackName", "C-Trail", NULL};
	const char *kv[] = {"StackName", "C-Trail", "TemplateBody", s_trail_tmpl, NULL};
	struct cfn_call c;
	char region[32], owner[16];

	setup();
	c = cfn("CreateStack", kv);
	call_dispose(&c);
	C1_CHECK(!sim_s3_bucket_lookup("c1-trail-" ACCT, region, owner));
	pass(300);
	CHECK_STATUS("C-Trail", "CREATE_COMPLETE");
	/* The stack's bucket exists in S3 once created. */
	C1_CHECK(sim_s3_bucket_lookup("c1-trail-" ACCT, region, owner));
	C1_CHECK_STR(region, REGION);
	C1_CHECK_STR(owner, ACCT);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_CONTAINS(c.text,
			  "<OutputKey>BucketName</OutputKey><OutputValue>c1-trail-" ACCT "</OutputValue>");
	call_dispose(&c);

	set_faults("{\"rules\":[{\"service\":\"cloudformation\",\"route\":\"DeleteStack\",\"effect\":"
		   "\"delete_fail\","
		   "\"times\":1}]}");
	c = cfn("DeleteStack", kv_name);
	call_dispose(&c);
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "DELETE_FAILED");
	C1_CHECK_CONTAINS(xml_get(c.text, "StackStatusReason"),
			  "The following resource(s) failed to delete: [");
	call_dispose(&c);
	c = cfn("DescribeStackEvents", kv_name);
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", 1), "DELETE_FAILED");
	C1_CHECK(strlen(xml_nth(c.text, "ResourceStatusReason", 1)) > 20);
	call_dispose(&c);

	/* The retry (rule used up) deletes it and unregisters the bucket. */
	c = cfn("DeleteStack", kv_name);
	call_dispose(&c);
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_INT(c.status, ==, 400);
	call_dispose(&c);
	C1_CHECK(!sim_s3_bucket_lookup("c1-trail-" ACCT, region, owner));
}

C1_TEST(update_complete_and_state_checks)
{
	const char *kv_name[] = {"StackName", "D-WS", NULL};
	const char *kv_upd[] = {"StackName",
				"D-WS",
				"UsePreviousTemplate",
				"true",
				"Parameters.member.1.ParameterKey",
				"ExternalId",
				"Parameters.member.1.ParameterValue",
				"ext-new",
				"Capabilities.member.1",
				"CAPABILITY_IAM",
				NULL};
	const char *kv_same[] = {"StackName",
				 "D-WS",
				 "UsePreviousTemplate",
				 "true",
				 "Parameters.member.1.ParameterKey",
				 "ExternalId",
				 "Parameters.member.1.UsePreviousValue",
				 "true",
				 "Capabilities.member.1",
				 "CAPABILITY_IAM",
				 NULL};
	struct cfn_call c;
	char ext[64], pr[256], *arn;

	setup();
	free(create_role_stack("D-WS", "ext-old"));
	c = cfn("UpdateStack", kv_upd);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(xml_get(c.text, "Message"),
			  "is in CREATE_IN_PROGRESS state and can not be updated.");
	call_dispose(&c);
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	arn = c1_strdup(xml_get(c.text, "OutputValue"));
	call_dispose(&c);

	c = cfn("UpdateStack", kv_same);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_STR(xml_get(c.text, "Message"), "No updates are to be performed.");
	call_dispose(&c);

	c = cfn("UpdateStack", kv_upd);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_CONTAINS(c.text, "<UpdateStackResult>");
	call_dispose(&c);
	CHECK_STATUS("D-WS", "UPDATE_IN_PROGRESS");
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "UPDATE_COMPLETE");
	C1_CHECK_CONTAINS(c.text, "<LastUpdatedTime>");
	C1_CHECK_STR(xml_get(c.text, "OutputValue"), arn); /* same role, updated in place */
	call_dispose(&c);
	C1_CHECK(sim_cfn_role_lookup(ACCT, arn, ext, sizeof(ext), pr, sizeof(pr)));
	C1_CHECK_STR(ext, "ext-new");
	c = cfn("DescribeStackEvents", kv_name);
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", 0), "UPDATE_COMPLETE");
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", 1), "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
	call_dispose(&c);
	free(arn);
}

C1_TEST(update_rollback_failed_then_continue)
{
	const char *kv_name[] = {"StackName", "E-WS", NULL};
	const char *kv_upd[] = {"StackName",
				"E-WS",
				"UsePreviousTemplate",
				"true",
				"Parameters.member.1.ParameterKey",
				"ExternalId",
				"Parameters.member.1.ParameterValue",
				"ext-2",
				"Capabilities.member.1",
				"CAPABILITY_IAM",
				NULL};
	struct cfn_call c;

	setup();
	free(create_role_stack("E-WS", "ext-1"));
	pass(300);

	/* A failed update rolls back to the previous parameters. */
	sim_cfn_test_force_fault("stack_fail");
	c = cfn("UpdateStack", kv_upd);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "UPDATE_ROLLBACK_COMPLETE");
	C1_CHECK_CONTAINS(c.text, "<ParameterValue>ext-1</ParameterValue>");
	call_dispose(&c);
	c = cfn("DescribeStackEvents", kv_name);
	C1_CHECK_CONTAINS(c.text, "<ResourceStatus>UPDATE_FAILED</ResourceStatus>");
	C1_CHECK_CONTAINS(c.text, "The following resource(s) failed to update: [WsRole].");
	call_dispose(&c);

	/* ContinueUpdateRollback only from UPDATE_ROLLBACK_FAILED. */
	c = cfn("ContinueUpdateRollback", kv_name);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_STR(xml_get(c.text, "Code"), "ValidationError");
	call_dispose(&c);

	sim_cfn_test_force_fault("update_rollback_fail");
	c = cfn("UpdateStack", kv_upd);
	call_dispose(&c);
	pass(300);
	CHECK_STATUS("E-WS", "UPDATE_ROLLBACK_FAILED");
	c = cfn("ContinueUpdateRollback", kv_name);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_CONTAINS(c.text, "<ContinueUpdateRollbackResponse");
	call_dispose(&c);
	CHECK_STATUS("E-WS", "UPDATE_ROLLBACK_IN_PROGRESS");
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "UPDATE_ROLLBACK_COMPLETE");
	C1_CHECK_CONTAINS(c.text, "<ParameterValue>ext-1</ParameterValue>");
	call_dispose(&c);
}

/* The rollback's first step names the failed resource of the previous version by its index in
 * that version: an update that adds a resource ahead of it shifts the indexes, and the step used
 * to be applied to the new version's array (an event for the wrong resource). */
C1_TEST(update_rollback_events_name_the_failed_resource)
{
	static const char v1[] =
	    "{\"Resources\":{"
	    "\"Alpha\":{\"Type\":\"AWS::SNS::Topic\",\"Properties\":{\"TopicName\":\"a\"}},"
	    "\"Beta\":{\"Type\":\"AWS::SNS::Topic\",\"Properties\":{\"TopicName\":\"b\"}}}}";
	static const char v2[] =
	    "{\"Resources\":{"
	    "\"Added\":{\"Type\":\"AWS::SNS::Topic\",\"Properties\":{\"TopicName\":\"n\"}},"
	    "\"Alpha\":{\"Type\":\"AWS::SNS::Topic\",\"Properties\":{\"TopicName\":\"a\"}},"
	    "\"Beta\":{\"Type\":\"AWS::SNS::Topic\",\"Properties\":{\"TopicName\":\"b2\"}}}}";
	const char *kv_create[] = {"StackName", "H-Idx", "TemplateBody", v1, NULL};
	const char *kv_upd[] = {"StackName", "H-Idx", "TemplateBody", v2, NULL};
	const char *kv_name[] = {"StackName", "H-Idx", NULL};
	struct cfn_call c;
	int k = -1;

	setup();
	c = cfn("CreateStack", kv_create);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	pass(300);
	CHECK_STATUS("H-Idx", "CREATE_COMPLETE");
	sim_cfn_test_force_fault("stack_fail"); /* Beta, the first changed resource, fails */
	c = cfn("UpdateStack", kv_upd);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	pass(300);
	CHECK_STATUS("H-Idx", "UPDATE_ROLLBACK_COMPLETE");
	c = cfn("DescribeStackEvents", kv_name); /* newest first */
	for (int i = 0; k < 0 && *xml_nth(c.text, "ResourceStatus", i); i++)
		if (strcmp(xml_nth(c.text, "ResourceStatus", i), "UPDATE_ROLLBACK_IN_PROGRESS") == 0)
			k = i;
	C1_CHECK(k > 0);
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", k + 1), "UPDATE_FAILED");
	C1_CHECK_STR(xml_nth(c.text, "LogicalResourceId", k + 1), "Beta");
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", k - 1), "UPDATE_IN_PROGRESS");
	C1_CHECK_STR(xml_nth(c.text, "LogicalResourceId", k - 1), "Beta");
	C1_CHECK_STR(xml_nth(c.text, "ResourceStatus", k - 2), "UPDATE_COMPLETE");
	C1_CHECK_STR(xml_nth(c.text, "LogicalResourceId", k - 2), "Beta");
	call_dispose(&c);
}

C1_TEST(names_unique_per_account_and_region)
{
	const char *kv[] = {"StackName", "F-Trail", "TemplateBody", s_trail_tmpl, NULL};
	struct cfn_call c;

	setup();
	c = cfn("CreateStack", kv);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	c = cfn("CreateStack", kv);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_STR(xml_get(c.text, "Code"), "AlreadyExistsException");
	C1_CHECK_STR(xml_get(c.text, "Message"), "Stack [F-Trail] already exists");
	C1_CHECK_STR(xml_get(c.text, "Type"), "Sender");
	call_dispose(&c);
	c = cfn_in(ACCT, "eu-west-1", "CreateStack", kv);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	c = cfn_in(ACCT2, REGION, "CreateStack", kv);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	C1_CHECK_INT(sim_cfn_test_stack_count(), ==, 3);

	/* Bad names are rejected before anything is created. */
	{
		const char *bad[] = {"StackName", "1bad_name", "TemplateBody", s_trail_tmpl, NULL};
		c = cfn("CreateStack", bad);
		C1_CHECK_INT(c.status, ==, 400);
		C1_CHECK_CONTAINS(xml_get(c.text, "Message"), "failed to satisfy constraint");
		call_dispose(&c);
	}
	/* Describe without a name lists only this account and region. */
	c = cfn_in(ACCT, "eu-west-1", "DescribeStacks", NULL);
	C1_CHECK_CONTAINS(c.text, "arn:aws:cloudformation:eu-west-1:" ACCT ":stack/F-Trail/");
	C1_CHECK_NOT_CONTAINS(c.text, "us-east-1");
	call_dispose(&c);
}

C1_TEST(capabilities_required)
{
	const char *named =
	    "{\"Resources\":{\"R\":{\"Type\":\"AWS::IAM::Role\",\"Properties\":{\"RoleName\":\"n\","
	    "\"AssumeRolePolicyDocument\":{}}}}}";
	const char *nested = "{\"Resources\":{\"N\":{\"Type\":\"AWS::CloudFormation::Stack\",\"Properties\":"
			     "{\"TemplateURL\":\"https://x.s3.amazonaws.com/t\"}}}}";
	const char *kv1[] = {"StackName",
			     "G1",
			     "TemplateBody",
			     s_role_tmpl,
			     "Parameters.member.1.ParameterKey",
			     "ExternalId",
			     "Parameters.member.1.ParameterValue",
			     "e",
			     NULL};
	const char *kv2[] = {"StackName",      "G2", "TemplateBody", named, "Capabilities.member.1",
			     "CAPABILITY_IAM", NULL};
	const char *kv3[] = {"StackName", "G3", "TemplateBody", nested, NULL};
	const char *kv4[] = {
	    "StackName", "G4", "TemplateBody", named, "Capabilities.member.1", "CAPABILITY_NAMED_IAM", NULL};
	struct cfn_call c;

	setup();
	c = cfn("CreateStack", kv1);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_STR(xml_get(c.text, "Code"), "InsufficientCapabilitiesException");
	C1_CHECK_STR(xml_get(c.text, "Message"), "Requires capabilities : [CAPABILITY_IAM]");
	call_dispose(&c);
	c = cfn("CreateStack", kv2);
	C1_CHECK_STR(xml_get(c.text, "Message"), "Requires capabilities : [CAPABILITY_NAMED_IAM]");
	call_dispose(&c);
	c = cfn("CreateStack", kv3);
	C1_CHECK_STR(xml_get(c.text, "Message"), "Requires capabilities : [CAPABILITY_AUTO_EXPAND]");
	call_dispose(&c);
	c = cfn("CreateStack", kv4);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	C1_CHECK_INT(sim_cfn_test_stack_count(), ==, 1);
}

C1_TEST(parameters_validated)
{
	const char *allowed =
	    "{\"Parameters\":{\"Mode\":{\"Type\":\"String\",\"AllowedValues\":[\"a\",\"b\"]}},"
	    "\"Resources\":{\"B\":{\"Type\":\"AWS::S3::Bucket\"}}}";
	const char *kv1[] = {"StackName",      "H1", "TemplateBody", s_role_tmpl, "Capabilities.member.1",
			     "CAPABILITY_IAM", NULL};
	const char *kv2[] = {"StackName",
			     "H2",
			     "TemplateBody",
			     s_role_tmpl,
			     "Parameters.member.1.ParameterKey",
			     "Nope",
			     "Parameters.member.1.ParameterValue",
			     "v",
			     NULL};
	const char *kv3[] = {"StackName",
			     "H3",
			     "TemplateBody",
			     allowed,
			     "Parameters.member.1.ParameterKey",
			     "Mode",
			     "Parameters.member.1.ParameterValue",
			     "c",
			     NULL};
	const char *kv4[] = {"StackName", "H4", "TemplateBody", "{not json", NULL};
	const char *kv5[] = {"StackName", "H5", NULL};
	const char *kv6[] = {"StackName", "H6", "TemplateURL", "https://example.com/other.template", NULL};
	struct cfn_call c;

	setup();
	c = cfn("CreateStack", kv1);
	C1_CHECK_STR(xml_get(c.text, "Code"), "ValidationError");
	C1_CHECK_STR(xml_get(c.text, "Message"), "Parameters: [ExternalId] must have values");
	call_dispose(&c);
	c = cfn("CreateStack", kv2);
	C1_CHECK_STR(xml_get(c.text, "Message"), "Parameters: [Nope] do not exist in the template");
	call_dispose(&c);
	c = cfn("CreateStack", kv3);
	C1_CHECK_STR(xml_get(c.text, "Message"), "Parameter 'Mode' must be one of AllowedValues");
	call_dispose(&c);
	c = cfn("CreateStack", kv4);
	C1_CHECK_CONTAINS(xml_get(c.text, "Message"), "Template format error: JSON not well-formed.");
	call_dispose(&c);
	c = cfn("CreateStack", kv5);
	C1_CHECK_STR(xml_get(c.text, "Message"), "Either Template URL or Template Body must be specified.");
	call_dispose(&c);
	c = cfn("CreateStack", kv6);
	C1_CHECK_STR(xml_get(c.text, "Code"), "ValidationError");
	call_dispose(&c);
	C1_CHECK_INT(sim_cfn_test_stack_count(), ==, 0);
}

C1_TEST(catalog_role_template_outputs)
{
	const char *url =
	    "https://cloud-one-cloud-accounts-us-east-1.s3.us-east-1.amazonaws.com/templates/aws/"
	    "cloud-account-management-role.template";
	const char *kv[] = {"StackName",
			    "I-C1",
			    "TemplateURL",
			    url,
			    "Parameters.member.1.ParameterKey",
			    "CloudOneRegion",
			    "Parameters.member.1.ParameterValue",
			    "us-1",
			    "Parameters.member.2.ParameterKey",
			    "CloudOneAccountID",
			    "Parameters.member.2.ParameterValue",
			    "123456789012",
			    "Parameters.member.3.ParameterKey",
			    "CloudOneOIDCProviderURL",
			    "Parameters.member.3.ParameterValue",
			    "cloudaccounts.us-1.cloudone.trendmicro.com",
			    "Capabilities.member.1",
			    "CAPABILITY_IAM",
			    NULL};
	const char *kv_name[] = {"StackName", "I-C1", NULL};
	struct cfn_call c;
	char ext[8], pr[256], *arn;

	setup();
	c = cfn("CreateStack", kv);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	pass(30);
	CHECK_STATUS("I-C1", "CREATE_IN_PROGRESS");
	pass(60);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "CREATE_COMPLETE");
	C1_CHECK_STR(xml_get(c.text, "OutputKey"), "CloudOneRoleArn");
	arn = c1_strdup(xml_get(c.text, "OutputValue"));
	C1_CHECK_CONTAINS(arn, "arn:aws:iam::" ACCT ":role/I-C1-CloudOneRo");
	call_dispose(&c);
	C1_CHECK(sim_cfn_role_lookup(ACCT, arn, ext, sizeof(ext), pr, sizeof(pr)));
	C1_CHECK_STR(pr, "arn:aws:iam::" ACCT ":oidc-provider/cloudaccounts.us-1.cloudone.trendmicro.com");
	C1_CHECK_STR(ext, "");
	c = cfn("GetTemplate", kv_name);
	C1_CHECK_CONTAINS(xml_get(c.text, "TemplateBody"), "CloudOneOIDCProviderURL");
	C1_CHECK_CONTAINS(c.text, "<StagesAvailable><member>Original</member>");
	call_dispose(&c);
	free(arn);

	/* A Cloud One account id that is not one fails the role, realistically. */
	{
		const char *bad[] = {"StackName",
				     "J-C1",
				     "TemplateURL",
				     url,
				     "Parameters.member.1.ParameterKey",
				     "CloudOneRegion",
				     "Parameters.member.1.ParameterValue",
				     "us-1",
				     "Parameters.member.2.ParameterKey",
				     "CloudOneAccountID",
				     "Parameters.member.2.ParameterValue",
				     "12",
				     "Parameters.member.3.ParameterKey",
				     "CloudOneOIDCProviderURL",
				     "Parameters.member.3.ParameterValue",
				     "cloudaccounts.us-1.cloudone.trendmicro.com",
				     "Capabilities.member.1",
				     "CAPABILITY_IAM",
				     NULL};
		const char *kv_j[] = {"StackName", "J-C1", NULL};
		c = cfn("CreateStack", bad);
		call_dispose(&c);
		pass(200);
		CHECK_STATUS("J-C1", "ROLLBACK_COMPLETE");
		c = cfn("DescribeStackEvents", kv_j);
		C1_CHECK_CONTAINS(c.text, "<LogicalResourceId>CloudOneRole</LogicalResourceId>");
		C1_CHECK_CONTAINS(c.text, "Invalid principal in policy");
		call_dispose(&c);
	}
}

C1_TEST(catalog_forwarder_bad_token_fails)
{
	const char *url =
	    "https://cloud-trail-client-stack-template-prod-us-east-1.s3.us-east-1.amazonaws.com/"
	    "templates/cloudtrail-forwarder.template";
	const char *kv[] = {"StackName",
			    "K-CTrl",
			    "TemplateURL",
			    url,
			    "Parameters.member.1.ParameterKey",
			    "ServiceToken",
			    "Parameters.member.1.ParameterValue",
			    "not-a-token",
			    "Capabilities.member.1",
			    "CAPABILITY_IAM",
			    NULL};
	const char *kv_caps[] = {"StackName",
				 "K-CTrl",
				 "TemplateURL",
				 url,
				 "Parameters.member.1.ParameterKey",
				 "ServiceToken",
				 "Parameters.member.1.ParameterValue",
				 "not-a-token",
				 "Capabilities.member.1",
				 "CAPABILITY_IAM",
				 "Capabilities.member.2",
				 "CAPABILITY_AUTO_EXPAND",
				 NULL};
	const char *kv_name[] = {"StackName", "K-CTrl", NULL};
	struct cfn_call c;
	char region[32], owner[16];

	setup();
	c = cfn("CreateStack", kv);
	C1_CHECK_STR(xml_get(c.text, "Message"), "Requires capabilities : [CAPABILITY_AUTO_EXPAND]");
	call_dispose(&c);
	c = cfn("CreateStack", kv_caps);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_CONTAINS(c.text,
			  "<ParameterKey>ServiceToken</ParameterKey><ParameterValue>****</ParameterValue>");
	C1_CHECK_NOT_CONTAINS(c.text, "not-a-token");
	call_dispose(&c);
	pass(60);
	CHECK_STATUS("K-CTrl", "CREATE_IN_PROGRESS"); /* stacks move when CloudFormation is asked */
	/* Its own bucket exists before the custom resource runs, and goes with the rollback. */
	C1_CHECK(sim_s3_bucket_lookup(ACCT "-us-east-1-cloud-one-cloudtrail-bucket", region, owner));
	pass(400);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "ROLLBACK_COMPLETE");
	call_dispose(&c);
	c = cfn("DescribeStackEvents", kv_name);
	C1_CHECK_CONTAINS(c.text, "<LogicalResourceId>StackLifecycleEvent</LogicalResourceId>");
	C1_CHECK_CONTAINS(c.text,
			  "Received response status [FAILED] from custom resource. Message returned: ");
	call_dispose(&c);
	C1_CHECK(!sim_s3_bucket_lookup(ACCT "-us-east-1-cloud-one-cloudtrail-bucket", region, owner));
}

C1_TEST(catalog_allinone_onboards_or_fails_with_lambda_reason)
{
	char *key = sim_creds_cloudone_key("us-1", "123456789012");
	char *token = sim_creds_visionone_token("0a1b2c3d");
	const char *url = "https://cloudone-community.s3.us-east-1.amazonaws.com/main.template.yaml";
	const char *kv[] = {"StackName",
			    "CloudOne",
			    "TemplateURL",
			    url,
			    "Parameters.member.1.ParameterKey",
			    "CloudOneApiKey",
			    "Parameters.member.1.ParameterValue",
			    key,
			    "Parameters.member.2.ParameterKey",
			    "VisionOneServiceToken",
			    "Parameters.member.2.ParameterValue",
			    token,
			    "Capabilities.member.1",
			    "CAPABILITY_NAMED_IAM",
			    "Capabilities.member.2",
			    "CAPABILITY_AUTO_EXPAND",
			    NULL};
	const char *kv_bad[] = {"StackName",
				"CloudOne",
				"TemplateURL",
				url,
				"Parameters.member.1.ParameterKey",
				"CloudOneApiKey",
				"Parameters.member.1.ParameterValue",
				"bad:key",
				"Parameters.member.2.ParameterKey",
				"VisionOneServiceToken",
				"Parameters.member.2.ParameterValue",
				token,
				"Capabilities.member.1",
				"CAPABILITY_NAMED_IAM",
				"Capabilities.member.2",
				"CAPABILITY_AUTO_EXPAND",
				NULL};
	const char *kv_name[] = {"StackName", "CloudOne", NULL};
	struct cfn_call c;
	char *st;
	json_t *state = json_object();

	setup();
	c = cfn("CreateStack", kv);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	c = cfn_in(ACCT2, REGION, "CreateStack", kv_bad);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	pass(400);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "CREATE_COMPLETE");
	C1_CHECK_NOT_CONTAINS(c.text, key);
	call_dispose(&c);
	st = status_of(ACCT2, REGION, "CloudOne");
	C1_CHECK_STR(st, "ROLLBACK_COMPLETE");
	free(st);
	c = cfn_in(ACCT2, REGION, "DescribeStackEvents", kv_name);
	C1_CHECK_CONTAINS(c.text, "Message returned: Invalid API Key");
	call_dispose(&c);

	/* The state dump masks NoEcho parameters. */
	sim_service_cloudformation.dump_state(state);
	C1_CHECK_INT(json_array_size(json_object_get(state, "stacks")), ==, 2);
	C1_CHECK_STR(json_string_value(json_object_get(
			 json_object_get(json_array_get(json_object_get(state, "stacks"), 0), "parameters"),
			 "CloudOneApiKey")),
		     "****");
	{
		char *dump = json_dumps(state, 0);
		C1_CHECK_NOT_CONTAINS(dump, key);
		C1_CHECK_CONTAINS(dump, "\"status\": \"CREATE_COMPLETE\"");
		free(dump);
	}
	json_decref(state);
	c1_free_secure_str(key);
	c1_free_secure_str(token);
}

C1_TEST(yaml_body_is_opaque)
{
	const char *kv[] = {"StackName", "L-Yaml", "TemplateBody",
			    "Resources:\n  B:\n    Type: AWS::S3::Bucket\n", NULL};
	const char *kv_name[] = {"StackName", "L-Yaml", NULL};
	struct cfn_call c;

	setup();
	c = cfn("CreateStack", kv);
	C1_CHECK_INT(c.status, ==, 200);
	call_dispose(&c);
	pass(60);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "CREATE_COMPLETE");
	C1_CHECK_NOT_CONTAINS(c.text, "<Outputs>");
	call_dispose(&c);
	c = cfn("GetTemplate", kv_name);
	C1_CHECK_CONTAINS(c.text, "Type: AWS::S3::Bucket");
	call_dispose(&c);
}

static char *detect_and_wait(const char *name, const char *want_status)
{
	const char *kv[] = {"StackName", name, NULL};
	struct cfn_call c = cfn("DetectStackDrift", kv);
	char *id = c1_strdup(xml_get(c.text, "StackDriftDetectionId"));
	const char *kv_id[] = {"StackDriftDetectionId", id, NULL};

	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_INT(strlen(id), ==, 36);
	call_dispose(&c);
	c = cfn("DescribeStackDriftDetectionStatus", kv_id);
	C1_CHECK_STR(xml_get(c.text, "DetectionStatus"), "DETECTION_IN_PROGRESS");
	C1_CHECK_NOT_CONTAINS(c.text, "DriftedStackResourceCount");
	call_dispose(&c);
	pass(10);
	c = cfn("DescribeStackDriftDetectionStatus", kv_id);
	C1_CHECK_STR(xml_get(c.text, "DetectionStatus"), "DETECTION_COMPLETE");
	C1_CHECK_STR(xml_get(c.text, "StackDriftStatus"), want_status);
	C1_CHECK_CONTAINS(c.text, "<StackId>arn:aws:cloudformation:");
	call_dispose(&c);
	return id;
}

C1_TEST(drift_in_sync_then_modified)
{
	const char *kv_name[] = {"StackName", "M-WS", NULL};
	const char *kv_mod[] = {"StackName", "M-WS", "StackResourceDriftStatusFilters.member.1", "MODIFIED",
				NULL};
	char err[256];
	json_t *spec;
	struct cfn_call c;

	setup();
	free(create_role_stack("M-WS", "ext-1"));
	c = cfn("DetectStackDrift", kv_name);
	C1_CHECK_INT(c.status, ==, 400); /* still being created */
	call_dispose(&c);
	pass(300);
	free(detect_and_wait("M-WS", "IN_SYNC"));
	c = cfn("DescribeStackResourceDrifts", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackResourceDriftStatus"), "IN_SYNC");
	C1_CHECK_CONTAINS(xml_get(c.text, "ExpectedProperties"), "sts:ExternalId");
	call_dispose(&c);

	spec = json_pack("{s:s, s:s, s:s}", "kind", "stack_resource_modified", "stack", "M-WS", "account_id",
			 ACCT);
	C1_CHECK_INT(
	    sim_service_cloudformation.inject_drift("stack_resource_modified", spec, err, sizeof(err)), ==,
	    1);
	json_decref(spec);
	C1_CHECK_INT(sim_service_cloudformation.inject_drift("connector_deleted", NULL, err, sizeof(err)), ==,
		     0);

	free(detect_and_wait("M-WS", "DRIFTED"));
	c = cfn("DescribeStackResourceDrifts", kv_mod);
	C1_CHECK_STR(xml_get(c.text, "StackResourceDriftStatus"), "MODIFIED");
	C1_CHECK_STR(xml_get(c.text, "LogicalResourceId"), "WsRole");
	C1_CHECK_CONTAINS(c.text, "<PropertyDifferences><member><PropertyPath>/");
	C1_CHECK_STR(xml_get(c.text, "DifferenceType"), "ADD");
	call_dispose(&c);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_CONTAINS(c.text, "<DriftInformation><StackDriftStatus>DRIFTED</StackDriftStatus>");
	call_dispose(&c);
	{
		const char *kv_sync[] = {"StackName", "M-WS", "StackResourceDriftStatusFilters.member.1",
					 "IN_SYNC", NULL};
		c = cfn("DescribeStackResourceDrifts", kv_sync);
		C1_CHECK_NOT_CONTAINS(c.text, "<member>");
		call_dispose(&c);
	}
}

C1_TEST(drift_parameter_changed_and_stack_deleted)
{
	const char *kv_name[] = {"StackName", "N-WS", NULL};
	char err[256], ext[64], pr[256], *arn, *id;
	json_t *spec;
	struct cfn_call c;

	setup();
	id = create_role_stack("N-WS", "ext-1");
	pass(300);
	c = cfn("DescribeStacks", kv_name);
	arn = c1_strdup(xml_get(c.text, "OutputValue"));
	call_dispose(&c);

	spec = json_pack("{s:s, s:s, s:s}", "stack", "N-WS", "parameter", "ExternalId", "value", "ext-other");
	C1_CHECK_INT(
	    sim_service_cloudformation.inject_drift("stack_parameter_changed", spec, err, sizeof(err)), ==,
	    1);
	json_decref(spec);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_STR(xml_get(c.text, "StackStatus"), "UPDATE_COMPLETE");
	C1_CHECK_CONTAINS(c.text, "<ParameterValue>ext-other</ParameterValue>");
	call_dispose(&c);
	C1_CHECK(sim_cfn_role_lookup(ACCT, arn, ext, sizeof(ext), pr, sizeof(pr)));
	C1_CHECK_STR(ext, "ext-other");

	spec = json_pack("{s:s, s:s, s:s}", "stack", "N-WS", "parameter", "Missing", "value", "v");
	C1_CHECK_INT(
	    sim_service_cloudformation.inject_drift("stack_parameter_changed", spec, err, sizeof(err)), ==,
	    -1);
	C1_CHECK_CONTAINS(err, "Missing");
	json_decref(spec);

	spec = json_pack("{s:s}", "stack", "N-WS");
	C1_CHECK_INT(sim_service_cloudformation.inject_drift("stack_deleted", spec, err, sizeof(err)), ==, 1);
	json_decref(spec);
	c = cfn("DescribeStacks", kv_name);
	C1_CHECK_INT(c.status, ==, 400);
	call_dispose(&c);
	CHECK_STATUS(id, "DELETE_COMPLETE");
	C1_CHECK(!sim_cfn_role_lookup(ACCT, arn, ext, sizeof(ext), pr, sizeof(pr)));
	free(arn);
	free(id);
}

C1_TEST(list_stacks_and_paging)
{
	struct cfn_call c;
	char name[32], *token;

	setup();
	for (int i = 0; i < 105; i++) {
		const char *kv[] = {"StackName", name, "TemplateBody", "Resources: {}", NULL};
		snprintf(name, sizeof(name), "P%d", i);
		c = cfn("CreateStack", kv);
		C1_CHECK_INT(c.status, ==, 200);
		call_dispose(&c);
	}
	c = cfn("DescribeStacks", NULL);
	token = c1_strdup(xml_get(c.text, "NextToken"));
	C1_CHECK(token[0] != '\0');
	C1_CHECK_STR(xml_nth(c.text, "StackName", 0), "P104"); /* newest first */
	call_dispose(&c);
	{
		const char *kv[] = {"NextToken", token, NULL};
		c = cfn("DescribeStacks", kv);
		C1_CHECK_STR(xml_nth(c.text, "StackName", 4), "P0");
		C1_CHECK_STR(xml_nth(c.text, "StackName", 5), "");
		C1_CHECK_NOT_CONTAINS(c.text, "<NextToken>");
		call_dispose(&c);
	}
	{
		const char *kv[] = {"StackStatusFilter.member.1", "CREATE_COMPLETE", NULL};
		c = cfn("ListStacks", kv);
		C1_CHECK_NOT_CONTAINS(c.text, "<member>");
		call_dispose(&c);
		pass(60);
		c = cfn("ListStacks", kv);
		C1_CHECK_CONTAINS(c.text, "<StackStatus>CREATE_COMPLETE</StackStatus>");
		call_dispose(&c);
	}
	free(token);
}
