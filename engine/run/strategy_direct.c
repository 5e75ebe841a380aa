/* Strategy `direct`: the account step machine. Each run of the task makes at
 * most one remote call; stack waits, backoffs and rate-limit slots are WAITs.
 * Every create/delete is written to the resource ledger before (intent) and
 * after (outcome) the call, so a killed run resumes without duplicates. */
#include "engine/run/strategy_direct.h"

#include "engine/aws/cloudformation.h"
#include "engine/aws/s3.h"
#include "engine/aws/sts.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/run/templates.h"
#include "engine/run/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	ST_TENANT = 0,
	ST_SETUP,
	ST_PREFLIGHT,
	ST_STEPS,
	ST_ROLLBACK,
	ST_FINISH,
};

/* Preflight sub-phases. */
enum { PF_CHECKS = 0, PF_STACKS };

/* Stack machine sub-phases. */
enum {
	SK_LOOK = 0,
	SK_DECIDE,
	SK_CREATE,
	SK_UPDATE,
	SK_POLL,
	SK_EVENTS,
	SK_DELETE,
	SK_DELETE_POLL,
	SK_CONTINUE_ROLLBACK,
};

/* Connector / cloud account sub-phases (RS_UPDATE: point the connector at the ws_role stack's role). */
enum { RS_LOOK = 0, RS_CREATE, RS_DELETE, RS_UPDATE, RS_RECHECK };

#define N_STACK_STEPS 4
static const enum c1_step_id s_stack_steps[N_STACK_STEPS] = {C1_STEP_NEW_TRAIL, C1_STEP_WS_ROLE,
							     C1_STEP_C1_ROLE, C1_STEP_CLOUDTRAIL_STACK};

struct direct {
	struct c1_cfn_stack pre[C1_STEP_COUNT]; /* stacks seen by preflight */
	bool pre_found[C1_STEP_COUNT];
	bool pre_used[C1_STEP_COUNT];
	struct c1_cfn_stack cur;
	bool cur_found;
	bool after_delete_create; /* SK_DELETE then create */
	bool updating;
	int pf_stack;
	bool ct_in_sync;
	int64_t op_started_ms; /* for event reasons */
	bool undo_ok;
	bool store_refused; /* the state store refused a delete intent: the rollback stops */
	/* cloud account: a claim in the tenant's index, and the re-check after an
	 * uncertain or refused create */
	bool ca_claimed, ca_recheck, ca_conflict;
	long ca_conflict_status;
	char *ca_cursor;
	int ca_pages;
};

static struct direct *D(struct c1_account_job *job)
{
	if (!job->strategy_data)
		job->strategy_data = c1_calloc(1, sizeof(struct direct));
	return job->strategy_data;
}

static bool s_readonly(const struct c1_account_job *job)
{
	return job->run->mode == C1_MODE_PLAN || job->run->mode == C1_MODE_DRIFT;
}

static const char *s_rl_c1(struct c1_account_job *job)
{
	return job->tenant->rl_key;
}

#define GATE(key)                                      \
	do {                                           \
		int g_ = c1_job_gate(job, ctx, (key)); \
		if (g_)                                \
			return g_;                     \
	} while (0)

#define GATE_S(key)                                    \
	do {                                           \
		int g_ = c1_job_gate(job, ctx, (key)); \
		if (g_) {                              \
			ret = g_;                      \
			goto out;                      \
		}                                      \
	} while (0)

#define AFTER(key, rc, alt, err, aws) \
	c1_call_after(job->run, ctx, (key), (rc), (alt), (err), (aws), &job->quota, &job->call)

static void s_stack_name(struct c1_account_job *job, enum c1_step_id id, char *out, size_t n)
{
	snprintf(out, n, "%s%s", job->base, c1_step_def(id)->stack_suffix);
}

static struct c1_resource_key s_key(struct c1_account_job *job, enum c1_resource_kind kind, const char *name)
{
	struct c1_resource_key k = {job->row->account_id, job->region, kind, name};
	return k;
}

/* Is the ledger row ours to undo: created by this run, or by an earlier run
 * that never finished? Resolves an intent left by a killed run. A ledger
 * that cannot be read says not ours, which errs on keeping. */
static bool s_ledger_owned(struct c1_account_job *job, const struct c1_resource_key *key,
			   const char *physical)
{
	bool ours = false;
	c1_job_state_written(
	    job->run, c1_state_resource_found(job->run->state, key, job->run->run_id, physical, &ours));
	return ours;
}

/* ---- failure and step transitions ---- */

static int s_begin_rollback(struct c1_account_job *job)
{
	bool done[C1_STEP_COUNT] = {0};
	for (int i = 0; i < C1_STEP_COUNT; i++)
		done[i] = job->steps[i].owned &&
			  (job->steps[i].status == C1_STEP_DONE || job->steps[i].status == C1_STEP_FAILED);
	job->rollback_n = c1_steps_rollback_order(done, job->rollback_order);
	job->rollback_i = 0;
	job->sub = 0;
	job->call = C1_CALL_TRIES_INIT;
	job->write_call = C1_CALL_TRIES_INIT;
	job->outcome.failed = true;
	/* Only apply rolls back; a read that fails in plan or drift leaves the account `failed`. */
	job->outcome.rollback_clean = job->run->mode == C1_MODE_APPLY;
	job->stage = job->run->mode == C1_MODE_APPLY ? ST_ROLLBACK : ST_FINISH;
	return C1_TASK_AGAIN;
}

static int s_step_fail(struct c1_account_job *job, const struct c1_api_error *err, const char *what)
{
	char line[700];
	const char *name = c1_step_def(job->step)->name;
	if (err && err->code[0]) {
		c1_api_error_format(err, line, sizeof(line));
	} else {
		snprintf(line, sizeof(line), "%s", c1_error_last());
	}
	struct c1_api_error e = err ? *err : (struct c1_api_error)C1_API_ERROR_INIT;
	if (!e.code[0])
		snprintf(e.code, sizeof(e.code), "StepFailed");
	char msg[900];
	snprintf(msg, sizeof(msg), "%s: %s", what, err && err->message[0] ? err->message : line);
	c1_job_step_finish(job, job->step, C1_STEP_FAILED, &e, msg);
	c1_job_reason(job, true, "%s failed: %s", name, msg); /* over any drift note */
	C1_WARN("account", "%s %s: %s failed: %s", job->row->account_id, job->region, name, msg);
	return s_begin_rollback(job);
}

static int s_invalid(struct c1_account_job *job, const char *code, const char *msg)
{
	c1_job_invalid(job, code, msg);
	job->stage = ST_FINISH;
	return C1_TASK_AGAIN;
}

static void s_plan(struct c1_account_job *job, enum c1_step_id id, enum c1_plan_action a, const char *note)
{
	/* `note` may be the old note itself: copy before freeing. */
	char *copy = note ? c1_strdup(note) : NULL;
	job->steps[id].plan = a;
	free(job->steps[id].plan_note);
	job->steps[id].plan_note = copy;
}

/* Move to the next step that applies. */
static int s_next_step(struct c1_account_job *job)
{
	struct direct *d = D(job);
	c1_cfn_stack_dispose(&d->cur);
	d->cur_found = false;
	d->after_delete_create = false;
	d->updating = false;
	job->sub = 0;
	job->call = C1_CALL_TRIES_INIT;
	job->write_call = C1_CALL_TRIES_INIT;
	job->poll_ms = 0;
	job->poll_kind = -1;
	bool offboard = job->run->mode == C1_MODE_OFFBOARD;
	for (;;) {
		if (offboard) {
			if (job->step <= C1_STEP_NEW_TRAIL) {
				job->stage = ST_FINISH;
				return C1_TASK_AGAIN;
			}
			job->step = (enum c1_step_id)(job->step - 1);
		} else {
			if (job->step + 1 >= C1_STEP_COUNT) {
				job->stage = ST_FINISH;
				return C1_TASK_AGAIN;
			}
			job->step = (enum c1_step_id)(job->step + 1);
		}
		if (job->step == C1_STEP_VISIONONE_LINK || job->step == C1_STEP_CLOUDONE_ACCOUNT)
			continue;
		if (!c1_step_applies(job->step, job->row->create_new_trail)) {
			job->steps[job->step].status = C1_STEP_SKIPPED;
			s_plan(job, job->step, C1_PLAN_SKIP, NULL);
			continue;
		}
		if (offboard && c1_step_def(job->step)->undo == C1_UNDO_NONE)
			continue;
		c1_job_step_start(job, job->step);
		return C1_TASK_AGAIN;
	}
}

static int s_step_done(struct c1_account_job *job, enum c1_plan_action plan)
{
	struct c1_step_rec *s = &job->steps[job->step];
	if (s_readonly(job) && plan != C1_PLAN_UNCHANGED && plan != C1_PLAN_SKIP)
		s_plan(job, job->step, plan, s->plan_note);
	else
		s->plan = plan;
	c1_job_step_finish(job, job->step, s_readonly(job) ? C1_STEP_SKIPPED : C1_STEP_DONE, NULL, NULL);
	if (s_readonly(job) && plan == C1_PLAN_UNCHANGED)
		s->status = C1_STEP_DONE;
	return s_next_step(job);
}

/* ---- stacks ---- */

struct stack_spec {
	char name[64];
	const char *template_body;
	char *template_url; /* owned */
	struct c1_cfn_parameter params[6];
	size_t nparams;
	const char *output; /* output to keep */
	char **output_to;
};

static void s_spec_dispose(struct stack_spec *s)
{
	free(s->template_url);
}

char *c1_direct_c1_role_template_url(const char *aws_region)
{
	return c1_asprintf("https://cloud-one-cloud-accounts-%s.s3.%s.amazonaws.com/templates/aws/"
			   "cloud-account-management-role.template",
			   aws_region, aws_region);
}

/* Expected inputs of a stack step. False when an input is not known yet (plan). */
static bool s_spec(struct c1_account_job *job, enum c1_step_id id, struct stack_spec *s, char *oidc,
		   size_t oidc_n)
{
	memset(s, 0, sizeof(*s));
	s_stack_name(job, id, s->name, sizeof(s->name));
	struct c1_tenant *t = job->tenant;
	switch (id) {
	case C1_STEP_NEW_TRAIL:
		s->template_body = c1_template_new_trail();
		s->output = "BucketName";
		s->output_to = &job->trail_bucket;
		return true;
	case C1_STEP_WS_ROLE:
		s->template_body = c1_template_ws_role();
		s->params[s->nparams++] = (struct c1_cfn_parameter){"ExternalId", t->external_id, false};
		s->output = "RoleArn";
		s->output_to = &job->ws_role_arn;
		return t->external_id != NULL;
	case C1_STEP_C1_ROLE:
		s->template_url = c1_direct_c1_role_template_url(job->region);
		snprintf(oidc, oidc_n, "cloudaccounts.%s.cloudone.trendmicro.com", t->c1_region);
		s->params[s->nparams++] = (struct c1_cfn_parameter){"CloudOneRegion", t->c1_region, false};
		s->params[s->nparams++] =
		    (struct c1_cfn_parameter){"CloudOneAccountID", t->c1_account_id, false};
		s->params[s->nparams++] = (struct c1_cfn_parameter){"CloudOneOIDCProviderURL", oidc, false};
		s->output = "CloudOneRoleArn";
		s->output_to = &job->c1_role_arn;
		return true;
	case C1_STEP_CLOUDTRAIL_STACK: {
		const char *bucket = job->row->create_new_trail ? job->trail_bucket : job->row->bucket;
		s->params[s->nparams++] =
		    (struct c1_cfn_parameter){"ExistingCloudtrailBucketName", bucket, false};
		if (job->ct_have) {
			s->template_url = c1_strdup(job->ct.template_url);
			s->params[s->nparams++] = (struct c1_cfn_parameter){
			    "ServiceToken", c1_secret_reveal(&job->ct.service_token), false};
			s->params[s->nparams++] =
			    (struct c1_cfn_parameter){"ServiceURL", job->ct.service_url, false};
			s->params[s->nparams++] =
			    (struct c1_cfn_parameter){"S3BucketName", job->ct.s3_bucket_name, false};
			s->params[s->nparams++] =
			    (struct c1_cfn_parameter){"APIVersion", job->ct.api_version, false};
		}
		return bucket != NULL;
	}
	default: return false;
	}
}

/* Do the stack's parameters match (NoEcho values "****" cannot be compared and are skipped)? */
static bool s_params_match(const struct c1_cfn_stack *st, const struct stack_spec *s, char *diff, size_t n)
{
	for (size_t i = 0; i < s->nparams; i++) {
		const char *have = c1_cfn_kv_get(st->parameters, st->parameter_count, s->params[i].key);
		const char *want = s->params[i].value;
		if (!want)
			continue;
		if (have && strcmp(have, "****") == 0)
			continue;
		if (!have || strcmp(have, want) != 0) {
			if (strcmp(s->params[i].key, "ServiceToken") == 0)
				snprintf(diff, n, "%s", s->params[i].key);
			else
				snprintf(diff, n, "%s=%s", s->params[i].key, have ? have : "(absent)");
			return false;
		}
	}
	return true;
}

static bool s_stack_ours(const struct c1_cfn_stack *st, const char *account_id)
{
	const char *tag = c1_cfn_kv_get(st->tags, st->tag_count, "c1onboard:account");
	return tag && strcmp(tag, account_id) == 0;
}

static void s_take_output(struct c1_account_job *job, const struct c1_cfn_stack *st,
			  const struct stack_spec *s)
{
	struct c1_step_rec *rec = &job->steps[job->step];
	free(rec->resource);
	rec->resource = c1_strdup(s->name);
	if (st->stack_id) {
		free(rec->physical);
		rec->physical = c1_strdup(st->stack_id);
	}
	if (s->output && s->output_to) {
		const char *v = c1_cfn_kv_get(st->outputs, st->output_count, s->output);
		if (v) {
			free(*s->output_to);
			*s->output_to = c1_strdup(v);
		}
	}
}

static int s_stack_create_or_update(struct c1_account_job *job, struct c1_task_ctx *ctx, struct stack_spec *s,
				    bool update)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *caps[] = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
	struct c1_cfn_tag tags[C1_ACCOUNT_MAX_TAGS + 2];
	size_t ntags = 0;
	tags[ntags++] = (struct c1_cfn_tag){"c1onboard:account", job->row->account_id};
	tags[ntags++] = (struct c1_cfn_tag){"c1onboard:run", job->run->run_id};
	for (size_t i = 0; i < job->row->tag_count && ntags < C1_ACCOUNT_MAX_TAGS + 2; i++)
		tags[ntags++] = (struct c1_cfn_tag){job->row->tags[i].key, job->row->tags[i].value};
	struct c1_cfn_stack_input in = {0};
	in.stack_name = s->name;
	in.template_body = s->template_body;
	in.template_url = s->template_url;
	in.parameters = s->params;
	in.parameter_count = s->nparams;
	in.capabilities = caps;
	in.capability_count = 3;
	in.tags = tags;
	in.tag_count = ntags;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_STACK, s->name);
	GATE(job->aws.rl_cfn);
	char *stack_id = NULL;
	int rc;
	bool no_updates = false;
	if (update) {
		rc = c1_cfn_update_stack(&stack_id, &no_updates, &job->aws.cfn, &job->aws.view, &in, &err);
	} else {
		if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, false) != 0)
			return s_step_fail(job, NULL, "CreateStack not sent");
		rc = c1_cfn_create_stack(&stack_id, &job->aws.cfn, &job->aws.view, &in, &err);
		/* A retried create that already went through (AlreadyExists): follow it. */
		if (rc == C1_EAPI && strcmp(err.code, "AlreadyExistsException") == 0 && job->call.attempt > 0)
			rc = 0;
	}
	switch (AFTER(job->aws.rl_cfn, rc, 0, &err, true)) {
	case C1_CALL_RETRY: free(stack_id); return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		free(stack_id);
		return s_step_fail(job, &err, update ? "UpdateStack failed" : "CreateStack failed");
	default: break;
	}
	job->steps[job->step].wrote = true;
	if (!update) {
		c1_job_state_written(job->run, c1_state_resource_created(job->run->state, &key,
									 job->run->run_id, stack_id, NULL));
		job->steps[job->step].owned = true;
	}
	free(job->steps[job->step].resource);
	job->steps[job->step].resource = c1_strdup(s->name);
	free(stack_id);
	if (no_updates) {
		job->steps[job->step].wrote = false;
		job->sub = SK_LOOK;
		return C1_TASK_AGAIN;
	}
	d->updating = update;
	d->op_started_ms = c1_job_now_wall() - 5000;
	job->sub = SK_POLL;
	return c1_task_wait_for(ctx,
				c1_job_poll_begin(job, job->step, update ? C1_POLL_UPDATE : C1_POLL_CREATE));
}

static int s_stack_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct stack_spec s;
	char oidc[128];
	int rc, ret = C1_TASK_AGAIN;
	bool known = s_spec(job, job->step, &s, oidc, sizeof(oidc));

	switch (job->sub) {
	case SK_LOOK:
		if (!d->pre_used[job->step] && job->run->mode != C1_MODE_OFFBOARD) {
			d->pre_used[job->step] = true;
			if (job->aws_ready) {
				c1_cfn_stack_dispose(&d->cur);
				d->cur = d->pre[job->step];
				memset(&d->pre[job->step], 0, sizeof(d->pre[job->step]));
				d->cur_found = d->pre_found[job->step];
				job->sub = SK_DECIDE;
				break;
			}
		}
		GATE_S(job->aws.rl_cfn);
		c1_cfn_stack_dispose(&d->cur);
		rc = c1_cfn_describe_stack(&d->cur, &job->aws.cfn, &job->aws.view, s.name, &err);
		switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true)) {
		case C1_CALL_RETRY: ret = C1_TASK_WAIT; goto out;
		case C1_CALL_FAIL: ret = s_step_fail(job, &err, "DescribeStacks failed"); goto out;
		default: break;
		}
		d->cur_found = rc == 0;
		job->sub = SK_DECIDE;
		break;
	case SK_DECIDE: {
		enum c1_stack_action a = c1_stack_action_for_status(d->cur_found ? d->cur.status : NULL);
		if (d->cur_found && !s_stack_ours(&d->cur, job->row->account_id)) {
			c1_error_set("stack %s exists and is not tagged c1onboard:account=%s", s.name,
				     job->row->account_id);
			ret = s_step_fail(job, NULL, "foreign stack");
			goto out;
		}
		if (d->cur_found && a != C1_STACK_CREATE)
			job->steps[job->step].owned =
			    job->steps[job->step].owned ||
			    s_ledger_owned(job,
					   &(struct c1_resource_key){job->row->account_id, job->region,
								     C1_RESOURCE_STACK, s.name},
					   d->cur.stack_id);
		if (s_readonly(job)) {
			job->steps[job->step].existed = d->cur_found;
			if (!d->cur_found || a == C1_STACK_CREATE) {
				if (job->run->mode == C1_MODE_DRIFT)
					c1_job_add_drift(job, C1_DRIFT_AWS, s.name, "stack_missing",
							 "CREATE_COMPLETE", NULL);
				ret = s_step_done(job, C1_PLAN_CREATE);
				goto out;
			}
			if (a != C1_STACK_CHECK) {
				if (job->run->mode == C1_MODE_DRIFT)
					c1_job_add_drift(job, C1_DRIFT_AWS, s.name, "stack_status",
							 "CREATE_COMPLETE", d->cur.status);
				s_plan(job, job->step, C1_PLAN_UPDATE, d->cur.status);
				ret = s_step_done(job, C1_PLAN_UPDATE);
				goto out;
			}
			char diff[300] = "";
			s_take_output(job, &d->cur, &s);
			if (known && !s_params_match(&d->cur, &s, diff, sizeof(diff))) {
				if (job->run->mode == C1_MODE_DRIFT)
					c1_job_add_drift(job, C1_DRIFT_AWS, s.name, "parameter_changed", NULL,
							 diff);
				s_plan(job, job->step, C1_PLAN_UPDATE, diff);
				ret = s_step_done(job, C1_PLAN_UPDATE);
				goto out;
			}
			ret = s_step_done(job, C1_PLAN_UNCHANGED);
			goto out;
		}
		switch (a) {
		case C1_STACK_CREATE: job->sub = SK_CREATE; break;
		case C1_STACK_WAIT:
			job->sub = SK_LOOK;
			d->pre_used[job->step] = true;
			ret = c1_task_wait_for(ctx, c1_job_next_poll(job));
			goto out;
		case C1_STACK_DELETE_AND_CREATE:
			d->after_delete_create = true;
			job->sub = SK_DELETE;
			break;
		case C1_STACK_CONTINUE_ROLLBACK: job->sub = SK_CONTINUE_ROLLBACK; break;
		case C1_STACK_FAIL:
			c1_error_set("stack %s is in state %s, which c1onboard cannot recover; fix it in the "
				     "CloudFormation console and run again",
				     s.name, d->cur.status ? d->cur.status : "?");
			ret = s_step_fail(job, NULL, "stack cannot be recovered");
			goto out;
		case C1_STACK_CHECK: {
			char diff[300] = "";
			if (!s_params_match(&d->cur, &s, diff, sizeof(diff)) ||
			    (job->step == C1_STEP_CLOUDTRAIL_STACK && job->ct_have && !d->ct_in_sync)) {
				job->sub = SK_UPDATE;
				break;
			}
			s_take_output(job, &d->cur, &s);
			job->steps[job->step].existed = true;
			ret = s_step_done(job, C1_PLAN_UNCHANGED);
			goto out;
		}
		}
		break;
	}
	case SK_CREATE:
	case SK_UPDATE:
		if (!known || (job->step == C1_STEP_CLOUDTRAIL_STACK && !job->ct_have)) {
			c1_error_set("inputs of stack %s are not known (an earlier step gave no output)",
				     s.name);
			ret = s_step_fail(job, NULL, "missing input");
			goto out;
		}
		ret = s_stack_create_or_update(job, ctx, &s, job->sub == SK_UPDATE);
		goto out;
	case SK_POLL:
		GATE_S(job->aws.rl_cfn);
		c1_cfn_stack_dispose(&d->cur);
		rc = c1_cfn_describe_stack(&d->cur, &job->aws.cfn, &job->aws.view, s.name, &err);
		switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true)) {
		case C1_CALL_RETRY: ret = C1_TASK_WAIT; goto out;
		case C1_CALL_FAIL: ret = s_step_fail(job, &err, "DescribeStacks failed"); goto out;
		default: break;
		}
		if (rc == C1_ENOTFOUND) {
			c1_error_set("stack %s disappeared while being created", s.name);
			ret = s_step_fail(job, NULL, "stack vanished");
			goto out;
		}
		switch (c1_cfn_status_classify(d->cur.status)) {
		case C1_CFN_STATUS_IN_PROGRESS: ret = c1_task_wait_for(ctx, c1_job_next_poll(job)); goto out;
		case C1_CFN_STATUS_COMPLETE:
			c1_job_poll_complete(job);
			s_take_output(job, &d->cur, &s);
			ret = s_step_done(job, d->updating ? C1_PLAN_UPDATE : C1_PLAN_CREATE);
			goto out;
		default: job->sub = SK_EVENTS; break;
		}
		break;
	case SK_EVENTS: {
		GATE_S(job->aws.rl_cfn);
		struct c1_cfn_event_page page = C1_CFN_EVENT_PAGE_INIT;
		rc = c1_cfn_describe_stack_events(&page, &job->aws.cfn, &job->aws.view, s.name, NULL, &err);
		enum c1_call_verdict v = AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true);
		if (v == C1_CALL_RETRY) {
			c1_cfn_event_page_dispose(&page);
			ret = C1_TASK_WAIT;
			goto out;
		}
		char *reasons = rc == 0 ? c1_cfn_failure_reasons(&page, 0) : NULL;
		c1_cfn_event_page_dispose(&page);
		struct c1_api_error e = C1_API_ERROR_INIT;
		snprintf(e.code, sizeof(e.code), "%s", d->cur.status ? d->cur.status : "StackFailed");
		snprintf(e.message, sizeof(e.message), "stack %s ended %s: %s", s.name,
			 d->cur.status ? d->cur.status : "?",
			 reasons ? reasons
				 : (d->cur.status_reason ? d->cur.status_reason : "no reason given"));
		free(reasons);
		ret = s_step_fail(job, &e, "stack failed");
		goto out;
	}
	case SK_CONTINUE_ROLLBACK:
		GATE_S(job->aws.rl_cfn);
		rc = c1_cfn_continue_update_rollback(&job->aws.cfn, &job->aws.view, s.name, &err);
		switch (AFTER(job->aws.rl_cfn, rc, 0, &err, true)) {
		case C1_CALL_RETRY: ret = C1_TASK_WAIT; goto out;
		case C1_CALL_FAIL: ret = s_step_fail(job, &err, "ContinueUpdateRollback failed"); goto out;
		default: break;
		}
		job->steps[job->step].wrote = true;
		job->sub = SK_LOOK;
		d->pre_used[job->step] = true;
		ret = c1_task_wait_for(ctx, c1_job_next_poll(job));
		goto out;
	case SK_DELETE: {
		struct c1_resource_key key = s_key(job, C1_RESOURCE_STACK, s.name);
		GATE_S(job->aws.rl_cfn);
		if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0) {
			ret = s_step_fail(job, NULL, "DeleteStack not sent");
			goto out;
		}
		rc = c1_cfn_delete_stack(&job->aws.cfn, &job->aws.view, s.name, NULL, &err);
		switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true)) {
		case C1_CALL_RETRY: ret = C1_TASK_WAIT; goto out;
		case C1_CALL_FAIL: ret = s_step_fail(job, &err, "DeleteStack failed"); goto out;
		default: break;
		}
		job->steps[job->step].wrote = true;
		job->sub = SK_DELETE_POLL;
		ret = c1_task_wait_for(ctx, c1_job_poll_begin(job, job->step, C1_POLL_DELETE));
		goto out;
	}
	case SK_DELETE_POLL: {
		GATE_S(job->aws.rl_cfn);
		c1_cfn_stack_dispose(&d->cur);
		rc = c1_cfn_describe_stack(&d->cur, &job->aws.cfn, &job->aws.view, s.name, &err);
		switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true)) {
		case C1_CALL_RETRY: ret = C1_TASK_WAIT; goto out;
		case C1_CALL_FAIL: ret = s_step_fail(job, &err, "DescribeStacks failed"); goto out;
		default: break;
		}
		if (rc == 0 && c1_cfn_status_classify(d->cur.status) == C1_CFN_STATUS_IN_PROGRESS) {
			ret = c1_task_wait_for(ctx, c1_job_next_poll(job));
			goto out;
		}
		if (rc == 0 && strcmp(d->cur.status, "DELETE_COMPLETE") != 0) {
			c1_error_set("stack %s could not be deleted before re-creating it: %s", s.name,
				     d->cur.status);
			ret = s_step_fail(job, NULL, "delete failed");
			goto out;
		}
		c1_job_poll_complete(job);
		struct c1_resource_key key = s_key(job, C1_RESOURCE_STACK, s.name);
		c1_job_state_written(job->run,
				     c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
		job->sub = SK_CREATE;
		job->poll_ms = 0;
		break;
	}
	default: break;
	}
out:
	s_spec_dispose(&s);
	return ret;
}

/* ---- Cloud One resources ---- */

/* The verdict on a Cloud One create that alternates with a look-up. Its tries
 * live in write_call, so the look-up between two creates does not reset them;
 * a retry looks again first (RS_LOOK), as the create may have gone through. */
static enum c1_call_verdict s_create_after(struct c1_account_job *job, struct c1_task_ctx *ctx, int rc,
					   const struct c1_api_error *err)
{
	job->call = job->write_call;
	enum c1_call_verdict v = AFTER(s_rl_c1(job), rc, 0, err, false);
	job->write_call = job->call;
	/* A throttled create was refused, not lost: send it again without a look-up. */
	if (v == C1_CALL_RETRY && rc != C1_EINPROGRESS && !(err && err->throttling)) {
		job->call = C1_CALL_TRIES_INIT;
		job->sub = RS_LOOK;
	}
	return v;
}

static int s_connector_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_WS_CONNECTOR, acct);
	int rc;
	if (job->sub == RS_LOOK) {
		GATE(s_rl_c1(job));
		struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
		rc = c1_cloudone_ws_connector_find(&c, &job->tenant->c1, acct, &err);
		enum c1_call_verdict v = AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err, false);
		if (v == C1_CALL_RETRY) {
			c1_cloudone_ws_connector_dispose(&c);
			return C1_TASK_WAIT;
		}
		if (v == C1_CALL_FAIL) {
			c1_cloudone_ws_connector_dispose(&c);
			return s_step_fail(job, &err, "looking up the Workload Security connector failed");
		}
		if (rc == 0) {
			job->connector_id = c.id;
			char idbuf[32];
			snprintf(idbuf, sizeof(idbuf), "%lld", (long long)c.id);
			free(job->steps[job->step].resource);
			job->steps[job->step].resource = c1_strdup(idbuf);
			job->steps[job->step].owned = s_ledger_owned(job, &key, idbuf);
			job->steps[job->step].existed = true;
			bool role_ok = !job->ws_role_arn || !c.cross_account_role_arn ||
				       strcmp(job->ws_role_arn, c.cross_account_role_arn) == 0;
			if (!role_ok && job->run->mode == C1_MODE_DRIFT)
				c1_job_add_drift(job, C1_DRIFT_CLOUDONE, "ws_connector", "role_changed",
						 job->ws_role_arn, c.cross_account_role_arn);
			if (!role_ok && !s_readonly(job)) {
				/* Workload Security can switch a connector's role in place: repair it
				 * instead of deleting a connector the customer's computers hang on. */
				C1_INFO("account", "%s %s: connector %s uses role %s; setting it to %s", acct,
					job->region, idbuf, c.cross_account_role_arn, job->ws_role_arn);
				c1_cloudone_ws_connector_dispose(&c);
				job->sub = RS_UPDATE;
				return C1_TASK_AGAIN;
			}
			c1_cloudone_ws_connector_dispose(&c);
			return s_step_done(job, role_ok ? C1_PLAN_UNCHANGED : C1_PLAN_UPDATE);
		}
		c1_cloudone_ws_connector_dispose(&c);
		if (s_readonly(job)) {
			if (job->run->mode == C1_MODE_DRIFT)
				c1_job_add_drift(job, C1_DRIFT_CLOUDONE, "ws_connector", "missing", acct,
						 NULL);
			return s_step_done(job, C1_PLAN_CREATE);
		}
		job->sub = RS_CREATE;
		return C1_TASK_AGAIN;
	}
	if (!job->ws_role_arn) {
		c1_error_set("the ws_role stack gave no RoleArn output");
		return s_step_fail(job, NULL, "missing role");
	}
	if (job->sub == RS_UPDATE) {
		/* Setting the role is idempotent: a retry re-sends it, no look-up needed. */
		GATE(s_rl_c1(job));
		struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
		rc = c1_cloudone_ws_connector_update(&c, &job->tenant->c1, job->connector_id,
						     job->ws_role_arn, &err);
		c1_cloudone_ws_connector_dispose(&c);
		switch (AFTER(s_rl_c1(job), rc, 0, &err, false)) {
		case C1_CALL_RETRY: return C1_TASK_WAIT;
		case C1_CALL_FAIL:
			return s_step_fail(job, &err,
					   "setting the Workload Security connector's role failed");
		default: break;
		}
		job->steps[job->step].wrote = true;
		return s_step_done(job, C1_PLAN_UPDATE);
	}
	GATE(s_rl_c1(job));
	if (job->write_call.attempt == 0 && c1_job_intent(job, ctx, &key, false) != 0)
		return s_step_fail(job, NULL, "connector create not sent");
	struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
	const char *display = job->row->name[0] ? job->row->name : NULL;
	rc = c1_cloudone_ws_connector_create(&c, &job->tenant->c1, display, acct, job->ws_role_arn, &err);
	enum c1_call_verdict v = s_create_after(job, ctx, rc, &err);
	if (v == C1_CALL_RETRY) {
		c1_cloudone_ws_connector_dispose(&c);
		return C1_TASK_WAIT;
	}
	if (v == C1_CALL_FAIL) {
		c1_cloudone_ws_connector_dispose(&c);
		return s_step_fail(job, &err, "creating the Workload Security connector failed");
	}
	char idbuf[32];
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)c.id);
	c1_job_state_written(job->run,
			     c1_state_resource_created(job->run->state, &key, job->run->run_id, idbuf, NULL));
	job->connector_id = c.id;
	free(job->steps[job->step].resource);
	job->steps[job->step].resource = c1_strdup(idbuf);
	job->steps[job->step].owned = true;
	job->steps[job->step].wrote = true;
	c1_cloudone_ws_connector_dispose(&c);
	return s_step_done(job, C1_PLAN_CREATE);
}

/* The cloud account found registered: adopt it, and judge its role. */
static int s_cloud_account_found(struct c1_account_job *job, const char *role_arn)
{
	const char *acct = job->row->account_id;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_CLOUD_ACCOUNT, acct);
	free(job->cloud_account_id);
	job->cloud_account_id = c1_strdup(acct);
	free(job->steps[job->step].resource);
	job->steps[job->step].resource = c1_strdup(acct);
	job->steps[job->step].owned = s_ledger_owned(job, &key, acct);
	job->steps[job->step].existed = true;
	bool role_ok = !job->c1_role_arn || !role_arn || strcmp(job->c1_role_arn, role_arn) == 0;
	/* Cloud One documents no call that changes a cloud account's role, and
	 * deleting it to create it again loses the customer's Conformity
	 * settings: apply reports the drift and leaves the record alone. */
	if (!role_ok && job->run->mode != C1_MODE_PLAN)
		c1_job_add_drift(job, C1_DRIFT_CLOUDONE, "cloud_account", "role_changed", job->c1_role_arn,
				 role_arn);
	if (role_ok)
		return s_step_done(job, C1_PLAN_UNCHANGED);
	char msg[sizeof(job->reason)];
	snprintf(msg, sizeof(msg),
		 "Cloud One cloud account %s uses role %s, not %s; fix it in the Cloud One console "
		 "or offboard and apply again",
		 acct, role_arn, job->c1_role_arn);
	if (s_readonly(job)) {
		/* plan and apply read the same verdict: apply cannot change it either. */
		char note[sizeof(msg) + 64];
		snprintf(note, sizeof(note), "apply cannot change it: %s", msg);
		s_plan(job, job->step, C1_PLAN_MANUAL, note);
	} else {
		c1_job_reason(job, false, "%s", msg);
		C1_WARN("account", "%s %s: %s", acct, job->region, msg);
	}
	return s_step_done(job, C1_PLAN_MANUAL);
}

/* RS_RECHECK: this account's own pass over the list, after a create that may
 * have gone through (lost reply) or that Cloud One refused as a conflict.
 * One page per task run; stops at the page that shows the account. */
static int s_cloud_account_recheck(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_cloud_index *idx = job->tenant->cloud_index;
	GATE(s_rl_c1(job));
	struct c1_cloudone_cloud_account_list page = C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
	char *next = NULL;
	int rc = c1_cloudone_cloud_account_page(&page, &next, &job->tenant->c1, d->ca_cursor, &err);
	enum c1_call_verdict v = AFTER(s_rl_c1(job), rc, 0, &err, false);
	if (v != C1_CALL_OK) {
		free(next);
		if (v == C1_CALL_RETRY)
			return C1_TASK_WAIT;
		return s_step_fail(job, &err, "listing Cloud One cloud accounts failed");
	}
	c1_cloud_index_merge(idx, &page);
	c1_cloudone_cloud_account_list_dispose(&page);
	free(d->ca_cursor);
	d->ca_cursor = NULL;
	char *role = NULL;
	if (c1_cloud_index_lookup(idx, acct, job, &role) == C1_CLOUD_PRESENT) {
		free(next);
		d->ca_claimed = false; /* the listing settled it */
		d->ca_recheck = false;
		int r = s_cloud_account_found(job, role);
		free(role);
		return r;
	}
	if (next && ++d->ca_pages < C1_CLOUDONE_MAX_PAGES) {
		d->ca_cursor = next;
		return C1_TASK_AGAIN;
	}
	free(next);
	d->ca_recheck = false;
	d->ca_pages = 0;
	if (d->ca_conflict) {
		snprintf(err.code, sizeof(err.code), "UnconfirmedConflict");
		snprintf(err.message, sizeof(err.message),
			 "Cloud One refused to register AWS account %s as a conflict (HTTP %ld), but its "
			 "list of cloud accounts does not show the account; check Cloud Account Management "
			 "in the Cloud One console",
			 acct, d->ca_conflict_status);
		err.http_status = d->ca_conflict_status;
		c1_error_set("%s", err.message);
		if (d->ca_claimed)
			c1_cloud_index_unclaim(idx, acct, job);
		d->ca_claimed = false;
		return s_step_fail(job, &err, "registering the AWS account in Cloud One failed");
	}
	/* The earlier create did not go through: send it again under the same claim. */
	if (!c1_cloud_index_claim(idx, acct, job)) {
		job->sub = RS_LOOK;
		return C1_TASK_AGAIN;
	}
	d->ca_claimed = true;
	job->sub = RS_CREATE;
	return C1_TASK_AGAIN;
}

/* The adopt-or-create decision reads the tenant's index (one listing per
 * tenant and run), not the tenant's list (pages proportional to its size). */
static int s_cloud_account_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_CLOUD_ACCOUNT, acct);
	struct c1_cloud_index *idx = job->tenant->cloud_index;
	int rc;
	if (job->sub == RS_LOOK) {
		rc = c1_tenant_cloud_index(job->tenant, ctx, &err);
		if (rc == C1_TASK_BLOCK)
			return rc;
		if (rc)
			return s_step_fail(job, &err, "listing Cloud One cloud accounts failed");
		if (d->ca_recheck) {
			job->sub = RS_RECHECK;
			return C1_TASK_AGAIN;
		}
		char *role = NULL;
		switch (c1_cloud_index_lookup(idx, acct, job, &role)) {
		case C1_CLOUD_PRESENT: {
			d->ca_claimed = false;
			int r = s_cloud_account_found(job, role);
			free(role);
			return r;
		}
		case C1_CLOUD_CLAIMED:
			/* Another row of this AWS account (another region) is registering it. */
			return c1_task_wait_for(ctx, 200);
		case C1_CLOUD_ABSENT:
		default: break;
		}
		if (s_readonly(job)) {
			if (job->run->mode == C1_MODE_DRIFT)
				c1_job_add_drift(job, C1_DRIFT_CLOUDONE, "cloud_account", "missing", acct,
						 NULL);
			return s_step_done(job, C1_PLAN_CREATE);
		}
		if (!c1_cloud_index_claim(idx, acct, job))
			return C1_TASK_AGAIN;
		d->ca_claimed = true;
		job->sub = RS_CREATE;
		return C1_TASK_AGAIN;
	}
	if (job->sub == RS_RECHECK)
		return s_cloud_account_recheck(job, ctx);
	if (!job->c1_role_arn) {
		c1_cloud_index_unclaim(idx, acct, job);
		d->ca_claimed = false;
		c1_error_set("the c1_role stack gave no CloudOneRoleArn output");
		return s_step_fail(job, NULL, "missing role");
	}
	GATE(s_rl_c1(job));
	if (job->write_call.attempt == 0 && c1_job_intent(job, ctx, &key, false) != 0)
		return s_step_fail(job, NULL, "cloud account create not sent");
	struct c1_cloudone_cloud_account ca = C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
	const char *alias = job->row->name[0] ? job->row->name : NULL;
	rc = c1_cloudone_cloud_account_create(&ca, &job->tenant->c1, job->c1_role_arn, alias, "c1onboard",
					      &err);
	c1_cloudone_cloud_account_dispose(&ca);
	if (rc == C1_EAPI && err.http_status == 409) {
		/* Registered already (an earlier attempt, or someone else): find it in the list. */
		d->ca_recheck = true;
		d->ca_conflict = true;
		d->ca_conflict_status = err.http_status;
		job->sub = RS_LOOK;
		job->call = C1_CALL_TRIES_INIT;
		job->write_call = C1_CALL_TRIES_INIT;
		return C1_TASK_AGAIN;
	}
	enum c1_call_verdict v = s_create_after(job, ctx, rc, &err);
	if (v == C1_CALL_RETRY) {
		/* s_create_after sends an uncertain create back to the look-up: for a
		 * cloud account that is a re-check of the list, not the index. */
		if (job->sub == RS_LOOK)
			d->ca_recheck = true;
		return C1_TASK_WAIT;
	}
	if (v == C1_CALL_FAIL) {
		c1_cloud_index_unclaim(idx, acct, job);
		d->ca_claimed = false;
		return s_step_fail(job, &err, "registering the AWS account in Cloud One failed");
	}
	c1_cloud_index_put(idx, acct, job->c1_role_arn);
	d->ca_claimed = false;
	c1_job_state_written(job->run,
			     c1_state_resource_created(job->run->state, &key, job->run->run_id, acct, NULL));
	free(job->cloud_account_id);
	job->cloud_account_id = c1_strdup(acct);
	free(job->steps[job->step].resource);
	job->steps[job->step].resource = c1_strdup(acct);
	job->steps[job->step].owned = true;
	job->steps[job->step].wrote = true;
	return s_step_done(job, C1_PLAN_CREATE);
}

/* The CloudTrail token is asked for only when the forwarder stack is not already in sync. */
static int s_token_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	if (job->sub == 0) {
		const struct c1_cfn_stack *st = &d->pre[C1_STEP_CLOUDTRAIL_STACK];
		bool found = d->pre_found[C1_STEP_CLOUDTRAIL_STACK];
		if (found && c1_stack_action_for_status(st->status) == C1_STACK_CHECK) {
			struct stack_spec s;
			char oidc[128], diff[300];
			bool known = s_spec(job, C1_STEP_CLOUDTRAIL_STACK, &s, oidc, sizeof(oidc));
			bool same = known && s_params_match(st, &s, diff, sizeof(diff));
			s_spec_dispose(&s);
			if (same) {
				d->ct_in_sync = true;
				job->steps[job->step].existed = true;
				return s_step_done(job, C1_PLAN_UNCHANGED);
			}
		}
		if (s_readonly(job))
			return s_step_done(job, C1_PLAN_CREATE);
		job->sub = 1;
	}
	GATE(s_rl_c1(job));
	c1_cloudone_cloudtrail_params_dispose(&job->ct);
	int rc =
	    c1_cloudone_cloudtrail_stack(&job->ct, &job->tenant->c1, job->row->account_id, job->region, &err);
	switch (AFTER(s_rl_c1(job), rc, 0, &err, false)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL: return s_step_fail(job, &err, "getting the CloudTrail stack parameters failed");
	default: break;
	}
	job->ct_have = true;
	job->steps[job->step].wrote = true;
	return s_step_done(job, C1_PLAN_CREATE);
}

/* ---- undo (rollback and offboard) ---- */

/* Delete one resource of step `id`; returns a task result, sets d->undo_ok and advances job->sub to 99 when
 * finished. */
static int s_undo(struct c1_account_job *job, struct c1_task_ctx *ctx, enum c1_step_id id, bool offboard)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const struct c1_step_def *def = c1_step_def(id);
	int rc;
	char name[64];
	if (def->undo == C1_UNDO_DELETE_STACK) {
		s_stack_name(job, id, name, sizeof(name));
		struct c1_resource_key key = s_key(job, C1_RESOURCE_STACK, name);
		if (job->sub == 0 && offboard) {
			GATE(job->aws.rl_cfn);
			c1_cfn_stack_dispose(&d->cur);
			rc = c1_cfn_describe_stack(&d->cur, &job->aws.cfn, &job->aws.view, name, &err);
			switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true)) {
			case C1_CALL_RETRY: return C1_TASK_WAIT;
			case C1_CALL_FAIL: goto failed;
			default: break;
			}
			if (rc == C1_ENOTFOUND || !s_stack_ours(&d->cur, job->row->account_id)) {
				if (rc == 0)
					C1_WARN("offboard", "%s: stack %s is not tagged as ours; left alone",
						job->row->account_id, name);
				d->undo_ok = true;
				job->sub = 99;
				job->steps[id].status = C1_STEP_SKIPPED;
				return C1_TASK_AGAIN;
			}
			job->sub = 1;
		} else if (job->sub == 0) {
			job->sub = 1;
		}
		if (job->sub == 1) {
			GATE(job->aws.rl_cfn);
			if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0)
				goto refused;
			rc = c1_cfn_delete_stack(&job->aws.cfn, &job->aws.view, name, NULL, &err);
			switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true)) {
			case C1_CALL_RETRY: return C1_TASK_WAIT;
			case C1_CALL_FAIL: goto failed;
			default: break;
			}
			job->outcome.wrote = true;
			job->sub = 2;
			return c1_task_wait_for(ctx, c1_job_poll_begin(job, id, C1_POLL_DELETE));
		}
		GATE(job->aws.rl_cfn);
		c1_cfn_stack_dispose(&d->cur);
		rc = c1_cfn_describe_stack(&d->cur, &job->aws.cfn, &job->aws.view, name, &err);
		switch (AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true)) {
		case C1_CALL_RETRY: return C1_TASK_WAIT;
		case C1_CALL_FAIL: goto failed;
		default: break;
		}
		if (rc == 0 && c1_cfn_status_classify(d->cur.status) == C1_CFN_STATUS_IN_PROGRESS)
			return c1_task_wait_for(ctx, c1_job_next_poll(job));
		if (rc != 0 || strcmp(d->cur.status, "DELETE_COMPLETE") == 0)
			c1_job_poll_complete(job);
		if (rc == 0 && strcmp(d->cur.status, "DELETE_COMPLETE") != 0) {
			snprintf(err.code, sizeof(err.code), "%s", d->cur.status);
			snprintf(err.message, sizeof(err.message), "stack %s ended %s: %s", name,
				 d->cur.status,
				 d->cur.status_reason ? d->cur.status_reason : "no reason given");
			goto failed;
		}
		c1_job_state_written(job->run,
				     c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
		c1_job_add_rollback(job, def->name, name, C1_STEP_UNDONE, NULL);
		d->undo_ok = true;
		job->sub = 99;
		return C1_TASK_AGAIN;
	}
	if (def->undo == C1_UNDO_DELETE_CONNECTOR) {
		struct c1_resource_key key = s_key(job, C1_RESOURCE_WS_CONNECTOR, job->row->account_id);
		if (job->sub == 0 && (offboard || job->connector_id <= 0)) {
			GATE(s_rl_c1(job));
			struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
			rc = c1_cloudone_ws_connector_find(&c, &job->tenant->c1, job->row->account_id, &err);
			job->connector_id = rc == 0 ? c.id : 0;
			c1_cloudone_ws_connector_dispose(&c);
			switch (AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err, false)) {
			case C1_CALL_RETRY: return C1_TASK_WAIT;
			case C1_CALL_FAIL: goto failed;
			default: break;
			}
			if (rc == C1_ENOTFOUND) {
				d->undo_ok = true;
				job->sub = 99;
				job->steps[id].status = C1_STEP_SKIPPED;
				return C1_TASK_AGAIN;
			}
		}
		job->sub = 1;
		snprintf(name, sizeof(name), "%lld", (long long)job->connector_id);
		GATE(s_rl_c1(job));
		if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0)
			goto refused;
		rc = c1_cloudone_ws_connector_delete(&job->tenant->c1, job->connector_id, &err);
		switch (AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err, false)) {
		case C1_CALL_RETRY: return C1_TASK_WAIT;
		case C1_CALL_FAIL: goto failed;
		default: break;
		}
		job->outcome.wrote = true;
		c1_job_state_written(job->run,
				     c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
		c1_job_add_rollback(job, def->name, name, C1_STEP_UNDONE, NULL);
		d->undo_ok = true;
		job->sub = 99;
		return C1_TASK_AGAIN;
	}
	if (def->undo == C1_UNDO_DELETE_CLOUD_ACCOUNT) {
		struct c1_resource_key key = s_key(job, C1_RESOURCE_CLOUD_ACCOUNT, job->row->account_id);
		snprintf(name, sizeof(name), "%s", job->row->account_id);
		if (job->sub == 0 && offboard) {
			rc = c1_tenant_cloud_index(job->tenant, ctx, &err);
			if (rc == C1_TASK_BLOCK)
				return rc;
			if (rc)
				goto failed;
			if (c1_cloud_index_lookup(job->tenant->cloud_index, name, job, NULL) !=
			    C1_CLOUD_PRESENT) {
				d->undo_ok = true;
				job->sub = 99;
				job->steps[id].status = C1_STEP_SKIPPED;
				return C1_TASK_AGAIN;
			}
		}
		job->sub = 1;
		GATE(s_rl_c1(job));
		if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0)
			goto refused;
		rc = c1_cloudone_cloud_account_delete(&job->tenant->c1, name, &err);
		switch (AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err, false)) {
		case C1_CALL_RETRY: return C1_TASK_WAIT;
		case C1_CALL_FAIL: goto failed;
		default: break;
		}
		c1_cloud_index_remove(job->tenant->cloud_index, name);
		job->outcome.wrote = true;
		c1_job_state_written(job->run,
				     c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
		c1_job_add_rollback(job, def->name, name, C1_STEP_UNDONE, NULL);
		d->undo_ok = true;
		job->sub = 99;
		return C1_TASK_AGAIN;
	}
	d->undo_ok = true;
	job->sub = 99;
	return C1_TASK_AGAIN;
refused:
	d->store_refused = true;
	snprintf(err.code, sizeof(err.code), "StateStore");
failed:
	if (!err.code[0])
		snprintf(err.code, sizeof(err.code), "UndoFailed");
	if (!err.message[0])
		snprintf(err.message, sizeof(err.message), "%s", c1_error_last());
	c1_job_add_rollback(job, def->name, job->steps[id].resource ? job->steps[id].resource : name,
			    C1_STEP_UNDO_FAILED, &err);
	d->undo_ok = false;
	job->sub = 99;
	return C1_TASK_AGAIN;
}

static int s_rollback(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	if ((size_t)job->rollback_i >= job->rollback_n) {
		job->stage = ST_FINISH;
		return C1_TASK_AGAIN;
	}
	enum c1_step_id id = job->rollback_order[job->rollback_i];
	int r = C1_TASK_AGAIN;
	if (d->store_refused) {
		/* Deleting more would leave the ledger behind the cloud, and undoing
		 * only part breaks what the rest depends on (a cloud account whose
		 * role stack is gone): what is left stays, and says why. */
		struct c1_api_error e = C1_API_ERROR_INIT;
		snprintf(e.code, sizeof(e.code), "StateStore");
		snprintf(e.message, sizeof(e.message),
			 "not undone: the state store could not record a delete; free space in --state-dir, "
			 "then run apply (which completes the account) or offboard");
		c1_job_add_rollback(job, c1_step_def(id)->name,
				    job->steps[id].resource ? job->steps[id].resource : c1_step_def(id)->name,
				    C1_STEP_UNDO_FAILED, &e);
		d->undo_ok = false;
		job->sub = 99;
	} else {
		r = s_undo(job, ctx, id, false);
	}
	if (job->sub == 99) {
		/* The step that failed keeps reading `failed` (with its error) once
		 * its debris is cleaned up; the report's rollback lists the undo. */
		if (job->steps[id].status != C1_STEP_FAILED || !d->undo_ok) {
			job->steps[id].status = d->undo_ok ? C1_STEP_UNDONE : C1_STEP_UNDO_FAILED;
			struct c1_state_step_outcome o = {0};
			o.status = job->steps[id].status;
			c1_job_state_written(job->run, c1_state_step_finish(job->run->state, job->run->run_id,
									    job->row->account_id, job->region,
									    c1_step_def(id)->name, &o));
		}
		if (!d->undo_ok) {
			job->outcome.rollback_clean = false;
			c1_job_reason(job, true, "%s; rollback left %s behind", job->reason,
				      job->steps[id].resource ? job->steps[id].resource
							      : c1_step_def(id)->name);
		}
		job->rollback_i++;
		job->sub = 0;
		job->call = C1_CALL_TRIES_INIT;
		job->poll_ms = 0;
		return C1_TASK_AGAIN;
	}
	return r;
}

static int s_offboard_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	enum c1_step_id id = job->step;
	int r = s_undo(job, ctx, id, true);
	if (job->sub != 99)
		return r;
	if (!d->undo_ok) {
		struct c1_api_error *e = NULL;
		struct c1_api_error tmp = C1_API_ERROR_INIT;
		if (job->rb_len) {
			snprintf(tmp.code, sizeof(tmp.code), "%s", job->rb[job->rb_len - 1].error.code);
			snprintf(tmp.message, sizeof(tmp.message), "%s",
				 job->rb[job->rb_len - 1].error.message);
			e = &tmp;
		}
		job->outcome.failed = true;
		c1_job_step_finish(job, id, C1_STEP_UNDO_FAILED, e, NULL);
		c1_job_reason(job, false, "offboard: removing %s failed: %s", c1_step_def(id)->name,
			      e ? e->message : "?");
		job->stage = ST_FINISH;
		return C1_TASK_AGAIN;
	}
	c1_job_step_finish(
	    job, id, job->steps[id].status == C1_STEP_SKIPPED ? C1_STEP_SKIPPED : C1_STEP_UNDONE, NULL, NULL);
	return s_next_step(job);
}

/* ---- the machine ---- */

static void s_copy_tenant_steps(struct c1_account_job *job)
{
	struct c1_tenant *t = job->tenant;
	for (int i = 0; i < 2; i++) {
		enum c1_step_id id = i == 0 ? C1_STEP_CLOUDONE_ACCOUNT : C1_STEP_VISIONONE_LINK;
		struct c1_step_rec *s = &job->steps[id];
		s->status = t->steps[i].status;
		s->attempts = t->steps[i].attempts;
		s->started_ms = t->steps[i].started_ms;
		s->finished_ms = t->steps[i].finished_ms;
		if (t->failed && t->failed_step == id) {
			s->status = C1_STEP_FAILED;
			s->has_error = true;
			s->err = t->err;
		}
		if (s->status == C1_STEP_PENDING && t->failed)
			s->status = C1_STEP_SKIPPED;
		if (s->status == C1_STEP_PENDING)
			continue;
		struct c1_state_step_outcome o = {0};
		o.status = s->status;
		if (s->has_error) {
			o.error_code = s->err.code;
			o.error_message = s->err.message;
			o.http_status = s->err.http_status;
		}
		c1_job_state_written(job->run, c1_state_step_finish(job->run->state, job->run->run_id,
								    job->row->account_id,
								    job->region[0] ? job->region : "-",
								    c1_step_def(id)->name, &o));
	}
}

static int s_preflight(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
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
		job->sub = PF_STACKS;
		d->pf_stack = 0;
		return C1_TASK_AGAIN;
	}
	case PF_STACKS:
	default: {
		while (d->pf_stack < N_STACK_STEPS &&
		       !c1_step_applies(s_stack_steps[d->pf_stack], job->row->create_new_trail))
			d->pf_stack++;
		if (d->pf_stack >= N_STACK_STEPS || job->run->mode == C1_MODE_OFFBOARD) {
			c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_DONE, NULL, NULL);
			job->stage = ST_STEPS;
			job->step = job->run->mode == C1_MODE_OFFBOARD ? C1_STEP_COUNT : C1_STEP_PREFLIGHT;
			return s_next_step(job);
		}
		enum c1_step_id id = s_stack_steps[d->pf_stack];
		char name[64];
		s_stack_name(job, id, name, sizeof(name));
		GATE(job->aws.rl_cfn);
		c1_cfn_stack_dispose(&d->pre[id]);
		rc = c1_cfn_describe_stack(&d->pre[id], &job->aws.cfn, &job->aws.view, name, &err);
		enum c1_call_verdict v = AFTER(job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true);
		if (v == C1_CALL_RETRY)
			return C1_TASK_WAIT;
		if (v == C1_CALL_FAIL) {
			char msg[700];
			c1_api_error_format(&err, msg, sizeof(msg));
			return s_invalid(job, err.code[0] ? err.code : "DescribeStacks", msg);
		}
		d->pre_found[id] = rc == 0;
		if (rc == 0 && !s_stack_ours(&d->pre[id], job->row->account_id)) {
			char msg[300];
			snprintf(
			    msg, sizeof(msg),
			    "stack %s already exists and was not made by c1onboard for this account (no tag "
			    "c1onboard:account=%s); pick another stack_name",
			    name, job->row->account_id);
			return s_invalid(job, "StackNameTaken", msg);
		}
		d->pf_stack++;
		return C1_TASK_AGAIN;
	}
	}
}

static int s_run(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	if (ctx->cancelled && job->stage != ST_FINISH) {
		/* Safe point: stop here; a resumed run picks the work up from the ledger. */
		if (job->stage == ST_STEPS)
			c1_job_step_finish(job, job->step, C1_STEP_PENDING, NULL, "interrupted");
		if (job->outcome.failed)
			job->outcome.rollback_clean = false; /* its rollback stopped part-way */
		else
			job->outcome.interrupted = true;
		c1_job_reason(job, false, "interrupted (SIGINT/SIGTERM); run apply again to finish");
		job->stage = ST_FINISH;
	}
	switch (job->stage) {
	case ST_TENANT:
		if (!c1_sched_event_is_signalled(job->tenant->ready))
			return c1_task_block_on(ctx, job->tenant->ready);
		job->stage = ST_SETUP;
		/* fall through */
	case ST_SETUP: {
		struct c1_tenant *t = job->tenant;
		c1_job_step_start(job, C1_STEP_PREFLIGHT);
		job->steps[C1_STEP_PREFLIGHT].attempts = 1;
		if (t->failed) {
			if (!job->region[0] && t->aws_region)
				snprintf(job->region, sizeof(job->region), "%s", t->aws_region);
			s_copy_tenant_steps(job);
			c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_SKIPPED, NULL, NULL);
			c1_job_reason(job, false, "%s", t->error);
			if (t->failed_step == C1_STEP_CLOUDONE_ACCOUNT && t->err.http_status == 401)
				job->outcome.invalid = true;
			else {
				job->outcome.failed = true;
				job->outcome.rollback_clean = false;
			}
			job->stage = ST_FINISH;
			return C1_TASK_AGAIN;
		}
		if (!job->region[0]) {
			snprintf(job->region, sizeof(job->region), "%s", t->aws_region);
		} else if (strcmp(job->region, t->aws_region) != 0) {
			char msg[300];
			snprintf(msg, sizeof(msg),
				 "region %s is not the AWS region of the Cloud One account's region %s (%s); "
				 "leave "
				 "the region empty or set %s",
				 job->region, t->c1_region, t->aws_region, t->aws_region);
			s_copy_tenant_steps(job);
			return s_invalid(job, "RegionMismatch", msg);
		}
		s_copy_tenant_steps(job);
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
	case ST_PREFLIGHT: return s_preflight(job, ctx);
	case ST_STEPS:
		if (job->run->mode == C1_MODE_OFFBOARD)
			return s_offboard_step(job, ctx);
		switch (job->step) {
		case C1_STEP_NEW_TRAIL:
		case C1_STEP_WS_ROLE:
		case C1_STEP_C1_ROLE:
		case C1_STEP_CLOUDTRAIL_STACK: return s_stack_step(job, ctx);
		case C1_STEP_WS_CONNECTOR: return s_connector_step(job, ctx);
		case C1_STEP_C1_CLOUD_ACCOUNT: return s_cloud_account_step(job, ctx);
		case C1_STEP_CLOUDTRAIL_TOKEN: return s_token_step(job, ctx);
		default: return s_next_step(job);
		}
	case ST_ROLLBACK: return s_rollback(job, ctx);
	case ST_FINISH:
	default: {
		struct direct *d = D(job);
		for (int i = 0; i < C1_STEP_COUNT; i++) {
			job->outcome.wrote = job->outcome.wrote || job->steps[i].wrote;
			c1_cfn_stack_dispose(&d->pre[i]);
		}
		c1_cfn_stack_dispose(&d->cur);
		if (d->ca_claimed)
			c1_cloud_index_unclaim(job->tenant->cloud_index, job->row->account_id, job);
		free(d->ca_cursor);
		if (job->run->mode == C1_MODE_DRIFT || job->run->mode == C1_MODE_PLAN)
			job->outcome.drift_command = true;
		if (job->run->mode == C1_MODE_PLAN)
			c1_job_plan_outcome(job);
		if (job->outcome.wrote && !job->outcome.failed && !job->outcome.invalid) {
			/* Was the account onboarded before (then this run `repaired` it)? Only if
			 * a Cloud One record or the last stack was already in place: stacks alone
			 * are what a failed earlier run or another actor leaves behind, and
			 * finishing such an account is onboarding it (`succeeded`). */
			static const enum c1_step_id marks[] = {
			    C1_STEP_WS_CONNECTOR, C1_STEP_C1_CLOUD_ACCOUNT, C1_STEP_CLOUDTRAIL_STACK};
			for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
				if (job->steps[marks[i]].existed && !job->steps[marks[i]].owned)
					job->outcome.was_onboarded = true;
		}
		if (!job->outcome.failed && !job->outcome.invalid && job->run->mode == C1_MODE_APPLY) {
			/* Stamp what this account owns as belonging to this (finishing) run, so a later
			 * failed run never undoes a working integration. */
			for (int i = 0; i < C1_STEP_COUNT; i++) {
				const struct c1_step_rec *s = &job->steps[i];
				enum c1_undo_kind u = c1_step_def((enum c1_step_id)i)->undo;
				if (!s->owned || !s->resource || u == C1_UNDO_NONE)
					continue;
				enum c1_resource_kind kind = u == C1_UNDO_DELETE_STACK ? C1_RESOURCE_STACK
							     : u == C1_UNDO_DELETE_CONNECTOR
								 ? C1_RESOURCE_WS_CONNECTOR
								 : C1_RESOURCE_CLOUD_ACCOUNT;
				const char *nm =
				    u == C1_UNDO_DELETE_STACK ? s->resource : job->row->account_id;
				struct c1_resource_key key = s_key(job, kind, nm);
				c1_job_state_written(
				    job->run, c1_state_resource_created(job->run->state, &key,
									job->run->run_id, s->physical, NULL));
			}
		}
		free(job->strategy_data);
		job->strategy_data = NULL;
		return C1_TASK_DONE;
	}
	}
}

const struct c1_strategy_ops c1_strategy_direct = {
    .name = "direct", .run = s_run, .report = NULL, .links_visionone = false};
