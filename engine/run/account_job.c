/* The account job: task glue, the retry/rate-limit gate around each call,
 * step records and the account's report entry. */
#include "engine/run/account_job.h"

#include "engine/aws/s3.h"
#include "engine/core/advice.h"
#include "engine/aws/sts.h"
#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/run/io_park.h"
#include "reports/report_json.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t c1_job_now_wall(void)
{
	const struct c1_clock *c = c1_clock_system();
	return c->wall_ms(c->ctx);
}

int c1_job_intent(struct c1_account_job *job, struct c1_task_ctx *ctx, const struct c1_resource_key *key,
		  bool deleting)
{
	if (c1_io_replaying(ctx))
		return 0;
	struct c1_state *st = job->run->state;
	int rc = deleting ? c1_state_resource_delete_intent(st, key, job->run->run_id)
			  : c1_state_resource_intent(st, key, job->run->run_id, NULL);
	if (rc != 0) {
		char why[512]; /* c1_error_set must not read the message it replaces */
		snprintf(why, sizeof(why), "%s", c1_error_last());
		c1_io_disarm();
		c1_error_set(
		    "the state store could not record the %s of %s %s before making it, so it was not "
		    "made: %s",
		    deleting ? "delete" : "create", c1_resource_kind_name(key->kind), key->name, why);
	}
	return rc;
}

int c1_job_state_written(struct c1_run_shared *run, int rc)
{
	if (rc != 0 && atomic_fetch_add(&run->state_write_failures, 1) == 0)
		C1_WARN("state",
			"a state-store write failed: %s; accounts go on, and the next run checks what this "
			"one could not record with look-ups (free space in --state-dir)",
			c1_error_last());
	return rc;
}

int64_t c1_job_next_poll(struct c1_account_job *job)
{
	if (job->poll_ms <= 0)
		job->poll_ms = job->run->poll_min_ms;
	else if (job->poll_ms * 2 <= job->run->poll_max_ms)
		job->poll_ms *= 2;
	else
		job->poll_ms = job->run->poll_max_ms;
	job->poll_waited_ms += job->poll_ms;
	return job->poll_ms;
}

int64_t c1_job_poll_begin(struct c1_account_job *job, enum c1_step_id step, enum c1_poll_op op)
{
	job->poll_ms = 0;
	job->poll_waited_ms = 0;
	job->poll_kind = (int)step * C1_POLL_OP_COUNT + (int)op;
	int64_t wait = c1_job_next_poll(job);
	int64_t learned = atomic_load(&job->run->poll_learned_ms[job->poll_kind]);
	if (learned > wait) {
		job->poll_waited_ms = learned;
		wait = learned;
	}
	return wait;
}

void c1_job_poll_complete(struct c1_account_job *job)
{
	if (job->poll_kind < 0)
		return;
	_Atomic int64_t *slot = &job->run->poll_learned_ms[job->poll_kind];
	int64_t seen = atomic_load(slot);
	while ((seen == 0 || job->poll_waited_ms < seen) &&
	       !atomic_compare_exchange_weak(slot, &seen, job->poll_waited_ms))
		;
	job->poll_kind = -1;
}

int c1_call_gate(struct c1_run_shared *run, struct c1_task_ctx *ctx, const char *rl_key)
{
	/* A run repeating a call whose answer arrived passed this gate when it sent it. */
	if (!c1_io_replaying(ctx)) {
		int64_t wait = c1_ratelimit_try_acquire(run->rl, rl_key, ctx->now_ms);
		if (wait > 0)
			return c1_task_wait_for(ctx, wait);
	}
	c1_io_arm(ctx);
	return 0;
}

int c1_job_gate(struct c1_account_job *job, struct c1_task_ctx *ctx, const char *rl_key)
{
	c1_io_disarm(); /* a credentials refresh (AssumeRole) is sent synchronously */
	if (job->aws_ready && c1_aws_context_refresh(&job->aws) != 0 && !job->refresh_warned) {
		/* Keep the held credentials: they may still work, and the call says if not. */
		job->refresh_warned = true;
		C1_WARN("account", "%s: refreshing the credentials of profile \"%s\" failed: %s",
			job->row->account_id, job->row->profile, c1_error_last());
	}
	return c1_call_gate(job->run, ctx, rl_key);
}

enum c1_call_verdict c1_call_after(struct c1_run_shared *run, struct c1_task_ctx *ctx, const char *rl_key,
				   int rc, int ok_alt, const struct c1_api_error *err, bool aws,
				   struct c1_retry_quota *quota, struct c1_call_tries *tries)
{
	const struct c1_retry_policy *policy = aws ? &run->retry_aws : &run->retry_trend;
	if (rc == C1_EINPROGRESS) {
		/* Sent, not answered: the task parks on the request and repeats the call
		 * when the answer is in. Nothing is counted: the answer will be. */
		ctx->wake_at_ms = ctx->now_ms;
		return C1_CALL_RETRY;
	}
	tries->attempt++;
	if (rc == 0 || (ok_alt != 0 && rc == ok_alt)) {
		c1_ratelimit_on_success(run->rl, rl_key, ctx->now_ms);
		c1_retry_on_success(policy, quota, tries->last_cost);
		*tries = C1_CALL_TRIES_INIT;
		return C1_CALL_OK;
	}
	if (err && err->throttling)
		c1_ratelimit_on_throttle(run->rl, rl_key, ctx->now_ms);
	else
		c1_ratelimit_on_success(run->rl, rl_key, ctx->now_ms);
	if (err && !ctx->cancelled) {
		if (!err->throttling)
			tries->failures++;
		/* A throttled try is priced as a first retry: the rate limiter,
		 * not the backoff, is what slows a throttled sender. */
		int counted = err->throttling ? 1 : tries->failures;
		struct c1_retry_decision d;
		c1_retry_decide(&d, policy, quota, counted, err, c1_rand_default());
		if (d.retry) {
			tries->last_cost = d.cost;
			ctx->wake_at_ms = ctx->now_ms + d.delay_ms;
			return C1_CALL_RETRY;
		}
		bool spent = d.reason == C1_RETRY_REASON_ATTEMPTS_EXHAUSTED ||
			     d.reason == C1_RETRY_REASON_QUOTA_EXHAUSTED;
		if (spent && tries->outage < run->outage_retries) {
			int64_t delay = run->outage_delay_ms << tries->outage;
			tries->outage++;
			struct c1_log_fields lf = C1_LOG_FIELDS_INIT;
			lf.event = "retry_wait";
			lf.attempt = tries->attempt;
			lf.http_status = err->http_status;
			lf.request_id = err->request_id;
			c1_log_fields_fill(&lf); /* the account (or tenant) this task works for */
			c1_log_ev(
			    C1_LOG_WARN, "retry", &lf,
			    "%s%s%s%s%s%s%s: %s (HTTP %ld) after %d tries; trying again in %.1f s (outage "
			    "retry %d of %d)",
			    lf.account_id ? lf.account_id : "", lf.account_id ? " " : "",
			    lf.region ? lf.region : "", lf.region ? " " : "", lf.step ? lf.step : "",
			    lf.step ? " " : "", rl_key, err->code[0] ? err->code : "error", err->http_status,
			    tries->attempt, (double)delay / 1000.0, tries->outage, run->outage_retries);
			tries->last_cost = 0;
			ctx->wake_at_ms = ctx->now_ms + delay;
			return C1_CALL_RETRY;
		}
	}
	*tries = C1_CALL_TRIES_INIT;
	return C1_CALL_FAIL;
}

static void s_note_retry(struct c1_step_rec *s, const struct c1_api_error *err, int64_t wait_ms, bool outage)
{
	char at[32];
	s->retries_total++;
	if (s->retries_len >= C1_REPORT_MAX_RETRIES)
		return;
	s->retries = c1_realloc(s->retries, (s->retries_len + 1) * sizeof(*s->retries));
	struct c1_report_retry *r = &s->retries[s->retries_len++];
	memset(r, 0, sizeof(*r));
	c1_report_format_time(at, c1_job_now_wall());
	r->at = c1_strdup(at);
	r->code = c1_strdup(err->code[0] ? err->code : "Error");
	r->http_status = err->http_status;
	r->request_id = err->request_id[0] ? c1_strdup(err->request_id) : NULL;
	r->wait_s = wait_ms > 0 ? (double)wait_ms / 1000.0 : 0;
	r->outage = outage;
}

enum c1_call_verdict c1_job_call_after(struct c1_account_job *job, struct c1_task_ctx *ctx,
				       const char *rl_key, int rc, int ok_alt, const struct c1_api_error *err,
				       bool aws)
{
	int outage_before = job->call.outage;
	enum c1_call_verdict v =
	    c1_call_after(job->run, ctx, rl_key, rc, ok_alt, err, aws, &job->quota, &job->call);
	if (v == C1_CALL_RETRY && rc != C1_EINPROGRESS && err)
		s_note_retry(&job->steps[job->step], err, ctx->wake_at_ms - ctx->now_ms,
			     job->call.outage > outage_before);
	return v;
}

enum c1_check_verdict c1_job_check_identity(struct c1_account_job *job, struct c1_task_ctx *ctx, char *code,
					    size_t code_len, char *msg, size_t msg_len)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_sts_identity id = C1_STS_IDENTITY_INIT;
	enum c1_check_verdict verdict = C1_CHECK_INVALID;
	/* Cheap after the first call: the profile's provider caches. The first
	 * one's AssumeRole parks this task on the I/O loop like any gated call
	 * (no client-side ceiling for the hub's STS: docs/rate-limits.md). */
	c1_io_arm(ctx);
	int crc = c1_aws_context_credentials(&job->aws);
	c1_io_disarm();
	if (crc == C1_EINPROGRESS) {
		ctx->wake_at_ms = ctx->now_ms;
		return C1_CHECK_WAIT;
	}
	if (crc == C1_ETHROTTLED || crc == C1_ETRANSPORT || crc == C1_ETIMEOUT) {
		/* A throttled or failed AssumeRole is retried like any call: at scale the
		 * hub's STS throttles, and one lost answer must not judge the row invalid. */
		struct c1_api_error cerr = C1_API_ERROR_INIT;
		c1_api_error_from_transport(&cerr, crc == C1_ETIMEOUT ? C1_ETIMEOUT : C1_ETRANSPORT,
					    c1_error_last());
		if (crc == C1_ETHROTTLED) {
			snprintf(cerr.code, sizeof(cerr.code), "Throttling");
			cerr.throttling = cerr.retryable = true;
		}
		if (c1_job_call_after(job, ctx, job->aws.rl_sts, crc, 0, &cerr, true) == C1_CALL_RETRY)
			return C1_CHECK_WAIT;
	}
	if (crc != 0) {
		snprintf(code, code_len, "Credentials");
		snprintf(msg, msg_len, "credentials of profile \"%s\": %s", job->row->profile,
			 c1_error_last());
		return C1_CHECK_INVALID;
	}
	if (c1_call_gate(job->run, ctx, job->aws.rl_sts))
		return C1_CHECK_WAIT;
	int rc = c1_sts_get_caller_identity(&id, &job->aws.sts, &job->aws.view, &err);
	enum c1_call_verdict v = c1_job_call_after(job, ctx, job->aws.rl_sts, rc, 0, &err, true);
	if (v == C1_CALL_RETRY) {
		verdict = C1_CHECK_WAIT;
	} else if (v == C1_CALL_FAIL) {
		snprintf(code, code_len, "%s", err.code[0] ? err.code : "Credentials");
		c1_api_error_format(&err, msg, msg_len);
	} else if (!id.account || strcmp(id.account, job->row->account_id) != 0) {
		snprintf(code, code_len, "AccountMismatch");
		snprintf(
		    msg, msg_len,
		    "profile \"%s\" signs in to AWS account %s, not %s; fix the profile or the account_id",
		    job->row->profile, id.account ? id.account : "?", job->row->account_id);
	} else {
		job->aws_ready = true;
		c1_report_set_str(&job->caller_arn, id.arn);
		verdict = C1_CHECK_OK;
	}
	c1_sts_identity_dispose(&id);
	return verdict;
}

enum c1_check_verdict c1_job_check_bucket(struct c1_account_job *job, struct c1_task_ctx *ctx, char *code,
					  size_t code_len, char *msg, size_t msg_len)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_s3_bucket_info info = {0};
	const char *bucket = job->row->bucket;
	if (c1_job_gate(job, ctx, job->aws.rl_s3))
		return C1_CHECK_WAIT;
	int rc = c1_s3_head_bucket(&info, &job->aws.s3, &job->aws.view, bucket, job->aws.s3_path_style, &err);
	enum c1_call_verdict v = c1_job_call_after(job, ctx, job->aws.rl_s3, rc, C1_ENOTFOUND, &err, true);
	if (v == C1_CALL_RETRY)
		return C1_CHECK_WAIT;
	if (rc == C1_ENOTFOUND) {
		job->bucket_gone = true;
		snprintf(code, code_len, "NoSuchBucket");
		snprintf(msg, msg_len,
			 "bucket \"%s\" does not exist; give an existing CloudTrail bucket or set "
			 "create_new_trail",
			 bucket);
		return C1_CHECK_INVALID;
	}
	if (v == C1_CALL_FAIL || !info.region[0]) {
		char e[600] = "no x-amz-bucket-region in the reply";
		if (v == C1_CALL_FAIL)
			c1_api_error_format(&err, e, sizeof(e));
		snprintf(code, code_len, "%s", err.code[0] ? err.code : "BucketCheck");
		snprintf(msg, msg_len, "bucket \"%s\" cannot be checked: %s", bucket, e);
		return C1_CHECK_INVALID;
	}
	if (strcmp(info.region, job->region) != 0) {
		snprintf(code, code_len, "BucketRegion");
		snprintf(msg, msg_len, "bucket \"%s\" is in %s, not in the account's region %s", bucket,
			 info.region, job->region);
		return C1_CHECK_INVALID;
	}
	return C1_CHECK_OK;
}

enum c1_check_verdict c1_job_preflight_checks(struct c1_account_job *job, struct c1_task_ctx *ctx, char *code,
					      size_t code_len, char *msg, size_t msg_len)
{
	enum c1_check_verdict v;
	if (!job->aws_ready) {
		v = c1_job_check_identity(job, ctx, code, code_len, msg, msg_len);
		if (v != C1_CHECK_OK)
			return v;
		/* The bucket check is the next call: in the next task run. */
		ctx->wake_at_ms = ctx->now_ms;
		return C1_CHECK_WAIT;
	}
	if (!job->bucket_checked && !job->row->create_new_trail && c1_job_policy(job)->checks_bucket) {
		v = c1_job_check_bucket(job, ctx, code, code_len, msg, msg_len);
		if (v != C1_CHECK_OK)
			return v;
		job->bucket_checked = true;
	}
	return C1_CHECK_OK;
}

void c1_job_invalid(struct c1_account_job *job, const char *code, const char *msg)
{
	struct c1_api_error e = C1_API_ERROR_INIT;
	snprintf(e.code, sizeof(e.code), "%s", code);
	snprintf(e.message, sizeof(e.message), "%.*s", (int)sizeof(e.message) - 1,
		 msg); /* truncation intended */
	c1_job_step_finish(job, C1_STEP_PREFLIGHT, C1_STEP_FAILED, &e, NULL);
	c1_job_reason(job, false, "preflight: %s", msg);
	job->outcome.invalid = true;
}

static const char *s_job_step_name(const void *who)
{
	const struct c1_step_def *d = c1_step_def(((const struct c1_account_job *)who)->step);
	return d ? d->name : NULL;
}

static int s_job_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct c1_account_job *job = t->data;
	/* Lines logged while the account runs say which account, region and step. */
	struct c1_log_scope scope = {job->row->account_id, job->region, s_job_step_name, job};
	const struct c1_log_scope *prev = c1_log_scope_enter(&scope);
	if (job->started_ms == 0) {
		job->started_ms = c1_job_now_wall();
		struct c1_state_account a = {0};
		a.row = job->row_no;
		a.line = (int)job->row->line;
		a.account_id = job->row->account_id;
		a.region = job->region[0] ? job->region : job->row->region;
		a.name = job->row->name[0] ? job->row->name : NULL;
		a.status = C1_ACCOUNT_RUNNING;
		a.started_at_ms = job->started_ms;
		a.duration_ms = -1;
		c1_job_state_written(job->run,
				     c1_state_account_upsert(job->run->state, job->run->run_id, &a));
	}
	int r = job->run->strategy->run(job, ctx);
	if (r == C1_TASK_DONE)
		job->finished_ms = c1_job_now_wall();
	c1_log_scope_leave(prev);
	return r;
}

static void s_job_release(struct c1_task *t, enum c1_task_end end)
{
	struct c1_account_job *job = t->data;
	struct c1_run_shared *run = job->run;
	if (end != C1_TASK_END_DONE) {
		if (job->started_ms == 0) {
			job->outcome.not_started = true;
			if (c1_scheduler_cancelled(run->sched))
				c1_job_reason(
				    job, false,
				    "not started: the run was interrupted (SIGINT/SIGTERM) first; run "
				    "the command again");
			else
				c1_job_reason(
				    job, false,
				    "not started: more accounts failed than --max-failures allows, so "
				    "the run stopped starting new ones; fix those failures and run again");
		} else {
			job->outcome.interrupted = true;
			c1_job_reason(job, false,
				      "the run was interrupted before this account finished; the next run "
				      "resumes it");
		}
	} else {
		atomic_fetch_add(&run->finished, 1);
		if (job->outcome.failed) {
			long n = atomic_fetch_add(&run->failures, 1) + 1;
			if (run->max_failures >= 0 && n > run->max_failures) {
				C1_WARN(
				    "run",
				    "%ld accounts failed, more than --max-failures allows: no new account "
				    "starts",
				    n);
				c1_scheduler_stop_admission(run->sched);
			}
		}
	}
	if (run->job_ended)
		run->job_ended(job); /* may free the job */
}

struct c1_account_job *c1_account_job_new(struct c1_run_shared *run, const struct c1_account_spec *spec,
					  int row_no, struct c1_tenant *tenant)
{
	struct c1_account_job *job = c1_calloc(1, sizeof(*job));
	const struct c1_account_spec *row = &job->spec;
	job->run = run;
	job->spec = *spec;
	job->row = row;
	job->row_no = row_no;
	job->tenant = tenant;
	job->poll_kind = -1;
	c1_retry_quota_init(&job->quota, 0);
	snprintf(job->base, sizeof(job->base), "%s", row->stack_name[0] ? row->stack_name : "CloudOne");
	snprintf(job->region, sizeof(job->region), "%s", row->region);
	for (int i = 0; i < C1_STEP_COUNT; i++) {
		job->steps[i].status = C1_STEP_PENDING;
		job->steps[i].err = (struct c1_api_error)C1_API_ERROR_INIT;
	}
	struct c1_cloudone_cloudtrail_params ct = C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT;
	job->ct = ct;
	c1_task_init(&job->task, s_job_run, s_job_release, job);
	return job;
}

static void s_step_rec_dispose(struct c1_step_rec *s)
{
	free(s->resource);
	free(s->physical);
	free(s->plan_note);
	c1_report_retries_free(s->retries, s->retries_len);
	c1_report_events_free(s->events, s->events_len);
}

void c1_account_job_free(struct c1_account_job *job)
{
	if (!job)
		return;
	c1_io_slot_free(&job->task);
	/* The account's own rate-limit buckets (service|region|account) end with it. */
	c1_ratelimit_forget(job->run->rl, job->aws.rl_sts);
	c1_ratelimit_forget(job->run->rl, job->aws.rl_cfn);
	c1_ratelimit_forget(job->run->rl, job->aws.rl_s3);
	c1_aws_context_dispose(&job->aws);
	c1_aws_cache_forget_idle(job->run->aws, job->row->profile);
	for (int i = 0; i < C1_STEP_COUNT; i++)
		s_step_rec_dispose(&job->steps[i]);
	free(job->caller_arn);
	free(job->ws_role_arn);
	free(job->c1_role_arn);
	free(job->trail_bucket);
	free(job->cloud_account_id);
	c1_cloudone_cloudtrail_params_dispose(&job->ct);
	c1_report_rollbacks_free(job->rb, job->rb_len);
	c1_report_drifts_free(job->drift, job->drift_len);
	c1_report_drifts_free(job->repairs, job->repairs_len);
	free(job->strategy_data); /* outlives the task: the report reads it */
	c1_retry_quota_dispose(&job->quota);
	free(job);
}

void c1_job_step_start(struct c1_account_job *job, enum c1_step_id id)
{
	struct c1_step_rec *s = &job->steps[id];
	if (s->status == C1_STEP_PENDING || s->started_ms == 0)
		s->started_ms = c1_job_now_wall();
	s->status = C1_STEP_RUNNING;
	s->attempts++;
	c1_job_state_written(job->run,
			     c1_state_step_start(job->run->state, job->run->run_id, job->row->account_id,
						 job->region[0] ? job->region : "-", c1_step_def(id)->name));
}

void c1_job_step_finish(struct c1_account_job *job, enum c1_step_id id, enum c1_step_status status,
			const struct c1_api_error *err, const char *message)
{
	struct c1_step_rec *s = &job->steps[id];
	s->status = status;
	s->finished_ms = c1_job_now_wall();
	if (s->started_ms == 0)
		s->started_ms = s->finished_ms;
	if (err || message) {
		s->has_error = true;
		if (err)
			s->err = *err;
		if (message)
			snprintf(s->err.message, sizeof(s->err.message), "%s", message);
		if (!s->err.code[0])
			snprintf(s->err.code, sizeof(s->err.code), "%s",
				 status == C1_STEP_FAILED ? "StepFailed" : "Error");
	}
	struct c1_state_step_outcome o = {0};
	o.status = status;
	if (s->has_error) {
		o.error_code = s->err.code;
		o.error_message = s->err.message;
		o.http_status = s->err.http_status;
		o.request_id = s->err.request_id[0] ? s->err.request_id : NULL;
	}
	o.resource_id = s->resource;
	c1_job_state_written(
	    job->run, c1_state_step_finish(job->run->state, job->run->run_id, job->row->account_id,
					   job->region[0] ? job->region : "-", c1_step_def(id)->name, &o));
}

bool c1_job_step_reached(const struct c1_step_rec *s)
{
	return s->attempts > 0 || s->status != C1_STEP_PENDING;
}

/* How strong a change a step plan is: create > update > adopt > nothing. */
static int s_plan_rank(enum c1_plan_action a)
{
	/* What apply would do outranks what it would leave to a person. */
	switch (a) {
	case C1_PLAN_CREATE: return 4;
	case C1_PLAN_UPDATE: return 3;
	case C1_PLAN_ADOPT: return 2;
	case C1_PLAN_MANUAL: return 1;
	default: return 0;
	}
}

void c1_job_plan_outcome(struct c1_account_job *job)
{
	job->outcome.plan_command = true;
	job->outcome.plan = C1_PLAN_UNCHANGED;
	for (int i = C1_STEP_NEW_TRAIL; i < C1_STEP_COUNT; i++) {
		const struct c1_step_rec *s = &job->steps[i];
		if (c1_job_step_reached(s) && s_plan_rank(s->plan) > s_plan_rank(job->outcome.plan))
			job->outcome.plan = s->plan;
		if (s->existed)
			job->outcome.found_existing = true;
	}
}

void c1_job_reason(struct c1_account_job *job, bool force, const char *fmt, ...)
{
	if (job->reason[0] && !force)
		return;
	/* Format aside first: callers may pass job->reason itself as an argument. */
	char line[sizeof(job->reason)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(job->reason, line, sizeof(line));
}

static void s_err_copy(struct c1_report_error *out, const struct c1_api_error *err)
{
	out->code = c1_strdup(err->code[0] ? err->code : "Error");
	out->message = c1_strdup(err->message);
	out->http_status = err->http_status;
	out->request_id = err->request_id[0] ? c1_strdup(err->request_id) : NULL;
	out->retryable = err->retryable;
}

/* What kind of resource undoing `step` removes, as the report names it; NULL when none. */
static char *s_undo_resource_type(const char *step)
{
	const struct c1_step_def *def = c1_step_find(step);
	switch (def ? def->undo : C1_UNDO_NONE) {
	case C1_UNDO_DELETE_STACK: return c1_strdup("cloudformation_stack");
	case C1_UNDO_DELETE_CONNECTOR: return c1_strdup("ws_connector");
	case C1_UNDO_DELETE_CLOUD_ACCOUNT: return c1_strdup("cloud_account");
	default: return NULL;
	}
}

void c1_job_add_rollback(struct c1_account_job *job, const char *step, const char *resource,
			 enum c1_step_status status, const struct c1_api_error *err)
{
	job->rb = c1_realloc(job->rb, (job->rb_len + 1) * sizeof(*job->rb));
	struct c1_report_rollback *r = &job->rb[job->rb_len++];
	memset(r, 0, sizeof(*r));
	r->step = c1_strdup(step);
	r->resource = c1_strdup(resource ? resource : "");
	r->resource_type = s_undo_resource_type(step);
	char at[32];
	c1_report_format_time(at, c1_job_now_wall());
	r->at = c1_strdup(at);
	r->status = status;
	if (err) {
		r->has_error = true;
		s_err_copy(&r->error, err);
	}
}

static struct c1_report_drift *s_drift_append(struct c1_report_drift **list, size_t *len,
					      enum c1_drift_plane plane, const char *resource,
					      const char *kind, const char *expected, const char *actual)
{
	*list = c1_realloc(*list, (*len + 1) * sizeof(**list));
	struct c1_report_drift *d = &(*list)[(*len)++];
	memset(d, 0, sizeof(*d));
	d->plane = plane;
	d->resource = c1_strdup(resource ? resource : "");
	d->kind = c1_strdup(kind ? kind : "");
	d->expected = expected ? c1_strdup(expected) : NULL;
	d->actual = actual ? c1_strdup(actual) : NULL;
	return d;
}

struct c1_report_drift *c1_job_add_drift(struct c1_account_job *job, enum c1_drift_plane plane,
					 const char *resource, const char *kind, const char *expected,
					 const char *actual, const char *fix)
{
	struct c1_report_drift *d =
	    s_drift_append(&job->drift, &job->drift_len, plane, resource, kind, expected, actual);
	d->fix = fix ? c1_strdup(fix) : NULL;
	job->outcome.drift_found = true;
	return d;
}

void c1_job_add_repair(struct c1_account_job *job, enum c1_drift_plane plane, const char *resource,
		       const char *kind, const char *expected, const char *actual, const char *action)
{
	struct c1_report_drift *d =
	    s_drift_append(&job->repairs, &job->repairs_len, plane, resource, kind, expected, actual);
	d->action = c1_strdup(action);
}

/* Plan runs report what apply would do where the plan got that far. */
static bool s_plan_reported(const struct c1_account_job *job, enum c1_plan_action a)
{
	return job->outcome.plan_command && !job->outcome.invalid && !job->outcome.failed &&
	       a != C1_PLAN_SKIP && a != C1_PLAN_INVALID;
}

/* What the row asked for, so an account's report entry explains it without the spreadsheet. */
static char *s_inputs_json(const struct c1_account_spec *row)
{
	json_t *tags = json_object();
	for (size_t i = 0; i < row->tag_count; i++)
		json_object_set_new(tags, row->tags[i].key, json_string(row->tags[i].value));
	json_t *o = json_pack("{s:s, s:s?, s:b, s:s, s:o}", "profile", row->profile, "bucket",
			      row->bucket[0] ? row->bucket : NULL, "create_new_trail", row->create_new_trail,
			      "stack_name", row->stack_name, "tags", tags);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

/* The reached steps into the report; their retries and events are moved (the job ends with its report). */
static void s_report_steps(struct c1_account_job *job, struct c1_report_account *out)
{
	char t0[32], t1[32];
	for (int i = 0; i < C1_STEP_COUNT; i++) {
		struct c1_step_rec *s = &job->steps[i];
		if (s->attempts == 0 && s->status == C1_STEP_PENDING)
			continue;
		struct c1_report_step *rs = c1_report_account_add_step(out);
		rs->name = c1_strdup(c1_step_def((enum c1_step_id)i)->name);
		rs->status = s->status == C1_STEP_RUNNING ? C1_STEP_FAILED : s->status;
		rs->attempts = s->attempts > 0 ? 1 + s->retries_total : 0;
		if (c1_step_def((enum c1_step_id)i)->scope == C1_SCOPE_TENANT)
			rs->attempts = s->attempts; /* the tenant's machine counts its own */
		rs->resource = s->resource ? c1_strdup(s->resource) : NULL;
		rs->resource_id = s->physical ? c1_strdup(s->physical) : NULL;
		/* moved: the job ends with its report */
		rs->retries = s->retries;
		rs->retries_len = s->retries_len;
		rs->events = s->events;
		rs->events_len = s->events_len;
		s->retries = NULL;
		s->retries_len = 0;
		s->events = NULL;
		s->events_len = 0;
		if (s->started_ms) {
			c1_report_format_time(t0, s->started_ms);
			rs->started_at = c1_strdup(t0);
		}
		if (s->finished_ms) {
			c1_report_format_time(t1, s->finished_ms);
			rs->finished_at = c1_strdup(t1);
		}
		if (s->has_error) {
			rs->has_error = true;
			s_err_copy(&rs->error, &s->err);
		}
		if (i >= C1_STEP_NEW_TRAIL && s_plan_reported(job, s->plan)) {
			rs->plan = c1_strdup(c1_plan_action_name(s->plan));
			rs->plan_note = s->plan_note ? c1_strdup(s->plan_note) : NULL;
		}
	}
}

/* "repaired: CloudOne-CTrl (stack_missing) created; ..." as a repaired account's reason. */
static char *s_repairs_line(const struct c1_report_account *a)
{
	struct c1_buf b = C1_BUF_INIT;
	c1_buf_puts(&b, "repaired: ");
	for (size_t i = 0; i < a->repairs_len; i++)
		c1_buf_printf(&b, "%s%s (%s) %s", i ? "; " : "", a->repairs[i].resource, a->repairs[i].kind,
			      a->repairs[i].action);
	if (a->repairs_len == 0)
		c1_buf_puts(&b, "what an earlier run made was put back in place");
	return c1_buf_detach(&b);
}

void c1_account_job_report(struct c1_account_job *job, struct c1_report_account *out)
{
	const struct c1_account_spec *row = job->row;
	out->row = job->row_no;
	out->account_id = c1_strdup(row->account_id);
	out->name = row->name[0] ? c1_strdup(row->name) : NULL;
	out->region = c1_strdup(job->region[0] ? job->region : row->region);
	out->status = c1_account_status_from_outcome(&job->outcome);
	out->duration_s =
	    job->finished_ms > job->started_ms ? (job->finished_ms - job->started_ms) / 1000.0 : 0;
	out->reason = job->reason[0] ? c1_strdup(job->reason) : NULL;
	if (job->tenant && job->tenant->c1_account_id[0])
		out->tenant = c1_strdup(job->tenant->c1_account_id);
	out->inputs_json = s_inputs_json(row);
	if (!job->outcome.not_started)
		s_report_steps(job, out);
	if (s_plan_reported(job, job->outcome.plan))
		out->plan = c1_strdup(c1_plan_action_name(job->outcome.plan));
	/* moved, as the steps' retries are */
	out->rollback = job->rb;
	out->rollback_len = job->rb_len;
	out->drift = job->drift;
	out->drift_len = job->drift_len;
	if (out->status == C1_ACCOUNT_REPAIRED) {
		out->repairs = job->repairs;
		out->repairs_len = job->repairs_len;
		job->repairs = NULL;
		job->repairs_len = 0;
	}
	job->rb = NULL;
	job->rb_len = 0;
	job->drift = NULL;
	job->drift_len = 0;
	out->caller_arn = job->caller_arn ? c1_strdup(job->caller_arn) : NULL;
	if (out->status == C1_ACCOUNT_REPAIRED && !out->reason)
		out->reason = s_repairs_line(out);
	/* Resources that exist after the run. */
	for (int i = 0; i < C1_STEP_COUNT; i++) {
		const struct c1_step_rec *s = &job->steps[i];
		if (!c1_step_def((enum c1_step_id)i)->stack_suffix || s->status != C1_STEP_DONE ||
		    !s->resource)
			continue;
		struct c1_report_stack *st = c1_report_account_add_stack(out);
		st->name = c1_strdup(s->resource);
		st->id = s->physical ? c1_strdup(s->physical) : NULL;
		st->status = c1_strdup("CREATE_COMPLETE");
	}
	if (job->steps[C1_STEP_WS_CONNECTOR].status == C1_STEP_DONE && job->connector_id > 0)
		out->connector_id = c1_asprintf("%lld", (long long)job->connector_id);
	if (job->steps[C1_STEP_C1_CLOUD_ACCOUNT].status == C1_STEP_DONE && job->cloud_account_id)
		out->cloud_account_id = c1_strdup(job->cloud_account_id);

	if (job->run->strategy->report)
		job->run->strategy->report(job, out);
	c1_advise_account(out, c1_mode_name(job->run->mode));
	char *rb = NULL, *drift = NULL, *res = NULL;
	c1_report_account_parts_to_json(out, &rb, &drift, &res);
	struct c1_state_account a = {0};
	a.row = job->row_no;
	a.account_id = row->account_id;
	a.region = out->region;
	a.status = out->status;
	a.finished_at_ms = job->finished_ms;
	a.duration_ms = job->finished_ms > job->started_ms ? job->finished_ms - job->started_ms : 0;
	a.reason = out->reason;
	a.resources_json = res;
	a.drift_json = drift;
	a.rollback_json = rb;
	c1_job_state_written(job->run, c1_state_account_upsert(job->run->state, job->run->run_id, &a));
	free(rb);
	free(drift);
	free(res);
}
