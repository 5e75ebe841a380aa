/* Strategy `direct`: the account's steps, each one reconcile loop. A step
 * observes its resource (one remote call per task run), diffs it against
 * what the row wants (reconcile.h), and the change meets the run's mode in
 * one place (s_gate): plan and drift record it, apply acts on it; offboard
 * wants each resource absent. Stacks are driven by the shared stack
 * machine. Every create and delete is in the resource ledger before
 * (intent) and after (outcome) the call, so a killed run resumes without
 * duplicates. */
#include "engine/run/strategy_direct.h"

#include "engine/aws/cloudformation.h"
#include "engine/aws/cloudtrail.h"
#include "engine/aws/iam.h"
#include "engine/aws/s3.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/run/stack_machine.h"
#include "engine/run/templates.h"
#include "engine/run/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum direct_stage { ST_TENANT = 0, ST_SETUP, ST_PREFLIGHT, ST_STEPS, ST_ROLLBACK, ST_FINISH };
enum preflight_phase { PF_CHECKS = 0, PF_STACKS };
/* A Cloud One resource. RS_UPDATE: point the connector at the ws_role stack's
 * role. RS_ROLE_CHECK: ask IAM whether the cloud account's role still exists.
 * RS_DEREGISTER: delete a cloud account whose role is gone, to register it again. */
enum resource_phase { RS_OBSERVE = 0, RS_CREATE, RS_UPDATE, RS_RECHECK, RS_ROLE_CHECK, RS_DEREGISTER };
/* The look at a new-trail row's trail and bucket, once its -Trail stack is
 * found settled: the stack's trail (DescribeStackResources), its status
 * (GetTrailStatus), the bucket (HeadBucket), one call per task run. */
enum trail_phase { TC_NONE = 0, TC_RESOURCES, TC_STATUS, TC_BUCKET, TC_DONE };
/* An undo: offboard observes first (a rollback knows what it made), then deletes. */
enum undo_phase { UNDO_OBSERVE = 0, UNDO_DELETE, UNDO_FINISHED };

struct direct {
	struct c1_cfn_stack pre[C1_STEP_COUNT]; /* stacks seen by preflight */
	bool pre_found[C1_STEP_COUNT];
	bool pre_used[C1_STEP_COUNT];
	enum preflight_phase pf;
	int pf_step;
	struct c1_stack_machine sm; /* the current stack step's or undo's */
	bool sm_active;
	enum resource_phase rs;
	bool token_fetch;
	bool ct_in_sync;
	enum undo_phase undo;
	bool undo_ok;
	bool store_refused; /* the state store refused a delete intent: the rollback stops */
	/* cloud account: a claim in the tenant's index, and the re-check after an
	 * uncertain or refused create */
	bool ca_claimed, ca_recheck, ca_conflict;
	long ca_conflict_status;
	char *ca_cursor;
	int ca_pages;
	char *ca_have_role; /* the registered cloud account's role, while IAM is asked about it */
	enum trail_phase tc;
	char *tc_trail; /* the -Trail stack's trail (physical id) */
	enum c1_seen tc_trail_seen, tc_logging, tc_bucket_seen;
	/* the row's own bucket is gone: invalid, unless preflight finds the row onboarded */
	bool pf_bucket_gone;
	char pf_code[64], pf_why[480];
};

static struct direct *D(struct c1_account_job *job)
{
	if (!job->strategy_data)
		job->strategy_data = c1_calloc(1, sizeof(struct direct));
	return job->strategy_data;
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

#define AFTER(key, rc, alt, err) c1_job_call_after(job, ctx, (key), (rc), (alt), (err), false)

static void s_stack_name(struct c1_account_job *job, enum c1_step_id id, char *out, size_t n)
{
	snprintf(out, n, "%s%s", job->base, c1_step_def(id)->stack_suffix);
}

static struct c1_resource_key s_key(struct c1_account_job *job, enum c1_resource_kind kind, const char *name)
{
	struct c1_resource_key k = {job->row->account_id, job->region, kind, name};
	return k;
}

static enum c1_resource_kind s_ledger_kind(enum c1_undo_kind u)
{
	return u == C1_UNDO_DELETE_STACK       ? C1_RESOURCE_STACK
	       : u == C1_UNDO_DELETE_CONNECTOR ? C1_RESOURCE_WS_CONNECTOR
					       : C1_RESOURCE_CLOUD_ACCOUNT;
}

static void s_set_resource(struct c1_account_job *job, const char *name)
{
	char *copy = c1_strdup(name); /* name may be the record's own */
	free(job->steps[job->step].resource);
	job->steps[job->step].resource = copy;
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

/* Forget the finished step's machine state. */
static void s_step_reset(struct c1_account_job *job)
{
	struct direct *d = D(job);
	if (d->sm_active)
		c1_stack_machine_dispose(&d->sm);
	d->sm_active = false;
	d->rs = RS_OBSERVE;
	d->token_fetch = false;
	d->undo = UNDO_OBSERVE;
	d->tc = TC_NONE;
	free(d->tc_trail);
	d->tc_trail = NULL;
	d->tc_trail_seen = d->tc_logging = d->tc_bucket_seen = C1_SEEN_UNKNOWN;
	job->call = C1_CALL_TRIES_INIT;
	job->write_call = C1_CALL_TRIES_INIT;
	job->poll_ms = 0;
	job->poll_kind = -1;
}

static int s_begin_rollback(struct c1_account_job *job)
{
	bool done[C1_STEP_COUNT] = {0};
	for (int i = 0; i < C1_STEP_COUNT; i++)
		done[i] = job->steps[i].owned &&
			  (job->steps[i].status == C1_STEP_DONE || job->steps[i].status == C1_STEP_FAILED);
	job->rollback_n = c1_steps_rollback_order(done, job->rollback_order);
	job->rollback_i = 0;
	s_step_reset(job);
	job->outcome.failed = true;
	/* A read that fails in plan or drift leaves the account `failed`. */
	job->outcome.rollback_clean = c1_job_policy(job)->rolls_back;
	job->stage = c1_job_policy(job)->rolls_back ? ST_ROLLBACK : ST_FINISH;
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
	struct c1_log_fields lf = C1_LOG_FIELDS_INIT;
	lf.step = name;
	lf.event = "step_failed";
	lf.http_status = e.http_status;
	lf.request_id = e.request_id;
	c1_log_ev(C1_LOG_WARN, "account", &lf, "%s %s: %s failed: %s", job->row->account_id, job->region,
		  name, msg);
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
	char *copy = note ? c1_strdup(note) : NULL; /* `note` may be the old note itself */
	job->steps[id].plan = a;
	free(job->steps[id].plan_note);
	job->steps[id].plan_note = copy;
}

/* Move to the next step that applies: forward, or backward toward absent (offboard). */
static int s_next_step(struct c1_account_job *job)
{
	bool backward = c1_job_policy(job)->toward_absent;
	s_step_reset(job);
	for (;;) {
		int next = backward ? (int)job->step - 1 : (int)job->step + 1;
		if (next <= C1_STEP_PREFLIGHT || next >= C1_STEP_COUNT) {
			job->stage = ST_FINISH;
			return C1_TASK_AGAIN;
		}
		job->step = (enum c1_step_id)next;
		const struct c1_step_def *def = c1_step_def(job->step);
		if (def->scope == C1_SCOPE_TENANT)
			continue;
		if (!c1_step_applies(job->step, job->row->create_new_trail)) {
			job->steps[job->step].status = C1_STEP_SKIPPED;
			s_plan(job, job->step, C1_PLAN_SKIP, NULL);
			continue;
		}
		if (backward && def->undo == C1_UNDO_NONE)
			continue;
		c1_job_step_start(job, job->step);
		return C1_TASK_AGAIN;
	}
}

/* A step that acted (or found nothing to do) is done. */
static int s_step_done(struct c1_account_job *job, enum c1_plan_action plan)
{
	job->steps[job->step].plan = plan;
	c1_job_step_finish(job, job->step, C1_STEP_DONE, NULL, NULL);
	return s_next_step(job);
}

/* One resource of stack `stack` changed outside CloudFormation, as a drift entry. */
static void s_add_resource_drift(struct c1_account_job *job, const char *stack,
				 const struct c1_cfn_resource_drift *r)
{
	const char *kind = NULL;
	char expected[400], actual[400], resource[200];
	c1_resource_drift_entry(r, &kind, expected, sizeof(expected), actual, sizeof(actual));
	snprintf(resource, sizeof(resource), "%s/%s", stack, r->logical_id ? r->logical_id : "?");
	c1_job_add_drift(job, C1_DRIFT_AWS, resource, kind, expected[0] ? expected : NULL,
			 actual[0] ? actual : NULL, c1_resource_drift_fix(r));
}

/* An entry of a change; what fixes the change fixes it. */
static void s_add_entry(struct c1_account_job *job, const struct c1_change *ch,
			const struct c1_change_entry *e)
{
	c1_job_add_drift(job, C1_DRIFT_AWS, e->resource, e->drift, e->want, e->have, c1_change_fix(ch));
}

/*
 * The one place a step's change meets the run's mode. Plan and drift record
 * it and the step ends here (skipped, or done when nothing would change);
 * apply ends it when nothing is to change and otherwise acts (true).
 * `found`: the resource exists in some state.
 */
static bool s_gate(struct c1_account_job *job, const struct c1_change *ch, bool found, int *ret)
{
	const struct c1_mode_policy *p = c1_job_policy(job);
	struct c1_step_rec *rec = &job->steps[job->step];
	if (p->acts) {
		if (ch->action != C1_PLAN_UNCHANGED) {
			/* kept for the report of an account this run repairs */
			if (ch->drift && ch->action != C1_PLAN_MANUAL)
				c1_job_add_repair(job, ch->plane, ch->resource, ch->drift, ch->want, ch->have,
						  ch->action == C1_PLAN_CREATE ? "created" : "updated");
			return true;
		}
		rec->existed = true;
		*ret = s_step_done(job, C1_PLAN_UNCHANGED);
		return false;
	}
	rec->existed = rec->existed || found;
	if (p->reports_drift && ch->drift)
		c1_job_add_drift(job, ch->plane, ch->resource, ch->drift, ch->want, ch->have,
				 c1_change_fix(ch));
	for (size_t i = 0; p->reports_drift && i < ch->resource_drift_count; i++)
		s_add_resource_drift(job, ch->resource, &ch->resource_drifts[i]);
	for (size_t i = 0; p->reports_drift && i < ch->entry_count; i++)
		s_add_entry(job, ch, &ch->entries[i]);
	if (ch->action == C1_PLAN_MANUAL) {
		char note[sizeof(ch->note) + 32];
		snprintf(note, sizeof(note), "apply cannot change it: %s", ch->note);
		s_plan(job, job->step, ch->action, note);
	} else if (ch->note[0]) {
		s_plan(job, job->step, ch->action, ch->note);
	} else {
		rec->plan = ch->action;
	}
	bool unchanged = ch->action == C1_PLAN_UNCHANGED;
	c1_job_step_finish(job, job->step, unchanged ? C1_STEP_DONE : C1_STEP_SKIPPED, NULL, NULL);
	*ret = s_next_step(job);
	return false;
}

/* ---- stacks: desired state per step ---- */

struct stack_spec {
	char name[64];
	const char *template_body;
	char *template_url; /* owned */
	struct c1_cfn_parameter params[6];
	size_t nparams;
	char **output_to; /* where the step's output goes (c1_step_def's output) */
	char oidc[128];
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

static void s_param(struct stack_spec *s, const char *key, const char *value)
{
	s->params[s->nparams++] = (struct c1_cfn_parameter){key, value, false};
}

static bool s_desired_new_trail(struct c1_account_job *job, struct stack_spec *s)
{
	s->template_body = c1_template_new_trail();
	s->output_to = &job->trail_bucket;
	return true;
}

static bool s_desired_ws_role(struct c1_account_job *job, struct stack_spec *s)
{
	s->template_body = c1_template_ws_role();
	s_param(s, "ExternalId", job->tenant->external_id);
	s->output_to = &job->ws_role_arn;
	return job->tenant->external_id != NULL;
}

static bool s_desired_c1_role(struct c1_account_job *job, struct stack_spec *s)
{
	struct c1_tenant *t = job->tenant;
	s->template_url = c1_direct_c1_role_template_url(job->region);
	snprintf(s->oidc, sizeof(s->oidc), "cloudaccounts.%s.cloudone.trendmicro.com", t->c1_region);
	s_param(s, "CloudOneRegion", t->c1_region);
	s_param(s, "CloudOneAccountID", t->c1_account_id);
	s_param(s, "CloudOneOIDCProviderURL", s->oidc);
	s->output_to = &job->c1_role_arn;
	return true;
}

static bool s_desired_cloudtrail(struct c1_account_job *job, struct stack_spec *s)
{
	const char *bucket = job->row->create_new_trail ? job->trail_bucket : job->row->bucket;
	s_param(s, "ExistingCloudtrailBucketName", bucket);
	if (job->ct_have) {
		s->template_url = c1_strdup(job->ct.template_url);
		s_param(s, "ServiceToken", c1_secret_reveal(&job->ct.service_token));
		s_param(s, "ServiceURL", job->ct.service_url);
		s_param(s, "S3BucketName", job->ct.s3_bucket_name);
		s_param(s, "APIVersion", job->ct.api_version);
	}
	return bucket != NULL;
}

/* ---- the step table of this strategy: one row per step (c1_step_def's order) ---- */

struct direct_step {
	/* observe, diff, gate, act: one task run */
	int (*reconcile)(struct c1_account_job *job, struct c1_task_ctx *ctx);
	/* a stack step's desired inputs: false while one is not known (plan) */
	bool (*desired)(struct c1_account_job *job, struct stack_spec *s);
};

static int s_stack_step(struct c1_account_job *job, struct c1_task_ctx *ctx);
static int s_connector_step(struct c1_account_job *job, struct c1_task_ctx *ctx);
static int s_cloud_account_step(struct c1_account_job *job, struct c1_task_ctx *ctx);
static int s_token_step(struct c1_account_job *job, struct c1_task_ctx *ctx);

static const struct direct_step s_direct_steps[C1_STEP_COUNT] = {
    [C1_STEP_NEW_TRAIL] = {s_stack_step, s_desired_new_trail},
    [C1_STEP_WS_ROLE] = {s_stack_step, s_desired_ws_role},
    [C1_STEP_WS_CONNECTOR] = {s_connector_step, NULL},
    [C1_STEP_C1_ROLE] = {s_stack_step, s_desired_c1_role},
    [C1_STEP_C1_CLOUD_ACCOUNT] = {s_cloud_account_step, NULL},
    [C1_STEP_CLOUDTRAIL_TOKEN] = {s_token_step, NULL},
    [C1_STEP_CLOUDTRAIL_STACK] = {s_stack_step, s_desired_cloudtrail},
};

/* The stack step `id` as the row wants it. False when an input is not known yet (plan). */
static bool s_spec(struct c1_account_job *job, enum c1_step_id id, struct stack_spec *s)
{
	memset(s, 0, sizeof(*s));
	s_stack_name(job, id, s->name, sizeof(s->name));
	return s_direct_steps[id].desired(job, s);
}

static struct c1_stack_desired s_desired_of(struct c1_account_job *job, enum c1_step_id id,
					    const struct stack_spec *s)
{
	struct c1_stack_desired want = {s->name, s->params, s->nparams, false, NULL};
	/* a token fetched for a stack not in sync must reach it, though NoEcho hides it */
	want.secret_renewed = id == C1_STEP_CLOUDTRAIL_STACK && job->ct_have && !D(job)->ct_in_sync;
	return want;
}

/* ---- stacks: observe, act ---- */

static void s_take_output(struct c1_account_job *job, const struct c1_cfn_stack *st,
			  const struct stack_spec *s)
{
	struct c1_step_rec *rec = &job->steps[job->step];
	s_set_resource(job, s->name);
	if (st->stack_id) {
		free(rec->physical);
		rec->physical = c1_strdup(st->stack_id);
	}
	const char *output = c1_step_def(job->step)->output;
	const char *v = output ? c1_cfn_kv_get(st->outputs, st->output_count, output) : NULL;
	if (v && s->output_to) {
		free(*s->output_to);
		*s->output_to = c1_strdup(v);
	}
}

/* Apply: drive the stack toward the row's wish, by the recovery its status allows. */
static int s_stack_act(struct c1_account_job *job, struct c1_task_ctx *ctx, const struct stack_spec *s)
{
	struct c1_stack_machine *m = &D(job)->sm;
	switch (c1_stack_action_for_status(m->found ? m->cur.status : NULL)) {
	case C1_STACK_CREATE: c1_stack_machine_goto(m, C1_STACK_PHASE_CREATE); return C1_TASK_AGAIN;
	case C1_STACK_CHECK: c1_stack_machine_goto(m, C1_STACK_PHASE_UPDATE); return C1_TASK_AGAIN;
	case C1_STACK_WAIT:
		c1_stack_machine_goto(m, C1_STACK_PHASE_LOOK);
		return c1_task_wait_for(ctx, c1_job_next_poll(job));
	case C1_STACK_DELETE_AND_CREATE:
		c1_stack_machine_goto(m, C1_STACK_PHASE_DELETE);
		return C1_TASK_AGAIN;
	case C1_STACK_CONTINUE_ROLLBACK:
		c1_stack_machine_goto(m, C1_STACK_PHASE_CONTINUE_ROLLBACK);
		return C1_TASK_AGAIN;
	case C1_STACK_FAIL:
	default:
		c1_error_set("stack %s is in state %s, which c1onboard cannot recover; fix it in the "
			     "CloudFormation console and run again",
			     s->name, m->cur.status ? m->cur.status : "?");
		return s_step_fail(job, NULL, "stack cannot be recovered");
	}
}

/* ---- the row's trail and bucket ---- */

static int s_stack_reconcile(struct c1_account_job *job, struct c1_task_ctx *ctx, const struct stack_spec *s);

/* What is known of the row's trail and bucket, into the step's change: a
 * new-trail row's on its new_trail step, an existing bucket on the
 * cloudtrail_stack step (its stack forwards from it; preflight looked). */
static void s_diff_trail(struct c1_account_job *job, struct c1_change *ch)
{
	struct direct *d = D(job);
	bool mine = job->row->create_new_trail ? job->step == C1_STEP_NEW_TRAIL
					       : job->step == C1_STEP_CLOUDTRAIL_STACK;
	if (!mine || !c1_job_policy(job)->checks_bucket)
		return;
	char trail_stack[64], ctrl_stack[64];
	s_stack_name(job, C1_STEP_NEW_TRAIL, trail_stack, sizeof(trail_stack));
	s_stack_name(job, C1_STEP_CLOUDTRAIL_STACK, ctrl_stack, sizeof(ctrl_stack));
	struct c1_trail_observed o = {job->row->account_id,
				      job->region,
				      NULL,
				      ctrl_stack,
				      job->row->bucket,
				      d->pf_bucket_gone ? C1_SEEN_ABSENT : C1_SEEN_UNKNOWN,
				      NULL,
				      C1_SEEN_UNKNOWN,
				      C1_SEEN_UNKNOWN};
	if (job->row->create_new_trail) {
		o.trail_stack = trail_stack;
		o.bucket = job->trail_bucket;
		o.bucket_seen = d->tc_bucket_seen;
		o.trail = d->tc_trail;
		o.trail_seen = d->tc_trail_seen;
		o.logging = d->tc_logging;
	}
	c1_diff_trail(&o, ch);
}

/* Apply cannot bring back what c1_diff_trail found gone (CloudFormation does
 * not recreate it, and pointing a forwarder at a missing bucket helps no
 * one): the account stays drifted, its reason the console action. */
static int s_stack_manual(struct c1_account_job *job, const struct c1_change *ch)
{
	if (ch->drift)
		c1_job_add_drift(job, ch->plane, ch->resource, ch->drift, ch->want, ch->have,
				 c1_change_fix(ch));
	for (size_t i = 0; i < ch->entry_count; i++)
		s_add_entry(job, ch, &ch->entries[i]);
	c1_job_reason(job, false, "%s", ch->note);
	C1_WARN("account", "%s %s: %s", job->row->account_id, job->region, ch->note);
	return s_step_done(job, C1_PLAN_MANUAL);
}

/* A look that could not tell (AccessDenied, a 5xx after its retries) claims
 * nothing: the trail and bucket are left as found, and the log says why. */
static void s_trail_unknown(struct c1_account_job *job, const char *call, const struct c1_api_error *err)
{
	C1_INFO("account", "%s %s: %s on the new trail's resources failed (%s); not judged",
		job->row->account_id, job->region, call, err->code[0] ? err->code : c1_error_last());
}

/* TC_RESOURCES: the trail the -Trail stack made; CloudFormation generates its name. */
static int s_trail_resources(struct c1_account_job *job, struct c1_task_ctx *ctx, const char *stack)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_cfn_resource_list list = C1_CFN_RESOURCE_LIST_INIT;
	GATE(job->aws.rl_cfn);
	int rc = c1_cfn_describe_stack_resources(&list, &job->aws.cfn, &job->aws.view, stack, &err);
	enum c1_call_verdict v =
	    c1_call_after(job->run, ctx, job->aws.rl_cfn, rc, 0, &err, true, &job->quota, &job->call);
	for (size_t i = 0; v == C1_CALL_OK && i < list.count && !d->tc_trail; i++) {
		const struct c1_cfn_resource *r = &list.items[i];
		if (r->resource_type && strcmp(r->resource_type, "AWS::CloudTrail::Trail") == 0 &&
		    r->physical_id && r->physical_id[0])
			d->tc_trail = c1_strdup(r->physical_id);
	}
	c1_cfn_resource_list_dispose(&list);
	if (v == C1_CALL_RETRY)
		return C1_TASK_WAIT;
	if (v == C1_CALL_FAIL)
		s_trail_unknown(job, "DescribeStackResources", &err);
	d->tc = d->tc_trail ? TC_STATUS : TC_BUCKET;
	return C1_TASK_AGAIN;
}

/* TC_STATUS: is the trail there and logging? Only TrailNotFoundException says it is gone. */
static int s_trail_status(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	bool logging = false;
	GATE(job->aws.rl_ct);
	int rc = c1_cloudtrail_get_trail_status(&logging, &job->aws.ct, &job->aws.view, d->tc_trail, &err);
	enum c1_call_verdict v = c1_call_after(job->run, ctx, job->aws.rl_ct, rc, C1_ENOTFOUND, &err, true,
					       &job->quota, &job->call);
	if (v == C1_CALL_RETRY)
		return C1_TASK_WAIT;
	if (v == C1_CALL_FAIL) {
		s_trail_unknown(job, "GetTrailStatus", &err);
	} else if (rc == C1_ENOTFOUND) {
		d->tc_trail_seen = C1_SEEN_ABSENT;
	} else {
		d->tc_trail_seen = C1_SEEN_PRESENT;
		d->tc_logging = logging ? C1_SEEN_PRESENT : C1_SEEN_ABSENT;
	}
	d->tc = TC_BUCKET;
	return C1_TASK_AGAIN;
}

/* TC_BUCKET: the stack's BucketName; only S3's 404 says it is gone. Then the diff. */
static int s_trail_bucket(struct c1_account_job *job, struct c1_task_ctx *ctx, const struct stack_spec *s)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_s3_bucket_info info = {0};
	if (job->trail_bucket) {
		GATE(job->aws.rl_s3);
		int rc = c1_s3_head_bucket(&info, &job->aws.s3, &job->aws.view, job->trail_bucket,
					   job->aws.s3_path_style, &err);
		enum c1_call_verdict v = c1_call_after(job->run, ctx, job->aws.rl_s3, rc, C1_ENOTFOUND, &err,
						       true, &job->quota, &job->call);
		if (v == C1_CALL_RETRY)
			return C1_TASK_WAIT;
		if (v == C1_CALL_FAIL)
			s_trail_unknown(job, "HeadBucket", &err);
		else
			d->tc_bucket_seen = rc == C1_ENOTFOUND ? C1_SEEN_ABSENT : C1_SEEN_PRESENT;
	}
	d->tc = TC_DONE;
	return s_stack_reconcile(job, ctx, s);
}

static int s_trail_observe(struct c1_account_job *job, struct c1_task_ctx *ctx, const struct stack_spec *s)
{
	switch (D(job)->tc) {
	case TC_RESOURCES: return s_trail_resources(job, ctx, s->name);
	case TC_STATUS: return s_trail_status(job, ctx);
	case TC_BUCKET:
	default: return s_trail_bucket(job, ctx, s);
	}
}

/* The machine looked at the stack: diff it, and let the mode decide. */
static int s_stack_reconcile(struct c1_account_job *job, struct c1_task_ctx *ctx, const struct stack_spec *s)
{
	struct c1_stack_machine *m = &D(job)->sm;
	struct c1_step_rec *rec = &job->steps[job->step];
	const struct c1_cfn_stack *have = m->found ? &m->cur : NULL;
	if (have && !c1_stack_is_ours(have, job->row->account_id)) {
		c1_error_set("stack %s exists and is not tagged c1onboard:account=%s", s->name,
			     job->row->account_id);
		return s_step_fail(job, NULL, "foreign stack");
	}
	enum c1_stack_action a = c1_stack_action_for_status(have ? have->status : NULL);
	if (have && a != C1_STACK_CREATE) {
		struct c1_resource_key key = s_key(job, C1_RESOURCE_STACK, s->name);
		rec->owned = rec->owned || s_ledger_owned(job, &key, have->stack_id);
	}
	if (a == C1_STACK_CHECK)
		s_take_output(job, have, s); /* later steps want them, whatever this one does */
	if (a == C1_STACK_CHECK && c1_job_policy(job)->detects_resource_drift && !m->drift_checked) {
		c1_stack_machine_goto(m, C1_STACK_PHASE_DETECT_DRIFT);
		return C1_TASK_AGAIN;
	}
	if (a == C1_STACK_CHECK && job->step == C1_STEP_NEW_TRAIL && c1_job_policy(job)->checks_bucket &&
	    D(job)->tc == TC_NONE) {
		D(job)->tc = TC_RESOURCES;
		return C1_TASK_AGAIN;
	}
	struct c1_stack_desired want = s_desired_of(job, job->step, s);
	struct c1_change ch;
	c1_diff_stack(have, &want, m->no_updates, &ch);
	c1_diff_stack_resources(&m->drifts, &ch);
	s_diff_trail(job, &ch);
	int ret = C1_TASK_AGAIN;
	if (!s_gate(job, &ch, m->found, &ret))
		return ret;
	if (ch.entry_count > 0)
		return s_stack_manual(job, &ch);
	return s_stack_act(job, ctx, s);
}

static int s_stack_failed(struct c1_account_job *job, const struct c1_stack_machine *m)
{
	char what[64];
	switch (m->failure) {
	case C1_STACK_REFUSED:
		snprintf(what, sizeof(what), "%s not sent", m->failed_call);
		return s_step_fail(job, NULL, what);
	case C1_STACK_VANISHED: return s_step_fail(job, NULL, "stack vanished");
	case C1_STACK_ENDED_FAILED: return s_step_fail(job, &m->err, "stack failed");
	case C1_STACK_NOT_DELETED:
		c1_error_set("stack %s could not be deleted before re-creating it: %s", m->name,
			     m->cur.status);
		return s_step_fail(job, NULL, "delete failed");
	case C1_STACK_CALL_FAILED:
	default:
		snprintf(what, sizeof(what), "%s failed", m->failed_call ? m->failed_call : "CloudFormation");
		return s_step_fail(job, &m->err, what);
	}
}

static struct c1_cfn_stack_input s_stack_input(struct c1_account_job *job, const struct stack_spec *s,
					       struct c1_cfn_tag *tags)
{
	static const char *const caps[] = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM",
					   "CAPABILITY_AUTO_EXPAND"};
	struct c1_cfn_stack_input in = {0};
	in.stack_name = s->name;
	in.template_body = s->template_body;
	in.template_url = s->template_url;
	in.parameters = s->params;
	in.parameter_count = s->nparams;
	in.capabilities = caps;
	in.capability_count = 3;
	in.tags = tags;
	in.tag_count = c1_stack_tags(job, tags, C1_STACK_MAX_TAGS);
	return in;
}

/* What the machine's last run means for the step. */
static int s_stack_event(struct c1_account_job *job, struct c1_task_ctx *ctx, enum c1_stack_event ev,
			 const struct stack_spec *s)
{
	struct c1_stack_machine *m = &D(job)->sm;
	struct c1_step_rec *rec = &job->steps[job->step];
	rec->wrote = rec->wrote || m->wrote;
	/* A create that may have gone through is ours to undo: the undo looks first
	 * and deletes only a stack that exists and carries our tag. */
	if ((m->created || m->maybe_created) && !rec->owned) {
		rec->owned = true;
		s_set_resource(job, s->name);
	}
	switch (ev) {
	case C1_STACK_PENDING: return m->task_rc;
	case C1_STACK_OBSERVED:
	case C1_STACK_DRIFT_KNOWN: return s_stack_reconcile(job, ctx, s);
	case C1_STACK_SETTLED:
		s_take_output(job, &m->cur, s);
		return s_step_done(job, m->updating ? C1_PLAN_UPDATE : C1_PLAN_CREATE);
	case C1_STACK_DELETED: /* a dead stack cleared: create it afresh */
		c1_stack_machine_goto(m, C1_STACK_PHASE_CREATE);
		job->poll_ms = 0;
		return C1_TASK_AGAIN;
	case C1_STACK_FAILED:
	default: return s_stack_failed(job, m);
	}
}

static int s_stack_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_stack_machine *m = &d->sm;
	struct stack_spec s;
	bool known = s_spec(job, job->step, &s);
	int ret;
	if (!d->sm_active) {
		c1_stack_machine_init(m, s.name, job->step);
		d->sm_active = true;
		bool seeded = !d->pre_used[job->step] && job->aws_ready;
		d->pre_used[job->step] = true;
		if (seeded) {
			/* preflight looked already */
			c1_stack_machine_seed(m, &d->pre[job->step], d->pre_found[job->step]);
			ret = s_stack_reconcile(job, ctx, &s);
			s_spec_dispose(&s);
			return ret;
		}
	}
	if (d->tc != TC_NONE && d->tc != TC_DONE) {
		ret = s_trail_observe(job, ctx, &s);
		s_spec_dispose(&s);
		return ret;
	}
	bool writes = m->phase == C1_STACK_PHASE_CREATE || m->phase == C1_STACK_PHASE_UPDATE;
	if (writes && (!known || (job->step == C1_STEP_CLOUDTRAIL_STACK && !job->ct_have))) {
		c1_error_set("inputs of stack %s are not known (an earlier step gave no output)", s.name);
		s_spec_dispose(&s);
		return s_step_fail(job, NULL, "missing input");
	}
	struct c1_cfn_tag tags[C1_STACK_MAX_TAGS];
	struct c1_cfn_stack_input in = s_stack_input(job, &s, tags);
	ret = s_stack_event(job, ctx, c1_stack_machine_step(m, job, ctx, &in), &s);
	s_spec_dispose(&s);
	return ret;
}

/* ---- Cloud One resources ---- */

/* The verdict on a Cloud One create that alternates with a look-up. Its tries
 * live in write_call, so the look-up between two creates does not reset them;
 * a retry observes again first, as the create may have gone through. */
static enum c1_call_verdict s_create_after(struct c1_account_job *job, struct c1_task_ctx *ctx, int rc,
					   const struct c1_api_error *err)
{
	job->call = job->write_call;
	enum c1_call_verdict v = AFTER(s_rl_c1(job), rc, 0, err);
	job->write_call = job->call;
	/* A throttled create was refused, not lost: send it again without a look-up. */
	if (v == C1_CALL_RETRY && rc != C1_EINPROGRESS && !(err && err->throttling)) {
		job->call = C1_CALL_TRIES_INIT;
		D(job)->rs = RS_OBSERVE;
	}
	return v;
}

/* A Cloud One record of this step was created (the ledger, the record, the step). */
static void s_record_created(struct c1_account_job *job, const struct c1_resource_key *key, const char *id)
{
	c1_job_state_written(job->run,
			     c1_state_resource_created(job->run->state, key, job->run->run_id, id, NULL));
	s_set_resource(job, id);
	job->steps[job->step].owned = true;
	job->steps[job->step].wrote = true;
}

static int s_connector_observe(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	GATE(s_rl_c1(job));
	struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
	int rc = c1_cloudone_ws_connector_find(&c, &job->tenant->c1, acct, &err);
	enum c1_call_verdict v = AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err);
	if (v != C1_CALL_OK) {
		c1_cloudone_ws_connector_dispose(&c);
		if (v == C1_CALL_RETRY)
			return C1_TASK_WAIT;
		return s_step_fail(job, &err, "looking up the Workload Security connector failed");
	}
	if (rc == 0) {
		char idbuf[32];
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)c.id);
		struct c1_resource_key key = s_key(job, C1_RESOURCE_WS_CONNECTOR, acct);
		job->connector_id = c.id;
		s_set_resource(job, idbuf);
		job->steps[job->step].owned = s_ledger_owned(job, &key, idbuf);
		job->steps[job->step].existed = true;
	}
	struct c1_change ch;
	c1_diff_connector(acct, rc == 0, c.cross_account_role_arn, job->ws_role_arn, &ch);
	int ret = C1_TASK_AGAIN;
	bool act = s_gate(job, &ch, rc == 0, &ret);
	if (act && ch.action == C1_PLAN_UPDATE)
		/* Workload Security switches a connector's role in place: repair it
		 * instead of deleting a connector the customer's computers hang on. */
		C1_INFO("account", "%s %s: connector %lld uses role %s; setting it to %s", acct, job->region,
			(long long)c.id, c.cross_account_role_arn, job->ws_role_arn);
	c1_cloudone_ws_connector_dispose(&c);
	if (act)
		D(job)->rs = ch.action == C1_PLAN_UPDATE ? RS_UPDATE : RS_CREATE;
	return ret;
}

static int s_connector_update(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	/* Setting the role is idempotent: a retry sends it again, no look-up needed. */
	struct c1_api_error err = C1_API_ERROR_INIT;
	GATE(s_rl_c1(job));
	struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
	int rc =
	    c1_cloudone_ws_connector_update(&c, &job->tenant->c1, job->connector_id, job->ws_role_arn, &err);
	c1_cloudone_ws_connector_dispose(&c);
	switch (AFTER(s_rl_c1(job), rc, 0, &err)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		return s_step_fail(job, &err, "setting the Workload Security connector's role failed");
	default: break;
	}
	job->steps[job->step].wrote = true;
	return s_step_done(job, C1_PLAN_UPDATE);
}

static int s_connector_create(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_WS_CONNECTOR, acct);
	GATE(s_rl_c1(job));
	if (job->write_call.attempt == 0 && c1_job_intent(job, ctx, &key, false) != 0)
		return s_step_fail(job, NULL, "connector create not sent");
	struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
	const char *display = job->row->name[0] ? job->row->name : NULL;
	int rc = c1_cloudone_ws_connector_create(&c, &job->tenant->c1, display, acct, job->ws_role_arn, &err);
	enum c1_call_verdict v = s_create_after(job, ctx, rc, &err);
	if (v != C1_CALL_OK) {
		c1_cloudone_ws_connector_dispose(&c);
		if (v == C1_CALL_RETRY)
			return C1_TASK_WAIT;
		return s_step_fail(job, &err, "creating the Workload Security connector failed");
	}
	char idbuf[32];
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)c.id);
	job->connector_id = c.id;
	s_record_created(job, &key, idbuf);
	c1_cloudone_ws_connector_dispose(&c);
	return s_step_done(job, C1_PLAN_CREATE);
}

static int s_connector_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	if (d->rs == RS_OBSERVE)
		return s_connector_observe(job, ctx);
	if (!job->ws_role_arn) {
		c1_error_set("the ws_role stack gave no RoleArn output");
		return s_step_fail(job, NULL, "missing role");
	}
	return d->rs == RS_UPDATE ? s_connector_update(job, ctx) : s_connector_create(job, ctx);
}

/* The registered cloud account against the row, its role `role_arn` known
 * gone or not: the mode decides; apply re-registers one whose role is gone. */
static int s_cloud_account_judge(struct c1_account_job *job, const char *role_arn, bool role_gone)
{
	const char *acct = job->row->account_id;
	struct c1_change ch;
	c1_diff_cloud_account(acct, true, role_arn, job->c1_role_arn, role_gone, &ch);
	int ret = C1_TASK_AGAIN;
	if (!s_gate(job, &ch, true, &ret))
		return ret;
	if (ch.action == C1_PLAN_UPDATE) {
		C1_INFO("account", "%s %s: cloud account's role %s is gone; registering the account again",
			acct, job->region, role_arn);
		D(job)->rs = RS_DEREGISTER;
		return C1_TASK_AGAIN;
	}
	/* Apply cannot change it (c1_diff_cloud_account): report the drift, leave the record alone. */
	c1_job_add_drift(job, ch.plane, ch.resource, ch.drift, ch.want, ch.have, c1_change_fix(&ch));
	c1_job_reason(job, false, "%s", ch.note);
	C1_WARN("account", "%s %s: %s", acct, job->region, ch.note);
	return s_step_done(job, C1_PLAN_MANUAL);
}

/* The cloud account found registered: adopt it; a role other than the row's
 * (or one the row cannot name yet) is asked about in IAM first, when it is a
 * role of the row's own account (the only one its credentials can read). */
static int s_cloud_account_found(struct c1_account_job *job, const char *role_arn)
{
	struct direct *d = D(job);
	const char *acct = job->row->account_id;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_CLOUD_ACCOUNT, acct);
	free(job->cloud_account_id);
	job->cloud_account_id = c1_strdup(acct);
	s_set_resource(job, acct);
	job->steps[job->step].owned = s_ledger_owned(job, &key, acct);
	job->steps[job->step].existed = true;
	char role_account[13], role_name[72];
	bool differs = role_arn && (!job->c1_role_arn || strcmp(role_arn, job->c1_role_arn) != 0);
	if (differs && job->aws_ready &&
	    c1_iam_role_arn_parse(role_arn, role_account, role_name, sizeof(role_name)) &&
	    strcmp(role_account, acct) == 0) {
		free(d->ca_have_role);
		d->ca_have_role = c1_strdup(role_arn);
		d->rs = RS_ROLE_CHECK;
		return C1_TASK_AGAIN;
	}
	return s_cloud_account_judge(job, role_arn, false);
}

/* RS_ROLE_CHECK: IAM GetRole on the cloud account's role. Only NoSuchEntity
 * says it is gone; any other answer leaves the record alone. */
static int s_cloud_account_role_check(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	char role_account[13], role_name[72];
	if (!c1_iam_role_arn_parse(d->ca_have_role, role_account, role_name, sizeof(role_name)))
		return s_cloud_account_judge(job, d->ca_have_role, false);
	GATE(job->aws.rl_iam);
	int rc = c1_iam_get_role(&job->aws.iam, &job->aws.view, role_name, &err);
	switch (c1_job_call_after(job, ctx, job->aws.rl_iam, rc, C1_ENOTFOUND, &err, true)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		C1_INFO("account",
			"%s %s: cannot tell whether role %s exists (%s); the cloud account is left as it is",
			job->row->account_id, job->region, d->ca_have_role,
			err.code[0] ? err.code : c1_error_last());
		return s_cloud_account_judge(job, d->ca_have_role, false);
	default: break;
	}
	return s_cloud_account_judge(job, d->ca_have_role, rc == C1_ENOTFOUND);
}

/* RS_DEREGISTER: delete the cloud account whose role is gone, then register
 * it again under this row's claim. Another row of the AWS account (another
 * region) may have got there first: then look again. */
static int s_cloud_account_deregister(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_cloud_index *idx = job->tenant->cloud_index;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_CLOUD_ACCOUNT, acct);
	if (!job->c1_role_arn) {
		c1_error_set("the c1_role stack gave no CloudOneRoleArn output to register the account with");
		return s_step_fail(job, NULL, "missing role");
	}
	char *role = NULL;
	bool same = c1_cloud_index_lookup(idx, acct, job, &role) == C1_CLOUD_PRESENT && role &&
		    strcmp(role, d->ca_have_role) == 0;
	free(role);
	if (!same) {
		d->rs = RS_OBSERVE;
		return C1_TASK_AGAIN;
	}
	GATE(s_rl_c1(job));
	if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0)
		return s_step_fail(job, NULL, "cloud account delete not sent");
	int rc = c1_cloudone_cloud_account_delete(&job->tenant->c1, acct, &err);
	switch (AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		return s_step_fail(job, &err, "deleting the cloud account to register it again failed");
	default: break;
	}
	c1_cloud_index_remove(idx, acct);
	c1_job_state_written(job->run, c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
	job->steps[job->step].wrote = true;
	job->outcome.was_onboarded = true; /* it had a cloud account: this run repairs it */
	if (!c1_cloud_index_claim(idx, acct, job)) {
		d->rs = RS_OBSERVE;
		return C1_TASK_AGAIN;
	}
	d->ca_claimed = true;
	d->rs = RS_CREATE;
	return C1_TASK_AGAIN;
}

static int s_cloud_account_unconfirmed_conflict(struct c1_account_job *job)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	snprintf(err.code, sizeof(err.code), "UnconfirmedConflict");
	snprintf(err.message, sizeof(err.message),
		 "Cloud One refused to register AWS account %s as a conflict (HTTP %ld), but its list of "
		 "cloud accounts does not show the account; check Cloud Account Management in the Cloud One "
		 "console",
		 acct, d->ca_conflict_status);
	err.http_status = d->ca_conflict_status;
	c1_error_set("%s", err.message);
	if (d->ca_claimed)
		c1_cloud_index_unclaim(job->tenant->cloud_index, acct, job);
	d->ca_claimed = false;
	return s_step_fail(job, &err, "registering the AWS account in Cloud One failed");
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
	enum c1_call_verdict v = AFTER(s_rl_c1(job), rc, 0, &err);
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
	if (d->ca_conflict)
		return s_cloud_account_unconfirmed_conflict(job);
	/* The earlier create did not go through: send it again under the same claim. */
	if (!c1_cloud_index_claim(idx, acct, job)) {
		d->rs = RS_OBSERVE;
		return C1_TASK_AGAIN;
	}
	d->ca_claimed = true;
	d->rs = RS_CREATE;
	return C1_TASK_AGAIN;
}

/* The adopt-or-create decision reads the tenant's index (one listing per
 * tenant and run), not the tenant's list (pages proportional to its size). */
static int s_cloud_account_observe(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_cloud_index *idx = job->tenant->cloud_index;
	int rc = c1_tenant_cloud_index(job->tenant, ctx, &err);
	if (rc == C1_TASK_BLOCK)
		return rc;
	if (rc)
		return s_step_fail(job, &err, "listing Cloud One cloud accounts failed");
	if (d->ca_recheck) {
		d->rs = RS_RECHECK;
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
	struct c1_change ch;
	c1_diff_cloud_account(acct, false, NULL, job->c1_role_arn, false, &ch);
	int ret = C1_TASK_AGAIN;
	if (!s_gate(job, &ch, false, &ret))
		return ret;
	if (!c1_cloud_index_claim(idx, acct, job))
		return C1_TASK_AGAIN;
	d->ca_claimed = true;
	d->rs = RS_CREATE;
	return C1_TASK_AGAIN;
}

static int s_cloud_account_create(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_CLOUD_ACCOUNT, acct);
	struct c1_cloud_index *idx = job->tenant->cloud_index;
	GATE(s_rl_c1(job));
	if (job->write_call.attempt == 0 && c1_job_intent(job, ctx, &key, false) != 0)
		return s_step_fail(job, NULL, "cloud account create not sent");
	struct c1_cloudone_cloud_account ca = C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
	const char *alias = job->row->name[0] ? job->row->name : NULL;
	int rc = c1_cloudone_cloud_account_create(&ca, &job->tenant->c1, job->c1_role_arn, alias, "c1onboard",
						  &err);
	c1_cloudone_cloud_account_dispose(&ca);
	if (rc == C1_EAPI && err.http_status == 409) {
		/* Registered already (an earlier attempt, or someone else): find it in the list. */
		d->ca_recheck = true;
		d->ca_conflict = true;
		d->ca_conflict_status = err.http_status;
		d->rs = RS_OBSERVE;
		job->call = C1_CALL_TRIES_INIT;
		job->write_call = C1_CALL_TRIES_INIT;
		return C1_TASK_AGAIN;
	}
	enum c1_call_verdict v = s_create_after(job, ctx, rc, &err);
	if (v == C1_CALL_RETRY) {
		/* s_create_after sends an uncertain create back to observe: for a
		 * cloud account that is a re-check of the list, not the index. */
		if (d->rs == RS_OBSERVE)
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
	free(job->cloud_account_id);
	job->cloud_account_id = c1_strdup(acct);
	s_record_created(job, &key, acct);
	return s_step_done(job, C1_PLAN_CREATE);
}

static int s_cloud_account_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	switch (d->rs) {
	case RS_OBSERVE: return s_cloud_account_observe(job, ctx);
	case RS_RECHECK: return s_cloud_account_recheck(job, ctx);
	case RS_ROLE_CHECK: return s_cloud_account_role_check(job, ctx);
	case RS_DEREGISTER: return s_cloud_account_deregister(job, ctx);
	case RS_CREATE:
	case RS_UPDATE:
	default: break;
	}
	if (!job->c1_role_arn) {
		c1_cloud_index_unclaim(job->tenant->cloud_index, job->row->account_id, job);
		d->ca_claimed = false;
		c1_error_set("the c1_role stack gave no CloudOneRoleArn output");
		return s_step_fail(job, NULL, "missing role");
	}
	return s_cloud_account_create(job, ctx);
}

/* Is the forwarder stack, as preflight saw it, already what the row wants? */
static bool s_cloudtrail_in_sync(struct c1_account_job *job)
{
	struct direct *d = D(job);
	const struct c1_cfn_stack *st = &d->pre[C1_STEP_CLOUDTRAIL_STACK];
	if (!d->pre_found[C1_STEP_CLOUDTRAIL_STACK] ||
	    c1_stack_action_for_status(st->status) != C1_STACK_CHECK)
		return false;
	struct stack_spec s;
	char diff[300];
	bool known = s_spec(job, C1_STEP_CLOUDTRAIL_STACK, &s);
	bool same = known && c1_stack_params_match(st, s.params, s.nparams, diff, sizeof(diff));
	s_spec_dispose(&s);
	return same;
}

/* The CloudTrail token is asked for only when the forwarder stack is not already in sync. */
static int s_token_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	if (!d->token_fetch) {
		d->ct_in_sync = s_cloudtrail_in_sync(job);
		if (d->ct_in_sync)
			job->steps[job->step].existed = true;
		struct c1_change ch = {.action = d->ct_in_sync ? C1_PLAN_UNCHANGED : C1_PLAN_CREATE};
		int ret = C1_TASK_AGAIN;
		if (!s_gate(job, &ch, d->ct_in_sync, &ret))
			return ret;
		d->token_fetch = true;
	}
	GATE(s_rl_c1(job));
	c1_cloudone_cloudtrail_params_dispose(&job->ct);
	int rc =
	    c1_cloudone_cloudtrail_stack(&job->ct, &job->tenant->c1, job->row->account_id, job->region, &err);
	switch (AFTER(s_rl_c1(job), rc, 0, &err)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL: return s_step_fail(job, &err, "getting the CloudTrail stack parameters failed");
	default: break;
	}
	job->ct_have = true;
	job->steps[job->step].wrote = true;
	return s_step_done(job, C1_PLAN_CREATE);
}

/* ---- undo (rollback, and offboard toward absent) ---- */

/* The undo of step `id` ended: `ok`, or failed with `err` (a report rollback entry either way). */
static int s_undo_end(struct c1_account_job *job, enum c1_step_id id, const char *resource, bool ok,
		      const struct c1_api_error *err)
{
	struct direct *d = D(job);
	if (ok) {
		c1_job_add_rollback(job, c1_step_def(id)->name, resource, C1_STEP_UNDONE, NULL);
	} else {
		struct c1_api_error e = err ? *err : (struct c1_api_error)C1_API_ERROR_INIT;
		if (!e.code[0])
			snprintf(e.code, sizeof(e.code), "UndoFailed");
		if (!e.message[0])
			snprintf(e.message, sizeof(e.message), "%s", c1_error_last());
		c1_job_add_rollback(job, c1_step_def(id)->name,
				    job->steps[id].resource ? job->steps[id].resource : resource,
				    C1_STEP_UNDO_FAILED, &e);
	}
	d->undo_ok = ok;
	d->undo = UNDO_FINISHED;
	return C1_TASK_AGAIN;
}

/* Offboard found nothing of ours to remove. */
static int s_undo_absent(struct c1_account_job *job, enum c1_step_id id)
{
	struct direct *d = D(job);
	d->undo_ok = true;
	d->undo = UNDO_FINISHED;
	job->steps[id].status = C1_STEP_SKIPPED;
	return C1_TASK_AGAIN;
}

static int s_undo_refused(struct c1_account_job *job, enum c1_step_id id, const char *resource)
{
	struct c1_api_error e = C1_API_ERROR_INIT;
	D(job)->store_refused = true;
	snprintf(e.code, sizeof(e.code), "StateStore");
	return s_undo_end(job, id, resource, false, &e);
}

static int s_undo_stack(struct c1_account_job *job, struct c1_task_ctx *ctx, enum c1_step_id id)
{
	struct direct *d = D(job);
	struct c1_stack_machine *m = &d->sm;
	if (!d->sm_active) {
		char name[64];
		s_stack_name(job, id, name, sizeof(name));
		c1_stack_machine_init(m, name, id);
		c1_stack_machine_goto(m,
				      d->undo == UNDO_OBSERVE ? C1_STACK_PHASE_LOOK : C1_STACK_PHASE_DELETE);
		d->sm_active = true;
	}
	enum c1_stack_event ev = c1_stack_machine_step(m, job, ctx, NULL);
	job->outcome.wrote = job->outcome.wrote || m->wrote;
	switch (ev) {
	case C1_STACK_PENDING: return m->task_rc;
	case C1_STACK_OBSERVED:
		if (!m->found || !c1_stack_is_ours(&m->cur, job->row->account_id)) {
			if (m->found)
				C1_WARN("offboard", "%s: stack %s is not tagged as ours; left alone",
					job->row->account_id, m->name);
			return s_undo_absent(job, id);
		}
		d->undo = UNDO_DELETE;
		c1_stack_machine_goto(m, C1_STACK_PHASE_DELETE);
		return C1_TASK_AGAIN;
	case C1_STACK_DELETED: return s_undo_end(job, id, m->name, true, NULL);
	case C1_STACK_FAILED:
	default:
		if (m->failure == C1_STACK_REFUSED)
			return s_undo_refused(job, id, m->name);
		return s_undo_end(job, id, m->name, false, &m->err);
	}
}

static int s_undo_connector(struct c1_account_job *job, struct c1_task_ctx *ctx, enum c1_step_id id)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_WS_CONNECTOR, job->row->account_id);
	int rc;
	if (d->undo == UNDO_OBSERVE || job->connector_id <= 0) {
		GATE(s_rl_c1(job));
		struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
		rc = c1_cloudone_ws_connector_find(&c, &job->tenant->c1, job->row->account_id, &err);
		job->connector_id = rc == 0 ? c.id : 0;
		c1_cloudone_ws_connector_dispose(&c);
		switch (AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err)) {
		case C1_CALL_RETRY: return C1_TASK_WAIT;
		case C1_CALL_FAIL: return s_undo_end(job, id, "ws_connector", false, &err);
		default: break;
		}
		if (rc == C1_ENOTFOUND)
			return s_undo_absent(job, id);
	}
	d->undo = UNDO_DELETE;
	char name[32];
	snprintf(name, sizeof(name), "%lld", (long long)job->connector_id);
	GATE(s_rl_c1(job));
	if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0)
		return s_undo_refused(job, id, name);
	rc = c1_cloudone_ws_connector_delete(&job->tenant->c1, job->connector_id, &err);
	switch (AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL: return s_undo_end(job, id, name, false, &err);
	default: break;
	}
	job->outcome.wrote = true;
	c1_job_state_written(job->run, c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
	return s_undo_end(job, id, name, true, NULL);
}

static int s_undo_cloud_account(struct c1_account_job *job, struct c1_task_ctx *ctx, enum c1_step_id id)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *acct = job->row->account_id;
	struct c1_resource_key key = s_key(job, C1_RESOURCE_CLOUD_ACCOUNT, acct);
	int rc;
	if (d->undo == UNDO_OBSERVE) {
		rc = c1_tenant_cloud_index(job->tenant, ctx, &err);
		if (rc == C1_TASK_BLOCK)
			return rc;
		if (rc)
			return s_undo_end(job, id, acct, false, &err);
		if (c1_cloud_index_lookup(job->tenant->cloud_index, acct, job, NULL) != C1_CLOUD_PRESENT)
			return s_undo_absent(job, id);
	}
	d->undo = UNDO_DELETE;
	GATE(s_rl_c1(job));
	if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0)
		return s_undo_refused(job, id, acct);
	rc = c1_cloudone_cloud_account_delete(&job->tenant->c1, acct, &err);
	switch (AFTER(s_rl_c1(job), rc, C1_ENOTFOUND, &err)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL: return s_undo_end(job, id, acct, false, &err);
	default: break;
	}
	c1_cloud_index_remove(job->tenant->cloud_index, acct);
	job->outcome.wrote = true;
	c1_job_state_written(job->run, c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
	return s_undo_end(job, id, acct, true, NULL);
}

/* Remove the resource of step `id`; d->undo is UNDO_FINISHED (and d->undo_ok set) when done. */
static int s_undo(struct c1_account_job *job, struct c1_task_ctx *ctx, enum c1_step_id id)
{
	switch (c1_step_def(id)->undo) {
	case C1_UNDO_DELETE_STACK: return s_undo_stack(job, ctx, id);
	case C1_UNDO_DELETE_CONNECTOR: return s_undo_connector(job, ctx, id);
	case C1_UNDO_DELETE_CLOUD_ACCOUNT: return s_undo_cloud_account(job, ctx, id);
	case C1_UNDO_NONE:
	default:
		D(job)->undo_ok = true;
		D(job)->undo = UNDO_FINISHED;
		return C1_TASK_AGAIN;
	}
}

/* Deleting more would leave the ledger behind the cloud, and undoing only
 * part breaks what the rest depends on (a cloud account whose role stack is
 * gone): what is left stays, and says why. */
static void s_rollback_stopped(struct c1_account_job *job, enum c1_step_id id)
{
	struct c1_api_error e = C1_API_ERROR_INIT;
	snprintf(e.code, sizeof(e.code), "StateStore");
	snprintf(e.message, sizeof(e.message),
		 "not undone: the state store could not record a delete; free space in --state-dir, then run "
		 "apply (which completes the account) or offboard");
	s_undo_end(job, id, c1_step_def(id)->name, false, &e);
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
	if (d->undo == UNDO_OBSERVE)
		d->undo = UNDO_DELETE; /* a rollback knows what it made */
	if (d->store_refused)
		s_rollback_stopped(job, id);
	else
		r = s_undo(job, ctx, id);
	if (d->undo != UNDO_FINISHED)
		return r;
	/* The step that failed keeps reading `failed` (with its error) once its
	 * debris is cleaned up; the report's rollback lists the undo. */
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
		enum c1_undo_kind u = c1_step_def(id)->undo;
		c1_job_reason(job, true, "%s; rollback left %s %s behind", job->reason,
			      u == C1_UNDO_NONE ? "step" : c1_resource_kind_name(s_ledger_kind(u)),
			      job->steps[id].resource ? job->steps[id].resource : c1_step_def(id)->name);
	}
	job->rollback_i++;
	s_step_reset(job);
	return C1_TASK_AGAIN;
}

/* Offboard: each resource toward absent, in reverse step order. */
static int s_offboard_step(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	enum c1_step_id id = job->step;
	int r = s_undo(job, ctx, id);
	if (d->undo != UNDO_FINISHED)
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

static void s_copy_tenant_step(struct c1_account_job *job, enum c1_step_id id, int slot)
{
	struct c1_tenant *t = job->tenant;
	struct c1_step_rec *s = &job->steps[id];
	s->status = t->steps[slot].status;
	s->attempts = t->steps[slot].attempts;
	s->started_ms = t->steps[slot].started_ms;
	s->finished_ms = t->steps[slot].finished_ms;
	if (t->failed && t->failed_step == id) {
		s->status = C1_STEP_FAILED;
		s->has_error = true;
		s->err = t->err;
	}
	if (s->status == C1_STEP_PENDING && t->failed)
		s->status = C1_STEP_SKIPPED;
	if (s->status == C1_STEP_PENDING)
		return;
	struct c1_state_step_outcome o = {0};
	o.status = s->status;
	if (s->has_error) {
		o.error_code = s->err.code;
		o.error_message = s->err.message;
		o.http_status = s->err.http_status;
	}
	c1_job_state_written(
	    job->run, c1_state_step_finish(job->run->state, job->run->run_id, job->row->account_id,
					   job->region[0] ? job->region : "-", c1_step_def(id)->name, &o));
}

static void s_copy_tenant_steps(struct c1_account_job *job)
{
	s_copy_tenant_step(job, C1_STEP_CLOUDONE_ACCOUNT, 0);
	s_copy_tenant_step(job, C1_STEP_VISIONONE_LINK, 1);
}

static bool s_any_stack_found(const struct direct *d)
{
	for (int i = 0; i < C1_STEP_COUNT; i++)
		if (d->pre_found[i])
			return true;
	return false;
}

/* Preflight's look at each stack step's stack, one per task run. */
static int s_preflight_stacks(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	struct c1_api_error err = C1_API_ERROR_INIT;
	while (d->pf_step < C1_STEP_COUNT &&
	       (!c1_step_def((enum c1_step_id)d->pf_step)->stack_suffix ||
		!c1_step_applies((enum c1_step_id)d->pf_step, job->row->create_new_trail)))
		d->pf_step++;
	if (d->pf_step >= C1_STEP_COUNT || !c1_job_policy(job)->deploys_stacks) {
		if (d->pf_bucket_gone && !s_any_stack_found(d))
			return s_invalid(job, d->pf_code, d->pf_why);
		c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_DONE, NULL, NULL);
		job->stage = ST_STEPS;
		job->step = c1_job_policy(job)->toward_absent ? C1_STEP_COUNT : C1_STEP_PREFLIGHT;
		return s_next_step(job);
	}
	enum c1_step_id id = (enum c1_step_id)d->pf_step;
	char name[64];
	s_stack_name(job, id, name, sizeof(name));
	GATE(job->aws.rl_cfn);
	c1_cfn_stack_dispose(&d->pre[id]);
	int rc = c1_cfn_describe_stack(&d->pre[id], &job->aws.cfn, &job->aws.view, name, &err);
	enum c1_call_verdict v = c1_job_call_after(job, ctx, job->aws.rl_cfn, rc, C1_ENOTFOUND, &err, true);
	if (v == C1_CALL_RETRY)
		return C1_TASK_WAIT;
	if (v == C1_CALL_FAIL) {
		char msg[700];
		c1_api_error_format(&err, msg, sizeof(msg));
		return s_invalid(job, err.code[0] ? err.code : "DescribeStacks", msg);
	}
	d->pre_found[id] = rc == 0;
	if (rc == 0 && !c1_stack_is_ours(&d->pre[id], job->row->account_id)) {
		char msg[300];
		snprintf(msg, sizeof(msg),
			 "stack %s already exists and was not made by c1onboard for this account (no tag "
			 "c1onboard:account=%s); pick another stack_name",
			 name, job->row->account_id);
		return s_invalid(job, "StackNameTaken", msg);
	}
	d->pf_step++;
	return C1_TASK_AGAIN;
}

static int s_preflight(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	struct direct *d = D(job);
	if (d->pf == PF_STACKS)
		return s_preflight_stacks(job, ctx);
	char code[64], why[480];
	enum c1_check_verdict v = c1_job_preflight_checks(job, ctx, code, sizeof(code), why, sizeof(why));
	if (v == C1_CHECK_WAIT)
		return C1_TASK_WAIT;
	if (v == C1_CHECK_INVALID && job->bucket_gone && c1_job_policy(job)->deploys_stacks) {
		/* Gone from a row that was onboarded with it, the bucket is drift
		 * (c1_diff_trail), not a bad row: the row's stacks tell which. */
		d->pf_bucket_gone = true;
		snprintf(d->pf_code, sizeof(d->pf_code), "%s", code);
		snprintf(d->pf_why, sizeof(d->pf_why), "%s", why);
		job->bucket_checked = true;
		v = C1_CHECK_OK;
	}
	if (v == C1_CHECK_INVALID)
		return s_invalid(job, code, why);
	d->pf = PF_STACKS;
	d->pf_step = 0;
	return C1_TASK_AGAIN;
}

/* The tenant failed: its accounts end with its error. */
static int s_tenant_failed(struct c1_account_job *job)
{
	struct c1_tenant *t = job->tenant;
	if (!job->region[0] && t->aws_region)
		snprintf(job->region, sizeof(job->region), "%s", t->aws_region);
	s_copy_tenant_steps(job);
	c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_SKIPPED, NULL, NULL);
	c1_job_reason(job, false, "%s", t->error);
	if (t->failed_step == C1_STEP_CLOUDONE_ACCOUNT && t->err.http_status == 401) {
		job->outcome.invalid = true;
	} else {
		job->outcome.failed = true;
		job->outcome.rollback_clean = false;
	}
	job->stage = ST_FINISH;
	return C1_TASK_AGAIN;
}

static int s_setup(struct c1_account_job *job)
{
	struct c1_tenant *t = job->tenant;
	c1_job_step_start(job, C1_STEP_PREFLIGHT);
	job->steps[C1_STEP_PREFLIGHT].attempts = 1;
	if (t->failed)
		return s_tenant_failed(job);
	if (!job->region[0]) {
		snprintf(job->region, sizeof(job->region), "%s", t->aws_region);
	} else if (strcmp(job->region, t->aws_region) != 0) {
		char msg[300];
		snprintf(
		    msg, sizeof(msg),
		    "region %s is not the AWS region of the Cloud One account's region %s (%s); leave the "
		    "region empty or set %s",
		    job->region, t->c1_region, t->aws_region, t->aws_region);
		s_copy_tenant_steps(job);
		return s_invalid(job, "RegionMismatch", msg);
	}
	s_copy_tenant_steps(job);
	/* The tenant's link is every account's: a drift run reports it on each (apply links it again). */
	if (t->visionone == C1_V1_NOT_LINKED && c1_job_policy(job)->reports_drift)
		c1_job_add_drift(job, C1_DRIFT_VISIONONE, "visionone_link", "not_linked", "linked",
				 "not linked",
				 "apply links the tenant's Cloud One account to Vision One again");
	if (c1_aws_context_init(&job->aws, job->run->aws, job->row->profile, job->row->account_id,
				job->region) != 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", c1_error_last());
		return s_invalid(job, "Configuration", msg);
	}
	job->stage = ST_PREFLIGHT;
	D(job)->pf = PF_CHECKS;
	return C1_TASK_AGAIN;
}

/* Stamp what this account owns as belonging to this (finishing) run, so a
 * later failed run never undoes a working integration. */
static void s_stamp_owned(struct c1_account_job *job)
{
	for (int i = 0; i < C1_STEP_COUNT; i++) {
		const struct c1_step_rec *s = &job->steps[i];
		enum c1_undo_kind u = c1_step_def((enum c1_step_id)i)->undo;
		if (!s->owned || !s->resource || u == C1_UNDO_NONE)
			continue;
		const char *name = u == C1_UNDO_DELETE_STACK ? s->resource : job->row->account_id;
		struct c1_resource_key key = s_key(job, s_ledger_kind(u), name);
		c1_job_state_written(
		    job->run,
		    c1_state_resource_created(job->run->state, &key, job->run->run_id, s->physical, NULL));
	}
}

static int s_finish(struct c1_account_job *job)
{
	struct direct *d = D(job);
	const struct c1_mode_policy *p = c1_job_policy(job);
	for (int i = 0; i < C1_STEP_COUNT; i++) {
		job->outcome.wrote = job->outcome.wrote || job->steps[i].wrote;
		c1_cfn_stack_dispose(&d->pre[i]);
	}
	s_step_reset(job);
	if (d->ca_claimed)
		c1_cloud_index_unclaim(job->tenant->cloud_index, job->row->account_id, job);
	free(d->ca_cursor);
	free(d->ca_have_role);
	job->outcome.drift_command = p->records_plan || p->reports_drift;
	if (p->records_plan)
		c1_job_plan_outcome(job);
	if (job->outcome.wrote && !job->outcome.failed && !job->outcome.invalid) {
		/* Was the account onboarded before (then this run `repaired` it)? */
		for (int i = 0; i < C1_STEP_COUNT; i++)
			if (c1_step_def((enum c1_step_id)i)->proves_onboarded && job->steps[i].existed &&
			    !job->steps[i].owned)
				job->outcome.was_onboarded = true;
	}
	if (!job->outcome.failed && !job->outcome.invalid && p->rolls_back)
		s_stamp_owned(job);
	free(job->strategy_data);
	job->strategy_data = NULL;
	return C1_TASK_DONE;
}

/* A signal arrived: stop at this safe point; a resumed run picks the work up from the ledger. */
static void s_interrupt(struct c1_account_job *job)
{
	if (job->stage == ST_STEPS)
		c1_job_step_finish(job, job->step, C1_STEP_PENDING, NULL, "interrupted");
	if (job->outcome.failed)
		job->outcome.rollback_clean = false; /* its rollback stopped part-way */
	else
		job->outcome.interrupted = true;
	c1_job_reason(job, false, "interrupted (SIGINT/SIGTERM); run apply again to finish");
	job->stage = ST_FINISH;
}

static int s_run(struct c1_account_job *job, struct c1_task_ctx *ctx)
{
	if (ctx->cancelled && job->stage != ST_FINISH)
		s_interrupt(job);
	switch ((enum direct_stage)job->stage) {
	case ST_TENANT:
		if (!c1_sched_event_is_signalled(job->tenant->ready))
			return c1_task_block_on(ctx, job->tenant->ready);
		job->stage = ST_SETUP;
		/* fall through */
	case ST_SETUP: return s_setup(job);
	case ST_PREFLIGHT: return s_preflight(job, ctx);
	case ST_STEPS:
		if (c1_job_policy(job)->toward_absent)
			return s_offboard_step(job, ctx);
		if (!s_direct_steps[job->step].reconcile)
			return s_next_step(job);
		return s_direct_steps[job->step].reconcile(job, ctx);
	case ST_ROLLBACK: return s_rollback(job, ctx);
	case ST_FINISH:
	default: return s_finish(job);
	}
}

const struct c1_strategy_ops c1_strategy_direct = {
    .name = "direct", .run = s_run, .report = NULL, .links_visionone = false};
