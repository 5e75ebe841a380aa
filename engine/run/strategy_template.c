/* Strategy `template`: the account's one stack as a step machine. Each run of
 * the task makes at most one remote call; stack waits, backoffs and rate-limit
 * slots are WAITs. The stack is written to the resource ledger before and
 * after each create and delete, so a killed run resumes without duplicates. */
#include "engine/run/strategy_template.h"

#include "engine/aws/cloudformation.h"
#include "engine/aws/s3.h"
#include "engine/aws/sts.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/run/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ST_START = 0, ST_TENANT, ST_SETUP, ST_PREFLIGHT, ST_STACK, ST_FINISH };

enum { PF_CHECKS = 0, PF_STACK };

enum {
	SK_DECIDE = 0,
	SK_LOOK,
	SK_CREATE,
	SK_UPDATE,
	SK_POLL,
	SK_EVENTS,
	SK_DELETE,
	SK_DELETE_POLL,
	SK_CONTINUE_ROLLBACK,
};

/* Why a delete runs: to clear a dead stack before creating, to undo a failed
 * create (CloudFormation's rollback leaves a ROLLBACK_COMPLETE shell), or to
 * offboard. */
enum { DEL_BEFORE_CREATE = 0, DEL_ROLLBACK, DEL_OFFBOARD };
/* The all-in-one stack has no step of its own; its learned poll wait takes the
 * CloudTrail stack's slot (a run uses one strategy). */
#define C1_TEMPLATE_POLL_STEP C1_STEP_CLOUDTRAIL_STACK

/* The per-job data; flat so that free() releases it (the report reads it
 * after the task ended). `cur` is disposed when the task finishes. */
struct tmpl {
	char name[64];
	/* the "template" step record */
	enum c1_step_status status;
	int attempts;
	int64_t started_ms, finished_ms;
	bool has_error;
	struct c1_api_error err;
	/* the stack after the run */
	bool exists;
	char stack_id[256];
	char stack_status[48];
	/* machine */
	struct c1_cfn_stack cur;
	bool cur_found;
	bool updating;
	int del_why;
	int64_t op_started_ms;
};

static const char *s_bucket(const struct c1_run_shared *run)
{
	return run->qs_bucket && *run->qs_bucket ? run->qs_bucket : C1_DEFAULT_QS_BUCKET;
}

static const char *s_prefix(const struct c1_run_shared *run)
{
	return run->qs_prefix ? run->qs_prefix : "";
}

int c1_strategy_template_url(char *out, size_t n, const char *template_url, const char *qs_bucket,
			     const char *qs_prefix)
{
	int len;
	bool explicit_url =
	    template_url && *template_url && strcmp(template_url, C1_DEFAULT_TEMPLATE_URL) != 0;
	bool own_bucket = qs_bucket && *qs_bucket && strcmp(qs_bucket, C1_DEFAULT_QS_BUCKET) != 0;
	bool own_prefix = qs_prefix && *qs_prefix;
	if (explicit_url)
		len = snprintf(out, n, "%s", template_url);
	else if (own_bucket || own_prefix)
		len = snprintf(
		    out, n,
		    "https://%s.s3.amazonaws.com/%stemplates/trend-cloudone-onboard/main.template.yaml",
		    own_bucket ? qs_bucket : C1_DEFAULT_QS_BUCKET, own_prefix ? qs_prefix : "");
	else
		len = snprintf(out, n, "%s", C1_DEFAULT_TEMPLATE_URL);
	if (len < 0 || (size_t)len >= n) {
		c1_error_set("the template URL is longer than %zu bytes; shorten --template-url, --qs-bucket "
			     "or --qs-prefix",
			     n);
		return C1_ETOOBIG;
	}
	return 0;
}

static struct tmpl *T(struct c1_account_job *job)
{
	if (!job->strategy_data) {
		struct tmpl *t = c1_calloc(1, sizeof(*t));
		t->err = (struct c1_api_error)C1_API_ERROR_INIT;
		job->strategy_data = t;
	}
	return job->strategy_data;
}

static bool s_readonly(const struct c1_account_job *job)
{
	return job->run->mode == C1_MODE_PLAN || job->run->mode == C1_MODE_DRIFT;
}

#define GATE(key)                                      \
	do {                                           \
		int g_ = c1_job_gate(job, ctx, (key)); \
		if (g_)                                \
			return g_;                     \
	} while (0)

#define AFTER(key, rc, alt, err) \
	c1_call_after(job->run, ctx, (key), (rc), (alt), (err), true, &job->quota, &job->call)

static struct c1_resource_key s_key(struct c1_account_job *job)
{
	struct c1_resource_key k = {job->row->account_id, job->region, C1_RESOURCE_STACK, T(job)->name};
	return k;
}

static bool s_stack_ours(const struct c1_cfn_stack *st, const char *account_id)
{
	const char *tag = c1_cfn_kv_get(st->tags, st->tag_count, "c1onboard:account");
	return tag && strcmp(tag, account_id) == 0;
}

/* ---- the "template" step record (the state store row is written at once) ---- */

static void s_step_start(struct c1_account_job *job)
{
	struct tmpl *t = T(job);
	if (t->started_ms == 0)
		t->started_ms = c1_job_now_wall();
	t->status = C1_STEP_RUNNING;
	t->attempts++;
	c1_job_state_written(job->run,
			     c1_state_step_start(job->run->state, job->run->run_id, job->row->account_id,
						 job->region, C1_TEMPLATE_STEP_NAME));
}

static void s_step_finish(struct c1_account_job *job, enum c1_step_status status,
			  const struct c1_api_error *err)
{
	struct tmpl *t = T(job);
	t->status = status;
	t->finished_ms = c1_job_now_wall();
	if (t->started_ms == 0)
		t->started_ms = t->finished_ms;
	if (err) {
		t->has_error = true;
		t->err = *err;
	}
	struct c1_state_step_outcome o = {0};
	o.status = status;
	if (t->has_error) {
		o.error_code = t->err.code;
		o.error_message = t->err.message;
		o.http_status = t->err.http_status;
		o.request_id = t->err.request_id[0] ? t->err.request_id : NULL;
	}
	o.resource_id = t->stack_id[0] ? t->stack_id : NULL;
	c1_job_state_written(job->run,
			     c1_state_step_finish(job->run->state, job->run->run_id, job->row->account_id,
						  job->region, C1_TEMPLATE_STEP_NAME, &o));
}

static void s_keep_stack(struct c1_account_job *job, const struct c1_cfn_stack *st)
{
	struct tmpl *t = T(job);
	t->exists = true;
	snprintf(t->stack_id, sizeof(t->stack_id), "%s", st->stack_id ? st->stack_id : "");
	snprintf(t->stack_status, sizeof(t->stack_status), "%s", st->status ? st->status : "");
}

static int s_finish(struct c1_account_job *job)
{
	job->stage = ST_FINISH;
	return C1_TASK_AGAIN;
}

static int s_invalid(struct c1_account_job *job, const char *code, const char *msg)
{
	c1_job_invalid(job, code, msg);
	return s_finish(job);
}

/* The step failed for good: record it; the stack is deleted when CloudFormation left a dead one. */
static int s_fail(struct c1_account_job *job, const struct c1_api_error *err, const char *what)
{
	struct tmpl *t = T(job);
	struct c1_api_error e = err ? *err : (struct c1_api_error)C1_API_ERROR_INIT;
	if (!e.code[0])
		snprintf(e.code, sizeof(e.code), "StepFailed");
	if (!e.message[0])
		snprintf(e.message, sizeof(e.message), "%s", c1_error_last());
	/* "what: message", cut to the field (a long event list loses its tail, never its head). */
	char *msg = c1_asprintf("%s: %s", what, e.message);
	size_t n = strlen(msg);
	if (n >= sizeof(e.message))
		n = sizeof(e.message) - 1;
	memcpy(e.message, msg, n);
	e.message[n] = '\0';
	free(msg);
	s_step_finish(job, C1_STEP_FAILED, &e);
	c1_job_reason(job, false, "template failed: %s", e.message);
	C1_WARN("account", "%s %s: template stack %s failed: %s", job->row->account_id, job->region, t->name,
		e.message);
	job->outcome.failed = true;
	/* CloudFormation rolled the stack back; a failed read in plan or drift rolled back nothing. */
	job->outcome.rollback_clean = !s_readonly(job);
	return s_finish(job);
}

/* ---- stack parameters ---- */

struct spec {
	char url[1024];
	struct c1_cfn_parameter params[6];
	size_t nparams;
};

/* The parameters that CloudFormation echoes back; the two secrets are NoEcho ("****"). */
static const char *const s_compared[] = {"CreateNewTrail", "ExistingCloudtrailBucketName", "QSS3BucketName",
					 "QSS3KeyPrefix"};

static void s_spec(struct c1_account_job *job, struct spec *s)
{
	memset(s, 0, sizeof(*s));
	bool new_trail = job->row->create_new_trail;
	s->params[s->nparams++] =
	    (struct c1_cfn_parameter){"CloudOneApiKey", c1_secret_reveal(job->tenant->api_key), false};
	s->params[s->nparams++] = (struct c1_cfn_parameter){"VisionOneServiceToken",
							    c1_secret_reveal(job->tenant->v1_token), false};
	s->params[s->nparams++] =
	    (struct c1_cfn_parameter){"CreateNewTrail", new_trail ? "true" : "false", false};
	s->params[s->nparams++] = (struct c1_cfn_parameter){
	    "ExistingCloudtrailBucketName", new_trail || !job->row->bucket[0] ? "" : job->row->bucket, false};
	s->params[s->nparams++] = (struct c1_cfn_parameter){"QSS3BucketName", s_bucket(job->run), false};
	s->params[s->nparams++] = (struct c1_cfn_parameter){"QSS3KeyPrefix", s_prefix(job->run), false};
}

static const char *s_param(const struct spec *s, const char *key)
{
	for (size_t i = 0; i < s->nparams; i++)
		if (strcmp(s->params[i].key, key) == 0)
			return s->params[i].value;
	return NULL;
}

/* First echoed parameter that differs, as "Key=have" into diff; true when all match. */
static bool s_params_match(const struct c1_cfn_stack *st, const struct spec *s, char *diff, size_t n)
{
	for (size_t i = 0; i < sizeof(s_compared) / sizeof(s_compared[0]); i++) {
		const char *want = s_param(s, s_compared[i]);
		const char *have = c1_cfn_kv_get(st->parameters, st->parameter_count, s_compared[i]);
		if (!have)
			have = "";
		if (strcmp(have, want ? want : "") != 0) {
			snprintf(diff, n, "%s=%s (want %s)", s_compared[i], have, want ? want : "");
			return false;
		}
	}
	return true;
}

/* ---- preflight ---- */

static int s_preflight(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	char msg[700];
	int rc;
	switch (job->sub) {
	case PF_CHECKS: {
		char code[64], why[480];
		enum c1_check_verdict v =
		    c1_job_preflight_checks(job, ctx, code, sizeof(code), why, sizeof(why));
		if (v == C1_CHECK_WAIT)
			return C1_TASK_WAIT;
		if (v == C1_CHECK_INVALID)
			return s_invalid(job, code, why);
		job->sub = PF_STACK;
		return C1_TASK_AGAIN;
	}
	case PF_STACK:
	default: {
		GATE(job->aws.rl_cfn);
		c1_cfn_stack_dispose(&t->cur);
		rc = c1_cfn_describe_stack(&t->cur, &job->aws.cfn, &job->aws.view, t->name, &err);
		enum c1_call_verdict v = AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err);
		if (v == C1_CALL_RETRY)
			return C1_TASK_WAIT;
		if (v == C1_CALL_FAIL) {
			c1_api_error_format(&err, msg, sizeof(msg));
			return s_invalid(job, err.code[0] ? err.code : "DescribeStacks", msg);
		}
		t->cur_found = rc == 0 && c1_stack_action_for_status(t->cur.status) != C1_STACK_CREATE;
		if (t->cur_found && !s_stack_ours(&t->cur, job->row->account_id)) {
			if (job->run->mode == C1_MODE_OFFBOARD) {
				C1_WARN("offboard", "%s: stack %s is not tagged as ours; left alone",
					job->row->account_id, t->name);
				c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_DONE, NULL, NULL);
				s_step_start(job);
				s_step_finish(job, C1_STEP_SKIPPED, NULL);
				return s_finish(job);
			}
			snprintf(
			    msg, sizeof(msg),
			    "stack %s already exists and was not made by c1onboard for this account (no tag "
			    "c1onboard:account=%s); pick another stack_name",
			    t->name, job->row->account_id);
			return s_invalid(job, "StackNameTaken", msg);
		}
		c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_DONE, NULL, NULL);
		s_step_start(job);
		job->stage = ST_STACK;
		job->sub = job->run->mode == C1_MODE_OFFBOARD ? SK_DELETE : SK_DECIDE;
		t->del_why = DEL_OFFBOARD;
		job->call = C1_CALL_TRIES_INIT;
		job->poll_ms = 0;
		if (job->run->mode == C1_MODE_OFFBOARD && !t->cur_found) {
			s_step_finish(job, C1_STEP_SKIPPED, NULL);
			return s_finish(job);
		}
		return C1_TASK_AGAIN;
	}
	}
}

/* ---- the stack ---- */

static int s_create_or_update(struct c1_account_job *job, struct c1_task_ctx *ctx, bool update)
{
	struct tmpl *t = T(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct spec s;
	const char *caps[] = {"CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
	struct c1_cfn_tag tags[C1_ACCOUNT_MAX_TAGS + 2];
	size_t ntags = 0;
	char *stack_id = NULL;
	bool no_updates = false;
	int rc, ret;

	s_spec(job, &s);
	if (c1_strategy_template_url(s.url, sizeof(s.url), job->run->template_url, job->run->qs_bucket,
				     job->run->qs_prefix) != 0) {
		ret = s_fail(job, NULL, "bad template URL");
		goto cleanup;
	}
	tags[ntags++] = (struct c1_cfn_tag){"c1onboard:account", job->row->account_id};
	tags[ntags++] = (struct c1_cfn_tag){"c1onboard:run", job->run->run_id};
	for (size_t i = 0; i < job->row->tag_count && ntags < C1_ACCOUNT_MAX_TAGS + 2; i++)
		tags[ntags++] = (struct c1_cfn_tag){job->row->tags[i].key, job->row->tags[i].value};
	struct c1_cfn_stack_input in = {0};
	in.stack_name = t->name;
	in.template_url = s.url;
	in.parameters = s.params;
	in.parameter_count = s.nparams;
	in.capabilities = caps;
	in.capability_count = 2;
	in.tags = tags;
	in.tag_count = ntags;
	struct c1_resource_key key = s_key(job);
	ret = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (ret)
		goto cleanup;
	if (update) {
		rc = c1_cfn_update_stack(&stack_id, &no_updates, &job->aws.cfn, &job->aws.view, &in, &err);
	} else {
		if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, false) != 0) {
			ret = s_fail(job, NULL, "CreateStack not sent");
			goto cleanup;
		}
		rc = c1_cfn_create_stack(&stack_id, &job->aws.cfn, &job->aws.view, &in, &err);
		/* A retried create that went through the first time: follow that stack. */
		if (rc == C1_EAPI && strcmp(err.code, "AlreadyExistsException") == 0 && job->call.attempt > 0)
			rc = 0;
	}
	switch (AFTER(job->aws.rl_cfn, rc, 0, &err)) {
	case C1_CALL_RETRY: ret = C1_TASK_WAIT; goto cleanup;
	case C1_CALL_FAIL:
		ret = s_fail(job, &err, update ? "UpdateStack failed" : "CreateStack failed");
		goto cleanup;
	default: break;
	}
	if (no_updates) {
		/* Only NoEcho values could differ and CloudFormation saw none: in sync. */
		job->sub = SK_LOOK;
		ret = C1_TASK_AGAIN;
		goto cleanup;
	}
	job->outcome.wrote = true;
	if (!update)
		c1_job_state_written(job->run, c1_state_resource_created(job->run->state, &key,
									 job->run->run_id, stack_id, NULL));
	else
		job->outcome.was_onboarded = true;
	t->updating = update;
	t->op_started_ms = c1_job_now_wall() - 5000;
	job->sub = SK_POLL;
	ret = c1_task_wait_for(
	    ctx, c1_job_poll_begin(job, C1_TEMPLATE_POLL_STEP, update ? C1_POLL_UPDATE : C1_POLL_CREATE));
cleanup:
	free(stack_id);
	/* The request held the secrets only as borrowed pointers; nothing to wipe here. */
	return ret;
}

static int s_decide(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	struct spec s;
	char diff[300] = "";
	enum c1_stack_action a = c1_stack_action_for_status(t->cur_found ? t->cur.status : NULL);
	if (t->cur_found && !s_stack_ours(&t->cur, job->row->account_id)) {
		c1_error_set("stack %s exists and is not tagged c1onboard:account=%s", t->name,
			     job->row->account_id);
		return s_fail(job, NULL, "foreign stack");
	}
	s_spec(job, &s);
	if (s_readonly(job)) {
		job->outcome.plan_command = job->run->mode == C1_MODE_PLAN;
		job->outcome.found_existing = t->cur_found;
		job->outcome.plan = a == C1_STACK_CREATE ? C1_PLAN_CREATE : C1_PLAN_UPDATE;
		if (a == C1_STACK_CREATE) {
			if (job->run->mode == C1_MODE_DRIFT)
				c1_job_add_drift(job, C1_DRIFT_AWS, t->name, "stack_missing",
						 "CREATE_COMPLETE", NULL);
		} else if (a != C1_STACK_CHECK) {
			if (job->run->mode == C1_MODE_DRIFT)
				c1_job_add_drift(job, C1_DRIFT_AWS, t->name, "stack_status",
						 "CREATE_COMPLETE", t->cur.status);
			s_keep_stack(job, &t->cur);
		} else {
			s_keep_stack(job, &t->cur);
			bool in_sync = s_params_match(&t->cur, &s, diff, sizeof(diff));
			if (in_sync)
				job->outcome.plan = C1_PLAN_UNCHANGED;
			else if (job->run->mode == C1_MODE_DRIFT)
				c1_job_add_drift(job, C1_DRIFT_AWS, t->name, "parameter_changed", NULL, diff);
		}
		s_step_finish(job, C1_STEP_SKIPPED, NULL);
		return s_finish(job);
	}
	switch (a) {
	case C1_STACK_CREATE: job->sub = SK_CREATE; return C1_TASK_AGAIN;
	case C1_STACK_WAIT: job->sub = SK_LOOK; return c1_task_wait_for(ctx, c1_job_next_poll(job));
	case C1_STACK_DELETE_AND_CREATE:
		t->del_why = DEL_BEFORE_CREATE;
		job->sub = SK_DELETE;
		return C1_TASK_AGAIN;
	case C1_STACK_CONTINUE_ROLLBACK: job->sub = SK_CONTINUE_ROLLBACK; return C1_TASK_AGAIN;
	case C1_STACK_FAIL:
		c1_error_set(
		    "stack %s is in state %s, which c1onboard cannot recover; fix it in the CloudFormation "
		    "console and run again",
		    t->name, t->cur.status ? t->cur.status : "?");
		job->outcome.rollback_clean = false;
		s_keep_stack(job, &t->cur);
		s_fail(job, NULL, "stack cannot be recovered");
		job->outcome.rollback_clean = false;
		return s_finish(job);
	case C1_STACK_CHECK:
	default:
		if (!s_params_match(&t->cur, &s, diff, sizeof(diff))) {
			C1_INFO("account", "%s %s: stack %s differs (%s): updating", job->row->account_id,
				job->region, t->name, diff);
			job->sub = SK_UPDATE;
			return C1_TASK_AGAIN;
		}
		s_keep_stack(job, &t->cur);
		s_step_finish(job, C1_STEP_DONE, NULL);
		return s_finish(job);
	}
}

/* The failed events' reasons into the step's error; then delete what CloudFormation left. */
static int s_events(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_cfn_event_page page = C1_CFN_EVENT_PAGE_INIT;
	GATE(job->aws.rl_cfn);
	int rc = c1_cfn_describe_stack_events(&page, &job->aws.cfn, &job->aws.view, t->name, NULL, &err);
	enum c1_call_verdict v = AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err);
	if (v == C1_CALL_RETRY) {
		c1_cfn_event_page_dispose(&page);
		return C1_TASK_WAIT;
	}
	char *reasons = rc == 0 ? c1_cfn_failure_reasons(&page, t->op_started_ms) : NULL;
	if (!reasons && rc == 0)
		reasons = c1_cfn_failure_reasons(&page, 0);
	c1_cfn_event_page_dispose(&page);
	const char *status = t->cur.status ? t->cur.status : "?";
	struct c1_api_error e = C1_API_ERROR_INIT;
	snprintf(e.code, sizeof(e.code), "%s", status);
	snprintf(e.message, sizeof(e.message), "stack %s ended %s: %s", t->name, status,
		 reasons ? reasons : (t->cur.status_reason ? t->cur.status_reason : "no reason given"));
	free(reasons);
	enum c1_cfn_status_class cls = c1_cfn_status_classify(t->cur.status);
	bool dead = !t->updating && (cls == C1_CFN_STATUS_ROLLED_BACK || cls == C1_CFN_STATUS_FAILED);
	s_fail(job, &e, t->updating ? "update failed" : "create failed");
	if (t->updating) {
		/* UPDATE_ROLLBACK_COMPLETE: the previous stack is back and working. */
		s_keep_stack(job, &t->cur);
		job->outcome.rollback_clean = cls == C1_CFN_STATUS_ROLLED_BACK;
		return s_finish(job);
	}
	if (!dead) {
		s_keep_stack(job, &t->cur);
		job->outcome.rollback_clean = false;
		return s_finish(job);
	}
	/* A failed create leaves a ROLLBACK_COMPLETE (or ROLLBACK_FAILED) stack: remove it. */
	job->stage = ST_STACK;
	job->sub = SK_DELETE;
	t->del_why = DEL_ROLLBACK;
	job->call = C1_CALL_TRIES_INIT;
	job->poll_ms = 0;
	return C1_TASK_AGAIN;
}

static void s_delete_failed(struct c1_account_job *job, const struct c1_api_error *err)
{
	struct tmpl *t = T(job);
	if (t->cur_found)
		s_keep_stack(job, &t->cur);
	else
		t->exists = true;
	if (t->del_why == DEL_ROLLBACK) {
		c1_job_add_rollback(job, C1_TEMPLATE_STEP_NAME, t->name, C1_STEP_UNDO_FAILED, err);
		job->outcome.rollback_clean = false;
		c1_job_reason(job, true, "%s; rollback left stack %s behind", job->reason, t->name);
	} else if (t->del_why == DEL_OFFBOARD) {
		job->outcome.failed = true;
		s_step_finish(job, C1_STEP_UNDO_FAILED, err);
		c1_job_reason(job, false, "offboard: deleting stack %s failed: %s", t->name, err->message);
	} else {
		c1_error_set("%s", err->message);
		s_fail(job, err, "the dead stack could not be deleted before re-creating it");
		job->outcome.rollback_clean = false;
	}
}

static int s_stack(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	int rc;
	switch (job->sub) {
	case SK_DECIDE: return s_decide(job, ctx);
	case SK_LOOK:
	case SK_POLL:
	case SK_DELETE_POLL: {
		GATE(job->aws.rl_cfn);
		c1_cfn_stack_dispose(&t->cur);
		rc = c1_cfn_describe_stack(&t->cur, &job->aws.cfn, &job->aws.view, t->name, &err);
		enum c1_call_verdict v = AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err);
		if (v == C1_CALL_RETRY)
			return C1_TASK_WAIT;
		if (v == C1_CALL_FAIL) {
			if (job->sub == SK_DELETE_POLL) {
				s_delete_failed(job, &err);
				return s_finish(job);
			}
			return s_fail(job, &err, "DescribeStacks failed");
		}
		t->cur_found = rc == 0 && strcmp(t->cur.status ? t->cur.status : "", "DELETE_COMPLETE") != 0;
		enum c1_cfn_status_class cls = c1_cfn_status_classify(t->cur.status);
		if (t->cur_found && cls == C1_CFN_STATUS_IN_PROGRESS)
			return c1_task_wait_for(ctx, c1_job_next_poll(job));
		if (job->sub == SK_LOOK) {
			job->sub = SK_DECIDE;
			return C1_TASK_AGAIN;
		}
		if (job->sub == SK_POLL) {
			if (!t->cur_found) {
				c1_error_set("stack %s disappeared while being created", t->name);
				return s_fail(job, NULL, "stack vanished");
			}
			if (cls == C1_CFN_STATUS_COMPLETE) {
				c1_job_poll_complete(job);
				s_keep_stack(job, &t->cur);
				s_step_finish(job, C1_STEP_DONE, NULL);
				return s_finish(job);
			}
			job->sub = SK_EVENTS;
			return C1_TASK_AGAIN;
		}
		/* SK_DELETE_POLL */
		if (t->cur_found) {
			struct c1_api_error e = C1_API_ERROR_INIT;
			snprintf(e.code, sizeof(e.code), "%s",
				 t->cur.status ? t->cur.status : "DeleteFailed");
			snprintf(e.message, sizeof(e.message), "stack %s ended %s: %s", t->name,
				 t->cur.status ? t->cur.status : "?",
				 t->cur.status_reason ? t->cur.status_reason : "no reason given");
			s_delete_failed(job, &e);
			return s_finish(job);
		}
		c1_job_poll_complete(job);
		struct c1_resource_key key = s_key(job);
		c1_job_state_written(job->run,
				     c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
		t->exists = false;
		t->stack_id[0] = '\0';
		if (t->del_why == DEL_BEFORE_CREATE) {
			job->sub = SK_CREATE;
			job->poll_ms = 0;
			return C1_TASK_AGAIN;
		}
		if (t->del_why == DEL_ROLLBACK) {
			c1_job_add_rollback(job, C1_TEMPLATE_STEP_NAME, t->name, C1_STEP_UNDONE, NULL);
			return s_finish(job);
		}
		s_step_finish(job, C1_STEP_UNDONE, NULL);
		return s_finish(job);
	}
	case SK_CREATE: return s_create_or_update(job, ctx, false);
	case SK_UPDATE: return s_create_or_update(job, ctx, true);
	case SK_EVENTS: return s_events(job, ctx);
	case SK_CONTINUE_ROLLBACK:
		GATE(job->aws.rl_cfn);
		rc = c1_cfn_continue_update_rollback(&job->aws.cfn, &job->aws.view, t->name, &err);
		switch (AFTER(job->aws.rl_cfn, rc, 0, &err)) {
		case C1_CALL_RETRY: return C1_TASK_WAIT;
		case C1_CALL_FAIL: return s_fail(job, &err, "ContinueUpdateRollback failed");
		default: break;
		}
		job->outcome.wrote = true;
		job->sub = SK_LOOK;
		job->poll_ms = 0;
		return c1_task_wait_for(ctx, c1_job_next_poll(job));
	case SK_DELETE:
	default: {
		struct c1_resource_key key = s_key(job);
		GATE(job->aws.rl_cfn);
		if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0) {
			struct c1_api_error e = C1_API_ERROR_INIT;
			snprintf(e.code, sizeof(e.code), "StateStore");
			snprintf(e.message, sizeof(e.message), "%s", c1_error_last());
			s_delete_failed(job, &e);
			return s_finish(job);
		}
		rc = c1_cfn_delete_stack(&job->aws.cfn, &job->aws.view, t->name, NULL, &err);
		switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err)) {
		case C1_CALL_RETRY: return C1_TASK_WAIT;
		case C1_CALL_FAIL:
			if (!err.message[0])
				snprintf(err.message, sizeof(err.message), "%s", c1_error_last());
			s_delete_failed(job, &err);
			return s_finish(job);
		default: break;
		}
		job->outcome.wrote = true;
		job->sub = SK_DELETE_POLL;
		return c1_task_wait_for(ctx, c1_job_poll_begin(job, C1_TEMPLATE_POLL_STEP, C1_POLL_DELETE));
	}
	}
}

/* ---- the machine ---- */

static int s_setup(struct c1_account_job *job)
{
	struct tmpl *t = T(job);
	struct c1_tenant *tn = job->tenant;
	snprintf(t->name, sizeof(t->name), "%s", job->base);
	c1_job_step_start(job, C1_STEP_PREFLIGHT);
	/* The key goes to the template, which is the judge of it (its reason is quoted when it
	 * refuses); the tenant is needed only for the region when the row has none. */
	if (!job->region[0]) {
		if (tn->failed || !tn->aws_region) {
			snprintf(job->region, sizeof(job->region), "-");
			return s_invalid(job, "NoRegion",
					 tn->failed ? tn->error : "the API key gave no region");
		}
		snprintf(job->region, sizeof(job->region), "%s", tn->aws_region);
	} else if (!tn->failed && tn->aws_region && strcmp(job->region, tn->aws_region) != 0) {
		char msg[300];
		snprintf(
		    msg, sizeof(msg),
		    "region %s is not the AWS region of the Cloud One account's region %s (%s); leave the "
		    "region empty or set %s",
		    job->region, tn->c1_region, tn->aws_region, tn->aws_region);
		return s_invalid(job, "RegionMismatch", msg);
	}
	if (!c1_secret_is_set(tn->api_key) || !c1_secret_is_set(tn->v1_token))
		return s_invalid(
		    job, "MissingSecret",
		    "the Cloud One API key or the Vision One token is empty; check the secret reference");
	if (c1_aws_context_init(&job->aws, job->run->aws, job->row->profile, job->row->account_id,
				job->region) != 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", c1_error_last());
		return s_invalid(job, "Configuration", msg);
	}
	job->stage = ST_PREFLIGHT;
	job->sub = PF_CHECKS;
	return C1_TASK_AGAIN;
}

static int s_run(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	if (ctx->cancelled && job->stage != ST_FINISH) {
		/* Safe point: a resumed run finds the stack by name and follows it. */
		if (job->stage == ST_STACK) {
			struct c1_api_error e = C1_API_ERROR_INIT;
			snprintf(e.code, sizeof(e.code), "Interrupted");
			snprintf(e.message, sizeof(e.message), "interrupted");
			s_step_finish(job, C1_STEP_PENDING, &e);
		}
		if (job->outcome.failed)
			job->outcome.rollback_clean = false; /* its rollback stopped part-way */
		else
			job->outcome.interrupted = true;
		c1_job_reason(job, false, "interrupted (SIGINT/SIGTERM); run apply again to finish");
		job->stage = ST_FINISH;
	}
	switch (job->stage) {
	case ST_START:
	case ST_TENANT:
		/* The tenant resolves the key's region; wait for it (once per key, cheap). */
		if (!c1_sched_event_is_signalled(job->tenant->ready))
			return c1_task_block_on(ctx, job->tenant->ready);
		job->stage = ST_SETUP;
		/* fall through */
	case ST_SETUP: return s_setup(job);
	case ST_PREFLIGHT: return s_preflight(job, ctx);
	case ST_STACK: return s_stack(job, ctx);
	case ST_FINISH:
	default:
		c1_cfn_stack_dispose(&t->cur);
		t->cur_found = false;
		if (job->run->mode == C1_MODE_DRIFT || job->run->mode == C1_MODE_PLAN)
			job->outcome.drift_command = true;
		return C1_TASK_DONE;
	}
}

void c1_strategy_template_report(struct c1_account_job *job, struct c1_report_account *out)
{
	const struct tmpl *t = job->strategy_data;
	char ts[32];
	if (!t || job->outcome.not_started)
		return;
	if (t->attempts > 0 || t->status != C1_STEP_PENDING) {
		struct c1_report_step *rs = c1_report_account_add_step(out);
		rs->name = c1_strdup(C1_TEMPLATE_STEP_NAME);
		rs->status = t->status == C1_STEP_RUNNING ? C1_STEP_FAILED : t->status;
		rs->attempts = t->attempts;
		if (t->started_ms) {
			c1_report_format_time(ts, t->started_ms);
			rs->started_at = c1_strdup(ts);
		}
		if (t->finished_ms) {
			c1_report_format_time(ts, t->finished_ms);
			rs->finished_at = c1_strdup(ts);
		}
		if (job->outcome.plan_command && !job->outcome.failed)
			rs->plan = c1_strdup(c1_plan_action_name(job->outcome.plan));
		if (t->has_error) {
			rs->has_error = true;
			rs->error.code = c1_strdup(t->err.code[0] ? t->err.code : "Error");
			rs->error.message = c1_strdup(t->err.message);
			rs->error.http_status = t->err.http_status;
			rs->error.request_id = t->err.request_id[0] ? c1_strdup(t->err.request_id) : NULL;
		}
	}
	if (t->exists) {
		struct c1_report_stack *st = c1_report_account_add_stack(out);
		st->name = c1_strdup(t->name);
		st->id = t->stack_id[0] ? c1_strdup(t->stack_id) : NULL;
		st->status = c1_strdup(t->stack_status[0] ? t->stack_status : "UNKNOWN");
	}
}

const struct c1_strategy_ops c1_strategy_template = {
    .name = "template", .run = s_run, .report = c1_strategy_template_report, .links_visionone = true};
