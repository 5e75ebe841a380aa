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
#include "engine/run/stack_machine.h"
#include "engine/run/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum template_stage { ST_START = 0, ST_TENANT, ST_SETUP, ST_PREFLIGHT, ST_STACK, ST_FINISH };

enum preflight_phase { PF_CHECKS = 0, PF_STACK };

/* Why a delete runs: to clear a dead stack before creating, to undo a failed
 * create (CloudFormation's rollback leaves a ROLLBACK_COMPLETE shell), or to
 * offboard. */
enum delete_reason { DEL_BEFORE_CREATE = 0, DEL_ROLLBACK, DEL_OFFBOARD };
/* The all-in-one stack has no step of its own; its learned poll wait takes the
 * CloudTrail stack's slot (a run uses one strategy). */
#define C1_TEMPLATE_POLL_STEP C1_STEP_CLOUDTRAIL_STACK

/* The per-job data; flat so that free() releases it (the report reads it
 * after the task ended); the stack machine's parts are disposed when the task
 * finishes. */
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
	enum preflight_phase pf;
	struct c1_stack_machine sm;
	enum delete_reason del_why;
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
	struct c1_log_fields lf = C1_LOG_FIELDS_INIT;
	lf.step = C1_TEMPLATE_STEP_NAME;
	lf.event = "step_failed";
	lf.http_status = e.http_status;
	lf.request_id = e.request_id;
	c1_log_ev(C1_LOG_WARN, "account", &lf, "%s %s: template stack %s failed: %s", job->row->account_id,
		  job->region, t->name, e.message);
	job->outcome.failed = true;
	/* CloudFormation rolled the stack back; a failed read in plan or drift rolled back nothing. */
	job->outcome.rollback_clean = c1_job_policy(job)->acts;
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

/* ---- preflight ---- */

static int s_decide(struct c1_account_job *job, struct c1_task_ctx *ctx);

/* Preflight looked at the stack: a foreign one stops the account (offboard leaves it alone). */
static int s_preflight_observed(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	struct c1_stack_machine *m = &t->sm;
	const struct c1_mode_policy *p = c1_job_policy(job);
	if (m->found && !c1_stack_is_ours(&m->cur, job->row->account_id)) {
		if (p->toward_absent) {
			C1_WARN("offboard", "%s: stack %s is not tagged as ours; left alone",
				job->row->account_id, t->name);
			c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_DONE, NULL, NULL);
			s_step_start(job);
			s_step_finish(job, C1_STEP_SKIPPED, NULL);
			return s_finish(job);
		}
		char msg[300];
		snprintf(msg, sizeof(msg),
			 "stack %s already exists and was not made by c1onboard for this account (no tag "
			 "c1onboard:account=%s); pick another stack_name",
			 t->name, job->row->account_id);
		return s_invalid(job, "StackNameTaken", msg);
	}
	c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_DONE, NULL, NULL);
	s_step_start(job);
	job->stage = ST_STACK;
	job->call = C1_CALL_TRIES_INIT;
	job->poll_ms = 0;
	if (!p->toward_absent)
		return s_decide(job, ctx);
	if (!m->found) {
		s_step_finish(job, C1_STEP_SKIPPED, NULL);
		return s_finish(job);
	}
	t->del_why = DEL_OFFBOARD;
	c1_stack_machine_goto(m, C1_STACK_PHASE_DELETE);
	return C1_TASK_AGAIN;
}

static int s_preflight(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	if (t->pf == PF_CHECKS) {
		char code[64], why[480];
		enum c1_check_verdict v =
		    c1_job_preflight_checks(job, ctx, code, sizeof(code), why, sizeof(why));
		if (v == C1_CHECK_WAIT)
			return C1_TASK_WAIT;
		if (v == C1_CHECK_INVALID)
			return s_invalid(job, code, why);
		t->pf = PF_STACK;
		c1_stack_machine_init(&t->sm, t->name, C1_TEMPLATE_POLL_STEP);
	}
	switch (c1_stack_machine_step(&t->sm, job, ctx, NULL)) {
	case C1_STACK_PENDING: return t->sm.task_rc;
	case C1_STACK_OBSERVED: return s_preflight_observed(job, ctx);
	default: {
		char msg[700];
		c1_api_error_format(&t->sm.err, msg, sizeof(msg));
		return s_invalid(job, t->sm.err.code[0] ? t->sm.err.code : "DescribeStacks", msg);
	}
	}
}

/* ---- the stack ---- */

/* The echoed parameters compare as strings, an absent one as empty. */
static bool s_template_match(const struct c1_cfn_stack *st, const struct c1_stack_desired *want, char *diff,
			     size_t n)
{
	for (size_t i = 0; i < sizeof(s_compared) / sizeof(s_compared[0]); i++) {
		const char *w = "";
		for (size_t j = 0; j < want->param_count; j++)
			if (strcmp(want->params[j].key, s_compared[i]) == 0 && want->params[j].value)
				w = want->params[j].value;
		const char *have = c1_cfn_kv_get(st->parameters, st->parameter_count, s_compared[i]);
		if (strcmp(have ? have : "", w) != 0) {
			snprintf(diff, n, "%s=%s (want %s)", s_compared[i], have ? have : "", w);
			return false;
		}
	}
	return true;
}

/* Plan and drift: record the change; the step ends. */
static int s_record(struct c1_account_job *job, const struct c1_change *ch)
{
	struct tmpl *t = T(job);
	const struct c1_mode_policy *p = c1_job_policy(job);
	job->outcome.plan_command = p->records_plan;
	job->outcome.found_existing = t->sm.found;
	job->outcome.plan = ch->action;
	if (p->reports_drift && ch->drift)
		c1_job_add_drift(job, ch->plane, ch->resource, ch->drift, ch->want, ch->have,
				 c1_change_fix(ch));
	if (t->sm.found)
		s_keep_stack(job, &t->sm.cur);
	s_step_finish(job, C1_STEP_SKIPPED, NULL);
	return s_finish(job);
}

/* Apply: drive the stack toward the row's wish, by the recovery its status allows. */
static int s_act(struct c1_account_job *job, struct c1_task_ctx *ctx, const char *diff)
{
	struct tmpl *t = T(job);
	struct c1_stack_machine *m = &t->sm;
	switch (c1_stack_action_for_status(m->found ? m->cur.status : NULL)) {
	case C1_STACK_CREATE: c1_stack_machine_goto(m, C1_STACK_PHASE_CREATE); return C1_TASK_AGAIN;
	case C1_STACK_WAIT:
		c1_stack_machine_goto(m, C1_STACK_PHASE_LOOK);
		return c1_task_wait_for(ctx, c1_job_next_poll(job));
	case C1_STACK_DELETE_AND_CREATE:
		t->del_why = DEL_BEFORE_CREATE;
		c1_stack_machine_goto(m, C1_STACK_PHASE_DELETE);
		return C1_TASK_AGAIN;
	case C1_STACK_CONTINUE_ROLLBACK:
		c1_stack_machine_goto(m, C1_STACK_PHASE_CONTINUE_ROLLBACK);
		return C1_TASK_AGAIN;
	case C1_STACK_FAIL:
		c1_error_set(
		    "stack %s is in state %s, which c1onboard cannot recover; fix it in the CloudFormation "
		    "console and run again",
		    t->name, m->cur.status ? m->cur.status : "?");
		s_keep_stack(job, &m->cur);
		s_fail(job, NULL, "stack cannot be recovered");
		job->outcome.rollback_clean = false;
		return s_finish(job);
	case C1_STACK_CHECK:
	default:
		C1_INFO("account", "%s %s: stack %s differs (%s): updating", job->row->account_id,
			job->region, t->name, diff);
		c1_stack_machine_goto(m, C1_STACK_PHASE_UPDATE);
		return C1_TASK_AGAIN;
	}
}

/* The stack was observed: diff it against the row, then the mode decides. */
static int s_decide(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	struct c1_stack_machine *m = &t->sm;
	if (m->found && !c1_stack_is_ours(&m->cur, job->row->account_id)) {
		c1_error_set("stack %s exists and is not tagged c1onboard:account=%s", t->name,
			     job->row->account_id);
		return s_fail(job, NULL, "foreign stack");
	}
	struct spec s;
	s_spec(job, &s);
	struct c1_stack_desired want = {t->name, s.params, s.nparams, false, s_template_match};
	struct c1_change ch;
	c1_diff_stack(m->found ? &m->cur : NULL, &want, m->no_updates, &ch);
	if (!c1_job_policy(job)->acts)
		return s_record(job, &ch);
	if (ch.action == C1_PLAN_UNCHANGED) {
		s_keep_stack(job, &m->cur);
		s_step_finish(job, C1_STEP_DONE, NULL);
		return s_finish(job);
	}
	return s_act(job, ctx, ch.note);
}

/* The create or update ended failed (CloudFormation rolled it back): a failed
 * create leaves a dead stack, which is deleted; an update leaves the old stack. */
static int s_ended_failed(struct c1_account_job *job)
{
	struct tmpl *t = T(job);
	struct c1_stack_machine *m = &t->sm;
	enum c1_cfn_status_class cls = c1_cfn_status_classify(m->cur.status);
	bool dead = !m->updating && (cls == C1_CFN_STATUS_ROLLED_BACK || cls == C1_CFN_STATUS_FAILED);
	s_fail(job, &m->err, m->updating ? "update failed" : "create failed");
	if (m->updating) {
		/* UPDATE_ROLLBACK_COMPLETE: the previous stack is back and working. */
		s_keep_stack(job, &m->cur);
		job->outcome.rollback_clean = cls == C1_CFN_STATUS_ROLLED_BACK;
		return s_finish(job);
	}
	if (!dead) {
		s_keep_stack(job, &m->cur);
		job->outcome.rollback_clean = false;
		return s_finish(job);
	}
	job->stage = ST_STACK;
	t->del_why = DEL_ROLLBACK;
	c1_stack_machine_goto(m, C1_STACK_PHASE_DELETE);
	job->call = C1_CALL_TRIES_INIT;
	job->poll_ms = 0;
	return C1_TASK_AGAIN;
}

static void s_delete_failed(struct c1_account_job *job, const struct c1_api_error *err)
{
	struct tmpl *t = T(job);
	if (t->sm.found)
		s_keep_stack(job, &t->sm.cur);
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

static int s_failed(struct c1_account_job *job)
{
	struct c1_stack_machine *m = &T(job)->sm;
	char what[64];
	if (m->phase == C1_STACK_PHASE_DELETE || m->phase == C1_STACK_PHASE_DELETE_POLL) {
		s_delete_failed(job, &m->err);
		return s_finish(job);
	}
	switch (m->failure) {
	case C1_STACK_ENDED_FAILED: return s_ended_failed(job);
	case C1_STACK_VANISHED: return s_fail(job, NULL, "stack vanished");
	case C1_STACK_REFUSED:
		snprintf(what, sizeof(what), "%s not sent", m->failed_call);
		return s_fail(job, NULL, what);
	case C1_STACK_CALL_FAILED:
	case C1_STACK_NOT_DELETED:
	default:
		snprintf(what, sizeof(what), "%s failed", m->failed_call ? m->failed_call : "CloudFormation");
		return s_fail(job, &m->err, what);
	}
}

/* The stack is gone: what that finishes depends on why it was deleted. */
static int s_deleted(struct c1_account_job *job)
{
	struct tmpl *t = T(job);
	t->exists = false;
	t->stack_id[0] = '\0';
	switch (t->del_why) {
	case DEL_BEFORE_CREATE:
		c1_stack_machine_goto(&t->sm, C1_STACK_PHASE_CREATE);
		job->poll_ms = 0;
		return C1_TASK_AGAIN;
	case DEL_ROLLBACK:
		c1_job_add_rollback(job, C1_TEMPLATE_STEP_NAME, t->name, C1_STEP_UNDONE, NULL);
		return s_finish(job);
	case DEL_OFFBOARD:
	default: s_step_finish(job, C1_STEP_UNDONE, NULL); return s_finish(job);
	}
}

/* The stack's input for a create or update; false (the step failed) when the URL is bad. */
static bool s_input(struct c1_account_job *job, struct spec *s, struct c1_cfn_tag *tags,
		    struct c1_cfn_stack_input *in)
{
	static const char *const caps[] = {"CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
	s_spec(job, s);
	if (c1_strategy_template_url(s->url, sizeof(s->url), job->run->template_url, job->run->qs_bucket,
				     job->run->qs_prefix) != 0) {
		s_fail(job, NULL, "bad template URL");
		return false;
	}
	memset(in, 0, sizeof(*in));
	in->stack_name = T(job)->name;
	in->template_url = s->url;
	in->parameters = s->params;
	in->parameter_count = s->nparams;
	in->capabilities = caps;
	in->capability_count = 2;
	in->tags = tags;
	in->tag_count = c1_stack_tags(job, tags, C1_STACK_MAX_TAGS);
	return true;
}

static int s_stack(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct tmpl *t = T(job);
	struct c1_stack_machine *m = &t->sm;
	struct spec s;
	struct c1_cfn_tag tags[C1_STACK_MAX_TAGS];
	struct c1_cfn_stack_input in = {0};
	if ((m->phase == C1_STACK_PHASE_CREATE || m->phase == C1_STACK_PHASE_UPDATE) &&
	    !s_input(job, &s, tags, &in))
		return C1_TASK_AGAIN;
	enum c1_stack_event ev = c1_stack_machine_step(m, job, ctx, &in);
	job->outcome.wrote = job->outcome.wrote || m->wrote;
	if (m->updating && m->wrote)
		job->outcome.was_onboarded = true;
	switch (ev) {
	case C1_STACK_PENDING: return m->task_rc;
	case C1_STACK_OBSERVED: return s_decide(job, ctx);
	case C1_STACK_SETTLED:
		s_keep_stack(job, &m->cur);
		s_step_finish(job, C1_STEP_DONE, NULL);
		return s_finish(job);
	case C1_STACK_DELETED: return s_deleted(job);
	case C1_STACK_FAILED:
	default: return s_failed(job);
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
	T(job)->pf = PF_CHECKS;
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
		c1_stack_machine_dispose(&t->sm);
		if (!c1_job_policy(job)->acts)
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
