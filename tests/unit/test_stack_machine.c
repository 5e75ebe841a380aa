/* The CloudFormation stack machine (engine/run/stack_machine.c) driven one
 * task run at a time for a real account job: a scripted transport answers
 * CloudFormation's Query XML (shapes as in test_cloudformation.c), a real
 * state store in the case's temp dir holds the ledger, and a hand-made task
 * context plays the scheduler (the clock jumps to the wake-up each run asks
 * for). Each case checks the machine's events, the requests it sent and the
 * ledger rows it left. */
#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/http_script.h"
#include "engine/run/stack_machine.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS      "xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\""
#define ACCOUNT "123456789012"
#define REGION  "us-east-1"
#define STACK   "CloudOne-WS"
#define STACK_ID                                                           \
	"arn:aws:cloudformation:us-east-1:123456789012:stack/CloudOne-WS/" \
	"5f1c2d3e-aaaa-bbbb-cccc-0123456789ab"
#define ROLE_ARN "arn:aws:iam::123456789012:role/CloudOneWorkloadRole"
#define POLL_MIN 1000
#define POLL_MAX 8000

static const struct c1_sigv4_credentials s_creds = {"AKIAIOSFODNN7EXAMPLE",
						    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};

struct fixture {
	struct c1_http_script *script;
	struct c1_run_shared run;
	struct c1_kv tags[1];
	struct c1_account_spec row;
	struct c1_account_job *job;
	struct c1_task_ctx ctx;
	struct c1_stack_machine m;
	struct c1_cfn_tag in_tags[C1_STACK_MAX_TAGS];
	struct c1_cfn_stack_input in;
	char log[1024]; /* the phases and events of the runs so far */
};

static void s_setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->script = c1_http_script_new();
	C1_CHECK_INT(c1_state_open(&f->run.state, c1_test_tmpdir()), ==, 0);
	struct c1_state_run_info info = {.command = "apply", .strategy = "direct"};
	C1_CHECK_INT(c1_state_run_begin(f->run.state, &info, f->run.run_id), ==, 0);
	f->run.mode = C1_MODE_APPLY;
	struct c1_ratelimit_options rlo = C1_RATELIMIT_OPTIONS_INIT;
	C1_CHECK_INT(c1_ratelimit_new(&f->run.rl, &rlo), ==, 0);
	c1_retry_policy_init(&f->run.retry_aws, C1_RETRY_STANDARD_2026);
	f->run.retry_aws.max_attempts = 3;
	c1_retry_policy_init(&f->run.retry_trend, C1_RETRY_STANDARD_2026);
	f->run.poll_min_ms = POLL_MIN;
	f->run.poll_max_ms = POLL_MAX;

	f->tags[0] = (struct c1_kv){"team", "platform"};
	f->row = (struct c1_account_spec){.line = 2,
					  .account_id = ACCOUNT,
					  .name = "",
					  .profile = "acct",
					  .region = REGION,
					  .bucket = "",
					  .create_new_trail = true,
					  .stack_name = "CloudOne",
					  .tags = f->tags,
					  .tag_count = 1};
	f->job = c1_account_job_new(&f->run, &f->row, 1, NULL);
	/* The AWS context c1_aws_context_init would resolve, with fixed credentials. */
	struct c1_aws_context *aws = &f->job->aws;
	aws->ep_cfn.url = c1_strdup("https://cloudformation.us-east-1.amazonaws.com");
	aws->cfn = (struct c1_aws_target){c1_http_script_transport(f->script), aws->ep_cfn.url, REGION,
					  c1_clock_system()};
	aws->view = s_creds;
	aws->rl_cfn = c1_strdup("cloudformation|" REGION "|" ACCOUNT);

	f->ctx.now_ms = 100000;
	c1_stack_machine_init(&f->m, STACK, C1_STEP_WS_ROLE);
	size_t n = c1_stack_tags(f->job, f->in_tags, C1_STACK_MAX_TAGS);
	f->in = (struct c1_cfn_stack_input){.stack_name = f->m.name,
					    .template_body = "{\"Resources\":{}}",
					    .tags = f->in_tags,
					    .tag_count = n};
}

static void s_teardown(struct fixture *f)
{
	c1_stack_machine_dispose(&f->m);
	c1_account_job_free(f->job);
	c1_ratelimit_free(f->run.rl);
	c1_state_close(f->run.state);
	c1_http_script_free(f->script);
}

static const char *s_phase_name(enum c1_stack_phase p)
{
	static const char *const names[] = {
	    "LOOK",         "CREATE",     "UPDATE",         "POLL",
	    "EVENTS",       "DELETE",     "DELETE_POLL",    "CONTINUE_ROLLBACK",
	    "DETECT_DRIFT", "DRIFT_POLL", "RESOURCE_DRIFTS"};
	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

static const char *s_event_name(const struct c1_stack_machine *m, enum c1_stack_event ev)
{
	switch (ev) {
	case C1_STACK_PENDING:
		return m->task_rc == C1_TASK_WAIT    ? "PENDING(wait)"
		       : m->task_rc == C1_TASK_AGAIN ? "PENDING(again)"
						     : "PENDING(?)";
	case C1_STACK_OBSERVED: return "OBSERVED";
	case C1_STACK_SETTLED: return "SETTLED";
	case C1_STACK_DELETED: return "DELETED";
	case C1_STACK_FAILED: return "FAILED";
	case C1_STACK_DRIFT_KNOWN: return "DRIFT_KNOWN";
	}
	return "?";
}

/* One task run, as the scheduler makes it: a run that asked to wait runs
 * again at its wake-up time (the clock jumps there). Logged as "PHASE>EVENT". */
static enum c1_stack_event s_step(struct fixture *f)
{
	enum c1_stack_phase phase = f->m.phase;
	f->ctx.wake_at_ms = 0;
	enum c1_stack_event ev = c1_stack_machine_step(&f->m, f->job, &f->ctx, &f->in);
	size_t len = strlen(f->log);
	snprintf(f->log + len, sizeof(f->log) - len, "%s%s>%s", len ? " " : "", s_phase_name(phase),
		 s_event_name(&f->m, ev));
	if (ev == C1_STACK_PENDING && f->m.task_rc == C1_TASK_WAIT) {
		C1_CHECK(f->ctx.wake_at_ms >= f->ctx.now_ms);
		f->ctx.now_ms = f->ctx.wake_at_ms;
	}
	f->ctx.runs++;
	return ev;
}

/* Task runs until the machine reports something other than PENDING. */
static enum c1_stack_event s_until_event(struct fixture *f)
{
	for (int i = 0; i < 50; i++) {
		enum c1_stack_event ev = s_step(f);
		if (ev != C1_STACK_PENDING)
			return ev;
	}
	c1_test_fail(__FILE__, __LINE__, "still pending after 50 runs: %s", f->log);
}

/* The Action of every request sent so far, comma-separated. */
static const char *s_actions(struct fixture *f)
{
	static char out[1024];
	out[0] = '\0';
	for (size_t i = 0; i < c1_http_script_count(f->script); i++) {
		const struct c1_http_script_request *r = c1_http_script_request(f->script, i);
		C1_CHECK_STR(r->method, "POST");
		/* every call names the stack, but a detection's status is asked by its id */
		if (!strstr(r->body, "Action=DescribeStackDriftDetectionStatus"))
			C1_CHECK_CONTAINS(r->body, "StackName=" STACK);
		const char *a = strstr(r->body, "Action=");
		size_t n = a ? strcspn(a + 7, "&") : 1;
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%.*s", len ? "," : "", (int)n, a ? a + 7 : "?");
	}
	return out;
}

/* The ledger row of the stack: its state, or -1 when there is none. */
static int s_ledger(struct fixture *f, char *physical, size_t physical_len)
{
	struct c1_resource_key key = {ACCOUNT, REGION, C1_RESOURCE_STACK, STACK};
	struct c1_resource r = {0};
	if (c1_state_resource_get(f->run.state, &key, &r) != 0)
		return -1;
	int state = (int)r.state;
	if (physical)
		snprintf(physical, physical_len, "%s", r.physical_id ? r.physical_id : "");
	C1_CHECK_STR(r.updated_by_run, f->run.run_id);
	c1_resource_dispose(&r);
	return state;
}

/* ---- canned CloudFormation answers ---- */

static void s_push_stack(struct fixture *f, const char *status, const char *reason)
{
	char *reason_xml =
	    reason ? c1_asprintf("<StackStatusReason>%s</StackStatusReason>", reason) : c1_strdup("");
	char *xml = c1_asprintf(
	    "<DescribeStacksResponse " NS "><DescribeStacksResult><Stacks><member><StackId>" STACK_ID
	    "</StackId><StackName>" STACK "</StackName><Parameters><member><ParameterKey>ExternalId"
	    "</ParameterKey><ParameterValue>ext-1</ParameterValue></member></Parameters>"
	    "<CreationTime>2026-11-27T01:30:09.110129Z</CreationTime><StackStatus>%s</StackStatus>%s"
	    "<DisableRollback>false</DisableRollback><NotificationARNs/><Outputs><member><OutputKey>RoleArn"
	    "</OutputKey><OutputValue>" ROLE_ARN "</OutputValue></member></Outputs><Tags><member>"
	    "<Key>c1onboard:account</Key><Value>" ACCOUNT "</Value></member></Tags></member></Stacks>"
	    "</DescribeStacksResult><ResponseMetadata><RequestId>rq-describe</RequestId>"
	    "</ResponseMetadata></DescribeStacksResponse>",
	    status, reason_xml);
	c1_http_script_push(f->script, 200, NULL, xml);
	free(xml);
	free(reason_xml);
}

static void s_push_error(struct fixture *f, long http, const char *code, const char *message)
{
	char *xml = c1_asprintf("<ErrorResponse " NS "><Error><Type>%s</Type><Code>%s</Code><Message>%s"
				"</Message></Error><RequestId>rq-%s</RequestId></ErrorResponse>",
				http >= 500 ? "Receiver" : "Sender", code, message, code);
	c1_http_script_push(f->script, http, NULL, xml);
	free(xml);
}

static void s_push_missing(struct fixture *f)
{
	s_push_error(f, 400, "ValidationError", "Stack with id " STACK " does not exist");
}

static void s_push_created(struct fixture *f)
{
	c1_http_script_push(f->script, 200, NULL,
			    "<CreateStackResponse " NS "><CreateStackResult><StackId>" STACK_ID
			    "</StackId></CreateStackResult><ResponseMetadata><RequestId>rq-create</RequestId>"
			    "</ResponseMetadata></CreateStackResponse>");
}

static void s_push_deleted(struct fixture *f)
{
	c1_http_script_push(f->script, 200, NULL,
			    "<DeleteStackResponse " NS "><ResponseMetadata><RequestId>rq-delete</RequestId>"
			    "</ResponseMetadata></DeleteStackResponse>");
}

/* "2026-11-27T01:30:58Z" for a wall time in ms. */
static void s_iso(char *out, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *s_event_xml(const char *id, const char *logical, const char *type, int64_t at_ms,
			 const char *status, const char *reason)
{
	char ts[32];
	s_iso(ts, sizeof(ts), at_ms);
	return c1_asprintf("<member><StackId>" STACK_ID "</StackId><EventId>%s</EventId><StackName>" STACK
			   "</StackName><LogicalResourceId>%s</LogicalResourceId><ResourceType>%s"
			   "</ResourceType><Timestamp>%s</Timestamp><ResourceStatus>%s</ResourceStatus>"
			   "%s%s%s</member>",
			   id, logical, type, ts, status, reason ? "<ResourceStatusReason>" : "",
			   reason ? reason : "", reason ? "</ResourceStatusReason>" : "");
}

/* A DescribeStackEvents page, newest first: the stack's own rollback event and
 * the failed resource of this operation (`recent`: now, else a day ago),
 * then a failure of an earlier operation (two days ago). */
static void s_push_events(struct fixture *f, bool recent)
{
	int64_t now = c1_job_now_wall();
	int64_t at = recent ? now : now - 86400000;
	char *e3 =
	    s_event_xml("e3", STACK, "AWS::CloudFormation::Stack", at, "ROLLBACK_IN_PROGRESS",
			"The following resource(s) failed to create: [Role]. Rollback requested by user.");
	char *e2 = s_event_xml("e2", "Role", "AWS::IAM::Role", at, "CREATE_FAILED",
			       "Role CloudOneWorkloadRole already exists");
	char *e1 = s_event_xml("e1", "OldPolicy", "AWS::IAM::Policy", now - 2 * 86400000, "DELETE_FAILED",
			       "old failure of an earlier run");
	char *xml =
	    c1_asprintf("<DescribeStackEventsResponse " NS "><DescribeStackEventsResult><StackEvents>"
			"%s%s%s</StackEvents></DescribeStackEventsResult></DescribeStackEventsResponse>",
			e3, e2, e1);
	c1_http_script_push(f->script, 200, NULL, xml);
	free(xml);
	free(e1);
	free(e2);
	free(e3);
}

/* ---- LOOK ---- */

C1_TEST(look_absent_stack)
{
	struct fixture f;
	s_setup(&f);
	s_push_missing(&f);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_OBSERVED);
	C1_CHECK_STR(f.log, "LOOK>OBSERVED");
	C1_CHECK(!f.m.found);
	C1_CHECK_STR(s_actions(&f), "DescribeStacks");
	/* a look writes nothing: no ledger row, nothing marked written */
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, -1);
	C1_CHECK(!f.m.wrote && !f.m.created);
	s_teardown(&f);
}

C1_TEST(look_delete_complete_is_absent)
{
	struct fixture f;
	s_setup(&f);
	s_push_stack(&f, "DELETE_COMPLETE", NULL);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_OBSERVED);
	C1_CHECK(!f.m.found);
	C1_CHECK_STR(f.m.cur.status, "DELETE_COMPLETE");
	s_teardown(&f);
}

C1_TEST(look_existing_stack_reads_outputs)
{
	struct fixture f;
	s_setup(&f);
	s_push_stack(&f, "CREATE_COMPLETE", NULL);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_OBSERVED);
	C1_CHECK(f.m.found);
	C1_CHECK_STR(f.m.cur.status, "CREATE_COMPLETE");
	C1_CHECK_STR(f.m.cur.stack_id, STACK_ID);
	C1_CHECK_STR(c1_cfn_kv_get(f.m.cur.outputs, f.m.cur.output_count, "RoleArn"), ROLE_ARN);
	C1_CHECK_STR(c1_cfn_kv_get(f.m.cur.parameters, f.m.cur.parameter_count, "ExternalId"), "ext-1");
	C1_CHECK(c1_stack_is_ours(&f.m.cur, ACCOUNT));
	C1_CHECK(!c1_stack_is_ours(&f.m.cur, "999999999999"));
	C1_CHECK_STR(s_actions(&f), "DescribeStacks");
	s_teardown(&f);
}

/* ---- CREATE ---- */

C1_TEST(create_polls_to_settled_and_records_the_ledger)
{
	struct fixture f;
	s_setup(&f);
	s_push_created(&f);
	s_push_stack(&f, "CREATE_IN_PROGRESS", NULL);
	s_push_stack(&f, "CREATE_COMPLETE", NULL);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	int64_t t0 = f.ctx.now_ms;
	C1_CHECK_INT(s_step(&f), ==, C1_STACK_PENDING);
	/* the first poll waits the shortest poll delay (nothing learned yet) */
	C1_CHECK_INT(f.ctx.now_ms - t0, ==, POLL_MIN);
	C1_CHECK_INT(f.m.phase, ==, C1_STACK_PHASE_POLL);
	C1_CHECK(f.m.created && f.m.wrote && !f.m.updating);
	C1_CHECK_STR(f.m.stack_id, STACK_ID);
	/* the create is in the ledger as soon as CloudFormation accepted it */
	char physical[256];
	C1_CHECK_INT(s_ledger(&f, physical, sizeof(physical)), ==, C1_RESOURCE_CREATED);
	C1_CHECK_STR(physical, STACK_ID);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_SETTLED);
	C1_CHECK_STR(f.log, "CREATE>PENDING(wait) POLL>PENDING(wait) POLL>SETTLED");
	/* the poll delay doubles while the stack is in progress */
	C1_CHECK_INT(f.ctx.now_ms - t0, ==, POLL_MIN + 2 * POLL_MIN);
	C1_CHECK_STR(s_actions(&f), "CreateStack,DescribeStacks,DescribeStacks");
	/* the CreateStack carried the input: template and the account's tags */
	const char *body = c1_http_script_request(f.script, 0)->body;
	C1_CHECK_CONTAINS(body, "TemplateBody=");
	C1_CHECK_CONTAINS(body, "Tags.member.1.Key=c1onboard%3Aaccount&Tags.member.1.Value=" ACCOUNT);
	C1_CHECK_CONTAINS(body, "Tags.member.3.Key=team&Tags.member.3.Value=platform");
	C1_CHECK_STR(c1_cfn_kv_get(f.m.cur.outputs, f.m.cur.output_count, "RoleArn"), ROLE_ARN);
	C1_CHECK_INT(s_ledger(&f, physical, sizeof(physical)), ==, C1_RESOURCE_CREATED);
	/* the run learned how long this stack's create took: the next one polls first after it */
	C1_CHECK_INT(f.run.poll_learned_ms[C1_STEP_WS_ROLE * C1_POLL_OP_COUNT + C1_POLL_CREATE], ==,
		     3 * POLL_MIN);
	s_teardown(&f);
}

C1_TEST(create_ending_rolled_back_quotes_this_operations_failure)
{
	struct fixture f;
	s_setup(&f);
	s_push_created(&f);
	s_push_stack(&f, "ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Role].");
	s_push_events(&f, true);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_STR(f.log, "CREATE>PENDING(wait) POLL>PENDING(again) EVENTS>FAILED");
	C1_CHECK_STR(s_actions(&f), "CreateStack,DescribeStacks,DescribeStackEvents");
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_ENDED_FAILED);
	C1_CHECK_STR(f.m.err.code, "ROLLBACK_COMPLETE");
	C1_CHECK_STR(f.m.err.message, "stack " STACK " ended ROLLBACK_COMPLETE: Role (AWS::IAM::Role): Role "
				      "CloudOneWorkloadRole already exists");
	/* an earlier operation's failure is not this one's reason */
	C1_CHECK_NOT_CONTAINS(f.m.err.message, "old failure");
	/* the stack exists (rolled back): the ledger keeps it as created, for the rollback to delete */
	C1_CHECK(f.m.created);
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_CREATED);
	s_teardown(&f);
}

C1_TEST(create_failure_without_recent_events_quotes_older_ones)
{
	struct fixture f;
	s_setup(&f);
	s_push_created(&f);
	s_push_stack(&f, "ROLLBACK_COMPLETE", NULL);
	s_push_events(&f, false); /* every failed event is older than the operation */
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_ENDED_FAILED);
	/* rather an older reason than none: oldest first, the root cause leads */
	C1_CHECK_STR(f.m.err.message,
		     "stack " STACK " ended ROLLBACK_COMPLETE: OldPolicy (AWS::IAM::Policy): old failure of "
		     "an earlier run; Role (AWS::IAM::Role): Role CloudOneWorkloadRole already exists");
	s_teardown(&f);
}

C1_TEST(create_failure_when_events_cannot_be_read_quotes_the_status_reason)
{
	struct fixture f;
	s_setup(&f);
	s_push_created(&f);
	s_push_stack(&f, "ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Role].");
	s_push_error(&f, 403, "AccessDenied", "not allowed to cloudformation:DescribeStackEvents");
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_ENDED_FAILED);
	C1_CHECK_STR(f.m.err.code, "ROLLBACK_COMPLETE");
	C1_CHECK_STR(f.m.err.message, "stack " STACK " ended ROLLBACK_COMPLETE: The following resource(s) "
				      "failed to create: [Role].");
	s_teardown(&f);
}

C1_TEST(create_retried_after_5xx_follows_the_stack_it_made)
{
	struct fixture f;
	s_setup(&f);
	s_push_error(&f, 500, "InternalFailure", "internal error");
	/* the first CreateStack went through after all: the retry meets the stack */
	s_push_error(&f, 400, "AlreadyExistsException", "Stack [" STACK "] already exists");
	s_push_stack(&f, "CREATE_COMPLETE", NULL);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_SETTLED);
	C1_CHECK_STR(f.log, "CREATE>PENDING(wait) CREATE>PENDING(wait) POLL>SETTLED");
	C1_CHECK_STR(s_actions(&f), "CreateStack,CreateStack,DescribeStacks");
	C1_CHECK(f.m.created && f.m.wrote);
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_CREATED);
	s_teardown(&f);
}

C1_TEST(create_already_exists_on_first_try_fails)
{
	struct fixture f;
	s_setup(&f);
	/* not a retry: someone else's stack of that name, which this machine did not make */
	s_push_error(&f, 400, "AlreadyExistsException", "Stack [" STACK "] already exists");
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_CALL_FAILED);
	C1_CHECK_STR(f.m.failed_call, "CreateStack");
	C1_CHECK_STR(f.m.err.code, "AlreadyExistsException");
	C1_CHECK(!f.m.created && !f.m.wrote);
	/* refused: nothing was made, so the intent is settled (a later run must not take that stack as ours)
	 */
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_DELETED);
	s_teardown(&f);
}

C1_TEST(create_stack_vanishing_while_polled_fails)
{
	struct fixture f;
	s_setup(&f);
	s_push_created(&f);
	s_push_missing(&f);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_VANISHED);
	C1_CHECK_CONTAINS(f.m.err.message, "stack " STACK " disappeared while being created");
	s_teardown(&f);
}

/* ---- UPDATE ---- */

C1_TEST(update_with_no_changes_goes_back_to_look)
{
	struct fixture f;
	s_setup(&f);
	s_push_error(&f, 400, "ValidationError", "No updates are to be performed.");
	s_push_stack(&f, "UPDATE_COMPLETE", NULL);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_UPDATE);
	C1_CHECK_INT(s_step(&f), ==, C1_STACK_PENDING);
	C1_CHECK_INT(f.m.task_rc, ==, C1_TASK_AGAIN);
	C1_CHECK_INT(f.m.phase, ==, C1_STACK_PHASE_LOOK);
	C1_CHECK(f.m.no_updates);
	C1_CHECK(!f.m.wrote && !f.m.created);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_OBSERVED);
	C1_CHECK_STR(f.log, "UPDATE>PENDING(again) LOOK>OBSERVED");
	C1_CHECK_STR(s_actions(&f), "UpdateStack,DescribeStacks");
	C1_CHECK(f.m.found);
	/* an update is not a ledger event */
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, -1);
	s_teardown(&f);
}

C1_TEST(update_polls_to_settled)
{
	struct fixture f;
	s_setup(&f);
	c1_http_script_push(f.script, 200, NULL,
			    "<UpdateStackResponse " NS "><UpdateStackResult><StackId>" STACK_ID
			    "</StackId></UpdateStackResult></UpdateStackResponse>");
	s_push_stack(&f, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", NULL);
	s_push_stack(&f, "UPDATE_COMPLETE", NULL);
	struct c1_cfn_parameter params[] = {{"ExternalId", "ext-2", false}};
	f.in.use_previous_template = true;
	f.in.template_body = NULL;
	f.in.parameters = params;
	f.in.parameter_count = 1;
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_UPDATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_SETTLED);
	C1_CHECK_STR(f.log, "UPDATE>PENDING(wait) POLL>PENDING(wait) POLL>SETTLED");
	C1_CHECK_STR(s_actions(&f), "UpdateStack,DescribeStacks,DescribeStacks");
	C1_CHECK_CONTAINS(
	    c1_http_script_request(f.script, 0)->body,
	    "Parameters.member.1.ParameterKey=ExternalId&Parameters.member.1.ParameterValue=ext-2");
	C1_CHECK(f.m.updating && f.m.wrote && !f.m.created && !f.m.no_updates);
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, -1);
	s_teardown(&f);
}

C1_TEST(update_ending_rolled_back_fails_with_status)
{
	struct fixture f;
	s_setup(&f);
	c1_http_script_push(f.script, 200, NULL,
			    "<UpdateStackResponse " NS "><UpdateStackResult><StackId>" STACK_ID
			    "</StackId></UpdateStackResult></UpdateStackResponse>");
	s_push_stack(&f, "UPDATE_ROLLBACK_COMPLETE", NULL);
	s_push_events(&f, true);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_UPDATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_ENDED_FAILED);
	C1_CHECK_STR(f.m.err.code, "UPDATE_ROLLBACK_COMPLETE");
	C1_CHECK_CONTAINS(f.m.err.message, "Role CloudOneWorkloadRole already exists");
	s_teardown(&f);
}

/* ---- DELETE ---- */

C1_TEST(delete_polls_gone_and_records_the_ledger)
{
	struct fixture f;
	s_setup(&f);
	struct c1_resource_key key = {ACCOUNT, REGION, C1_RESOURCE_STACK, STACK};
	C1_CHECK_INT(c1_state_resource_created(f.run.state, &key, f.run.run_id, STACK_ID, NULL), ==, 0);
	s_push_deleted(&f);
	s_push_stack(&f, "DELETE_IN_PROGRESS", NULL);
	s_push_stack(&f, "DELETE_COMPLETE", NULL);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_DELETE);
	C1_CHECK_INT(s_step(&f), ==, C1_STACK_PENDING);
	C1_CHECK_INT(f.m.phase, ==, C1_STACK_PHASE_DELETE_POLL);
	/* before the answer is seen gone, the ledger says a delete was asked for */
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_DELETE_INTENT);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_DELETED);
	C1_CHECK_STR(f.log, "DELETE>PENDING(wait) DELETE_POLL>PENDING(wait) DELETE_POLL>DELETED");
	C1_CHECK_STR(s_actions(&f), "DeleteStack,DescribeStacks,DescribeStacks");
	C1_CHECK(f.m.wrote && !f.m.found);
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_DELETED);
	s_teardown(&f);
}

C1_TEST(delete_of_a_stack_already_gone_is_deleted)
{
	struct fixture f;
	s_setup(&f);
	s_push_deleted(&f); /* CloudFormation answers DeleteStack of a missing stack with success */
	s_push_missing(&f);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_DELETE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_DELETED);
	C1_CHECK_STR(f.log, "DELETE>PENDING(wait) DELETE_POLL>DELETED");
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_DELETED);
	s_teardown(&f);
}

C1_TEST(delete_ending_delete_failed_is_not_deleted)
{
	struct fixture f;
	s_setup(&f);
	struct c1_resource_key key = {ACCOUNT, REGION, C1_RESOURCE_STACK, STACK};
	C1_CHECK_INT(c1_state_resource_created(f.run.state, &key, f.run.run_id, STACK_ID, NULL), ==, 0);
	s_push_deleted(&f);
	s_push_stack(&f, "DELETE_FAILED",
		     "The following resource(s) failed to delete: [Bucket]. Bucket is not empty");
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_DELETE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_STR(f.log, "DELETE>PENDING(wait) DELETE_POLL>FAILED");
	C1_CHECK_STR(s_actions(&f), "DeleteStack,DescribeStacks");
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_NOT_DELETED);
	C1_CHECK_STR(f.m.err.code, "DELETE_FAILED");
	C1_CHECK_STR(f.m.err.message, "stack " STACK " ended DELETE_FAILED: The following resource(s) failed "
				      "to delete: [Bucket]. Bucket is not empty");
	/* the stack is still there: the ledger is not marked deleted */
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_DELETE_INTENT);
	s_teardown(&f);
}

/* ---- CONTINUE_ROLLBACK ---- */

C1_TEST(continue_rollback_then_looks_again)
{
	struct fixture f;
	s_setup(&f);
	c1_http_script_push(f.script, 200, NULL,
			    "<ContinueUpdateRollbackResponse " NS "><ContinueUpdateRollbackResult/>"
			    "</ContinueUpdateRollbackResponse>");
	s_push_stack(&f, "UPDATE_ROLLBACK_COMPLETE", NULL);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CONTINUE_ROLLBACK);
	int64_t t0 = f.ctx.now_ms;
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_OBSERVED);
	C1_CHECK_STR(f.log, "CONTINUE_ROLLBACK>PENDING(wait) LOOK>OBSERVED");
	C1_CHECK_INT(f.ctx.now_ms - t0, ==, POLL_MIN);
	C1_CHECK_STR(s_actions(&f), "ContinueUpdateRollback,DescribeStacks");
	C1_CHECK(f.m.wrote && f.m.found);
	C1_CHECK_STR(f.m.cur.status, "UPDATE_ROLLBACK_COMPLETE");
	s_teardown(&f);
}

/* ---- retries and failures ---- */

C1_TEST(transient_errors_are_retried_not_failed)
{
	struct fixture f;
	s_setup(&f);
	s_push_error(&f, 500, "InternalFailure", "We encountered an internal error");
	s_push_error(&f, 400, "Throttling", "Rate exceeded");
	s_push_error(&f, 503, "ServiceUnavailable", "Service unavailable");
	s_push_stack(&f, "CREATE_COMPLETE", NULL);
	int64_t t0 = f.ctx.now_ms;
	C1_CHECK_INT(s_step(&f), ==, C1_STACK_PENDING);
	C1_CHECK_INT(f.m.task_rc, ==, C1_TASK_WAIT);
	C1_CHECK_INT(f.m.phase, ==, C1_STACK_PHASE_LOOK);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_OBSERVED);
	/* backoffs, not a spin: each is jittered in [0, base), so one may round to 0 ms, not all three */
	C1_CHECK(f.ctx.now_ms > t0);
	/* every answer was a retry of the same call; throttling may add waits for a rate-limit slot */
	C1_CHECK_STR(s_actions(&f), "DescribeStacks,DescribeStacks,DescribeStacks,DescribeStacks");
	C1_CHECK(f.m.found);
	C1_CHECK_INT(c1_http_script_pending(f.script), ==, 0);
	/* a success resets the call's tries for the next call */
	C1_CHECK_INT(f.job->call.attempt, ==, 0);
	s_teardown(&f);
}

C1_TEST(transient_errors_fail_once_attempts_are_spent)
{
	struct fixture f;
	s_setup(&f); /* max_attempts 3, no outage retries */
	for (int i = 0; i < 3; i++)
		s_push_error(&f, 500, "InternalFailure", "We encountered an internal error");
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_STR(f.log, "LOOK>PENDING(wait) LOOK>PENDING(wait) LOOK>FAILED");
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_CALL_FAILED);
	C1_CHECK_STR(f.m.failed_call, "DescribeStacks");
	C1_CHECK_STR(f.m.err.code, "InternalFailure");
	C1_CHECK_INT(f.m.err.http_status, ==, 500);
	s_teardown(&f);
}

C1_TEST(validation_error_fails_naming_the_call)
{
	struct fixture f;
	s_setup(&f);
	s_push_error(&f, 400, "ValidationError", "Template format error: unsupported structure.");
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_STR(f.log, "CREATE>FAILED");
	C1_CHECK_STR(s_actions(&f), "CreateStack");
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_CALL_FAILED);
	C1_CHECK_STR(f.m.failed_call, "CreateStack");
	C1_CHECK_STR(f.m.err.code, "ValidationError");
	C1_CHECK_INT(f.m.err.http_status, ==, 400);
	C1_CHECK_STR(f.m.err.request_id, "rq-ValidationError");
	C1_CHECK_CONTAINS(f.m.err.message, "Template format error");
	C1_CHECK(!f.m.created && !f.m.wrote);
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_DELETED); /* refused: nothing to resolve later */
	s_teardown(&f);
}

/* The state store refuses every ledger write (a trigger added through a second
 * connection stands in for a full disk): the intent is the precondition of a
 * create or delete, so the call must not be sent. */
static void s_refuse_ledger_writes(struct fixture *f)
{
	sqlite3 *db = NULL;
	C1_CHECK(sqlite3_open(c1_state_db_path(f->run.state), &db) == SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	C1_CHECK(sqlite3_exec(db,
			      "CREATE TRIGGER refuse_insert BEFORE INSERT ON resources BEGIN "
			      "SELECT RAISE(ABORT, 'database or disk is full (test)'); END;"
			      "CREATE TRIGGER refuse_update BEFORE UPDATE ON resources BEGIN "
			      "SELECT RAISE(ABORT, 'database or disk is full (test)'); END;",
			      NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

C1_TEST(refused_create_intent_sends_nothing)
{
	struct fixture f;
	s_setup(&f);
	s_refuse_ledger_writes(&f);
	s_push_created(&f);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_CREATE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_STR(f.log, "CREATE>FAILED");
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_REFUSED);
	C1_CHECK_STR(f.m.failed_call, "CreateStack");
	C1_CHECK_STR(f.m.err.code, "StateStore");
	C1_CHECK_CONTAINS(f.m.err.message, "could not record the create of stack " STACK);
	C1_CHECK_CONTAINS(f.m.err.message, "so it was not made");
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 0);
	C1_CHECK(!f.m.created && !f.m.wrote);
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, -1);
	s_teardown(&f);
}

C1_TEST(refused_delete_intent_sends_nothing)
{
	struct fixture f;
	s_setup(&f);
	struct c1_resource_key key = {ACCOUNT, REGION, C1_RESOURCE_STACK, STACK};
	C1_CHECK_INT(c1_state_resource_created(f.run.state, &key, f.run.run_id, STACK_ID, NULL), ==, 0);
	C1_CHECK_INT(c1_state_flush(f.run.state), ==, 0); /* outcomes are grouped: commit it */
	s_refuse_ledger_writes(&f);
	s_push_deleted(&f);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_DELETE);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_INT(f.m.failure, ==, C1_STACK_REFUSED);
	C1_CHECK_STR(f.m.failed_call, "DeleteStack");
	C1_CHECK_CONTAINS(f.m.err.message, "could not record the delete of stack " STACK);
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 0);
	C1_CHECK_INT(s_ledger(&f, NULL, 0), ==, C1_RESOURCE_CREATED);
	s_teardown(&f);
}

/* ---- resource drift ---- */

static void s_push_detect(struct fixture *f)
{
	c1_http_script_push(f->script, 200, NULL,
			    "<DetectStackDriftResponse " NS
			    "><DetectStackDriftResult><StackDriftDetectionId>det-1"
			    "</StackDriftDetectionId></DetectStackDriftResult></DetectStackDriftResponse>");
}

static void s_push_detection(struct fixture *f, const char *detection, const char *drift)
{
	char *xml = c1_asprintf("<DescribeStackDriftDetectionStatusResponse " NS
				"><DescribeStackDriftDetectionStatusResult><StackDriftDetectionId>det-1"
				"</StackDriftDetectionId>%s%s%s<DetectionStatus>%s</DetectionStatus>"
				"</DescribeStackDriftDetectionStatusResult>"
				"</DescribeStackDriftDetectionStatusResponse>",
				drift ? "<StackDriftStatus>" : "", drift ? drift : "",
				drift ? "</StackDriftStatus>" : "", detection);
	c1_http_script_push(f->script, 200, NULL, xml);
	free(xml);
}

/* One page: an IN_SYNC resource, a MODIFIED one (with a difference), a DELETED one; `next` or none. */
static void s_push_resource_drifts(struct fixture *f, const char *next)
{
	char *xml = c1_asprintf(
	    "<DescribeStackResourceDriftsResponse " NS
	    "><DescribeStackResourceDriftsResult><StackResourceDrifts>"
	    "<member><LogicalResourceId>Policy</LogicalResourceId><ResourceType>AWS::IAM::Policy"
	    "</ResourceType><StackResourceDriftStatus>IN_SYNC</StackResourceDriftStatus></member>"
	    "<member><LogicalResourceId>Role</LogicalResourceId><ResourceType>AWS::IAM::Role</ResourceType>"
	    "<ExpectedProperties>{\"MaxSessionDuration\":3600}</ExpectedProperties><ActualProperties>"
	    "{\"MaxSessionDuration\":7200}</ActualProperties><PropertyDifferences><member><PropertyPath>"
	    "/MaxSessionDuration</PropertyPath><ExpectedValue>3600</ExpectedValue><ActualValue>7200"
	    "</ActualValue><DifferenceType>NOT_EQUAL</DifferenceType></member></PropertyDifferences>"
	    "<StackResourceDriftStatus>MODIFIED</StackResourceDriftStatus></member>"
	    "<member><LogicalResourceId>Queue</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType>"
	    "<ExpectedProperties>{}</ExpectedProperties><PropertyDifferences/><StackResourceDriftStatus>"
	    "DELETED</StackResourceDriftStatus></member></StackResourceDrifts>%s%s%s"
	    "</DescribeStackResourceDriftsResult></DescribeStackResourceDriftsResponse>",
	    next ? "<NextToken>" : "", next ? next : "", next ? "</NextToken>" : "");
	c1_http_script_push(f->script, 200, NULL, xml);
	free(xml);
}

C1_TEST(drift_detection_in_sync_reads_no_drifted_resource)
{
	struct fixture f;
	s_setup(&f);
	s_push_detect(&f);
	s_push_detection(&f, "DETECTION_IN_PROGRESS", NULL);
	s_push_detection(&f, "DETECTION_COMPLETE", "IN_SYNC");
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_DETECT_DRIFT);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_DRIFT_KNOWN);
	C1_CHECK_STR(f.log, "DETECT_DRIFT>PENDING(wait) DRIFT_POLL>PENDING(wait) DRIFT_POLL>DRIFT_KNOWN");
	C1_CHECK_STR(s_actions(&f), "DetectStackDrift,DescribeStackDriftDetectionStatus,"
				    "DescribeStackDriftDetectionStatus");
	C1_CHECK(f.m.drift_checked);
	C1_CHECK_INT(f.m.drifts.count, ==, 0);
	C1_CHECK(!f.m.wrote);
	s_teardown(&f);
}

C1_TEST(drift_detection_keeps_modified_and_deleted_resources_of_every_page)
{
	struct fixture f;
	s_setup(&f);
	s_push_detect(&f);
	s_push_detection(&f, "DETECTION_COMPLETE", "DRIFTED");
	s_push_resource_drifts(&f, "page-2");
	s_push_resource_drifts(&f, NULL);
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_DETECT_DRIFT);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_DRIFT_KNOWN);
	C1_CHECK_STR(s_actions(&f), "DetectStackDrift,DescribeStackDriftDetectionStatus,"
				    "DescribeStackResourceDrifts,DescribeStackResourceDrifts");
	C1_CHECK_CONTAINS(c1_http_script_request(f.script, 3)->body, "NextToken=page-2");
	C1_CHECK_INT(f.m.drifts.count, ==, 4); /* two per page: the IN_SYNC one is not kept */
	C1_CHECK_STR(f.m.drifts.items[0].logical_id, "Role");
	C1_CHECK_STR(f.m.drifts.items[1].drift_status, "DELETED");
	s_teardown(&f);
}

C1_TEST(drift_detection_failed_without_drift_is_an_error_not_in_sync)
{
	struct fixture f;
	s_setup(&f);
	s_push_detect(&f);
	s_push_detection(&f, "DETECTION_FAILED", "IN_SYNC");
	c1_stack_machine_goto(&f.m, C1_STACK_PHASE_DETECT_DRIFT);
	C1_CHECK_INT(s_until_event(&f), ==, C1_STACK_FAILED);
	C1_CHECK_STR(f.m.err.code, "DETECTION_FAILED");
	C1_CHECK(!f.m.drift_checked);
	s_teardown(&f);
}
