/* The CloudFormation stack machine: one function per phase. */
#include "engine/run/stack_machine.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void c1_stack_machine_init(struct c1_stack_machine *m, const char *name, enum c1_step_id poll_step)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->poll_step = poll_step;
	m->err = (struct c1_api_error)C1_API_ERROR_INIT;
}

void c1_stack_machine_dispose(struct c1_stack_machine *m)
{
	c1_cfn_stack_dispose(&m->cur);
	m->found = false;
	free(m->stack_id);
	m->stack_id = NULL;
	free(m->detection_id);
	m->detection_id = NULL;
	free(m->drift_cursor);
	m->drift_cursor = NULL;
	c1_cfn_resource_drift_page_dispose(&m->drifts);
}

void c1_stack_machine_seed(struct c1_stack_machine *m, struct c1_cfn_stack *st, bool found)
{
	c1_cfn_stack_dispose(&m->cur);
	m->cur = *st;
	memset(st, 0, sizeof(*st));
	m->found = found && !(m->cur.status && strcmp(m->cur.status, "DELETE_COMPLETE") == 0);
}

void c1_stack_machine_goto(struct c1_stack_machine *m, enum c1_stack_phase phase)
{
	m->phase = phase;
}

bool c1_stack_is_ours(const struct c1_cfn_stack *st, const char *account_id)
{
	const char *tag = c1_cfn_kv_get(st->tags, st->tag_count, "c1onboard:account");
	return tag && strcmp(tag, account_id) == 0;
}

size_t c1_stack_tags(const struct c1_account_job *job, struct c1_cfn_tag *tags, size_t cap)
{
	size_t n = 0;
	if (cap < 2)
		return 0;
	tags[n++] = (struct c1_cfn_tag){"c1onboard:account", job->row->account_id};
	tags[n++] = (struct c1_cfn_tag){"c1onboard:run", job->run->run_id};
	for (size_t i = 0; i < job->row->tag_count && n < cap; i++)
		tags[n++] = (struct c1_cfn_tag){job->row->tags[i].key, job->row->tags[i].value};
	return n;
}

/* ---- outcomes ---- */

static enum c1_stack_event s_pending(struct c1_stack_machine *m, int task_rc)
{
	m->task_rc = task_rc;
	return C1_STACK_PENDING;
}

static enum c1_stack_event s_fail(struct c1_stack_machine *m, enum c1_stack_failure why, const char *call,
				  const struct c1_api_error *err)
{
	m->failure = why;
	m->failed_call = call;
	m->err = err ? *err : (struct c1_api_error)C1_API_ERROR_INIT;
	if (!m->err.code[0])
		snprintf(m->err.code, sizeof(m->err.code), "%s",
			 why == C1_STACK_REFUSED ? "StateStore" : "StackFailed");
	if (!m->err.message[0])
		snprintf(m->err.message, sizeof(m->err.message), "%s", c1_error_last());
	return C1_STACK_FAILED;
}

/* "stack NAME ended STATUS: REASON" as the error of a stack that settled where it should not. */
static enum c1_stack_event s_fail_status(struct c1_stack_machine *m, enum c1_stack_failure why,
					 const char *reasons)
{
	struct c1_api_error e = C1_API_ERROR_INIT;
	const char *status = m->cur.status ? m->cur.status : "?";
	snprintf(e.code, sizeof(e.code), "%s", m->cur.status ? m->cur.status : "StackFailed");
	snprintf(e.message, sizeof(e.message), "stack %s ended %s: %s", m->name, status,
		 reasons ? reasons : (m->cur.status_reason ? m->cur.status_reason : "no reason given"));
	c1_error_set("%s", e.message);
	return s_fail(m, why, NULL, &e);
}

static struct c1_resource_key s_key(const struct c1_stack_machine *m, const struct c1_account_job *job)
{
	struct c1_resource_key k = {job->row->account_id, job->region, C1_RESOURCE_STACK, m->name};
	return k;
}

#define AFTER(rc, alt, err) c1_job_call_after(job, ctx, job->aws.rl_cfn, (rc), (alt), (err), true)

/* DescribeStacks into m->cur. OK (m->found set), or PENDING/FAILED. */
static enum c1_stack_event s_describe(struct c1_stack_machine *m, struct c1_account_job *job,
				      struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	c1_cfn_stack_dispose(&m->cur);
	int rc = c1_cfn_describe_stack(&m->cur, &job->aws.cfn, &job->aws.view, m->name, &err);
	switch (AFTER(rc, C1_ENOTFOUND, &err)) {
	case C1_CALL_RETRY: return s_pending(m, C1_TASK_WAIT);
	case C1_CALL_FAIL: return s_fail(m, C1_STACK_CALL_FAILED, "DescribeStacks", &err);
	default: break;
	}
	m->found = rc == 0 && !(m->cur.status && strcmp(m->cur.status, "DELETE_COMPLETE") == 0);
	return C1_STACK_OBSERVED;
}

/* ---- one function per phase ---- */

static enum c1_stack_event s_look(struct c1_stack_machine *m, struct c1_account_job *job,
				  struct c1_task_ctx *ctx)
{
	return s_describe(m, job, ctx);
}

static enum c1_stack_event s_create_or_update(struct c1_stack_machine *m, struct c1_account_job *job,
					      struct c1_task_ctx *ctx, const struct c1_cfn_stack_input *in)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	bool update = m->phase == C1_STACK_PHASE_UPDATE;
	struct c1_resource_key key = s_key(m, job);
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	char *stack_id = NULL;
	bool no_updates = false;
	int rc;
	if (update) {
		rc = c1_cfn_update_stack(&stack_id, &no_updates, &job->aws.cfn, &job->aws.view, in, &err);
	} else {
		if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, false) != 0)
			return s_fail(m, C1_STACK_REFUSED, "CreateStack", NULL);
		rc = c1_cfn_create_stack(&stack_id, &job->aws.cfn, &job->aws.view, in, &err);
		/* A retried create that went through the first time: follow that stack. */
		if (rc == C1_EAPI && strcmp(err.code, "AlreadyExistsException") == 0 && job->call.attempt > 0)
			rc = 0;
		/* A 5xx, a reset or an unreadable reply may hide a stack CloudFormation
		 * made: if the create then fails for good, the rollback must look. */
		if (rc != 0 && rc != C1_EINPROGRESS && err.retryable && !err.throttling)
			m->maybe_created = true;
	}
	switch (AFTER(rc, 0, &err)) {
	case C1_CALL_RETRY: free(stack_id); return s_pending(m, C1_TASK_WAIT);
	case C1_CALL_FAIL:
		free(stack_id);
		/* CloudFormation refused the create (4xx): it made nothing, so the
		 * intent is settled now; a stack of that name that exists (someone
		 * else's AlreadyExists) must not read as ours to a later run. Not when
		 * an earlier try may have gone through: its refusal says nothing of that. */
		if (!update && !m->maybe_created && rc == C1_EAPI && err.http_status >= 400 &&
		    err.http_status < 500)
			c1_job_state_written(
			    job->run, c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
		return s_fail(m, C1_STACK_CALL_FAILED, update ? "UpdateStack" : "CreateStack", &err);
	default: break;
	}
	if (no_updates) {
		/* Only NoEcho values could differ, and CloudFormation saw no change: in sync. */
		free(stack_id);
		m->no_updates = true;
		m->phase = C1_STACK_PHASE_LOOK;
		return s_pending(m, C1_TASK_AGAIN);
	}
	m->wrote = true;
	if (!update) {
		c1_job_state_written(job->run, c1_state_resource_created(job->run->state, &key,
									 job->run->run_id, stack_id, NULL));
		m->created = true;
	}
	free(m->stack_id);
	m->stack_id = stack_id;
	m->updating = update;
	m->op_started_ms = c1_job_now_wall() - 5000; /* clock skew between us and CloudFormation */
	m->phase = C1_STACK_PHASE_POLL;
	return s_pending(m,
			 c1_task_wait_for(ctx, c1_job_poll_begin(job, m->poll_step,
								 update ? C1_POLL_UPDATE : C1_POLL_CREATE)));
}

static enum c1_stack_event s_poll(struct c1_stack_machine *m, struct c1_account_job *job,
				  struct c1_task_ctx *ctx)
{
	enum c1_stack_event ev = s_describe(m, job, ctx);
	if (ev != C1_STACK_OBSERVED)
		return ev;
	if (!m->found) {
		c1_error_set("stack %s disappeared while being %s", m->name,
			     m->updating ? "updated" : "created");
		return s_fail(m, C1_STACK_VANISHED, NULL, NULL);
	}
	switch (c1_cfn_status_classify(m->cur.status)) {
	case C1_CFN_STATUS_IN_PROGRESS: return s_pending(m, c1_task_wait_for(ctx, c1_job_next_poll(job)));
	case C1_CFN_STATUS_COMPLETE: c1_job_poll_complete(job); return C1_STACK_SETTLED;
	default: m->phase = C1_STACK_PHASE_EVENTS; return s_pending(m, C1_TASK_AGAIN);
	}
}

/* The events that explain the failure, as fields of the step's report entry. */
static void s_keep_events(struct c1_step_rec *rec, const struct c1_cfn_event_page *page, int64_t since)
{
	size_t idx[C1_REPORT_MAX_RETRIES];
	size_t n = c1_cfn_failure_events(page, since, idx, sizeof(idx) / sizeof(idx[0]));
	c1_report_events_free(rec->events, rec->events_len);
	rec->events = n ? c1_calloc(n, sizeof(*rec->events)) : NULL;
	rec->events_len = n;
	for (size_t i = 0; i < n; i++) {
		const struct c1_cfn_event *e = &page->items[idx[i]];
		struct c1_report_event *out = &rec->events[i];
		char at[32];
		if (e->timestamp_ms) {
			c1_report_format_time(at, e->timestamp_ms);
			out->at = c1_strdup(at);
		}
		out->logical_id = c1_strdup(e->logical_id ? e->logical_id : "?");
		out->resource_type = e->resource_type ? c1_strdup(e->resource_type) : NULL;
		out->status = c1_strdup(e->status);
		out->reason = e->reason ? c1_strdup(e->reason) : NULL;
	}
}

/* The failed events of this operation (of any, when it has none) as the reason. */
static enum c1_stack_event s_events(struct c1_stack_machine *m, struct c1_account_job *job,
				    struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_cfn_event_page page = C1_CFN_EVENT_PAGE_INIT;
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	int rc = c1_cfn_describe_stack_events(&page, &job->aws.cfn, &job->aws.view, m->name, NULL, &err);
	if (AFTER(rc, C1_ENOTFOUND, &err) == C1_CALL_RETRY) {
		c1_cfn_event_page_dispose(&page);
		return s_pending(m, C1_TASK_WAIT);
	}
	int64_t since = m->op_started_ms;
	char *reasons = rc == 0 ? c1_cfn_failure_reasons(&page, since) : NULL;
	if (!reasons && rc == 0) {
		since = 0;
		reasons = c1_cfn_failure_reasons(&page, 0);
	}
	struct c1_step_rec *rec = &job->steps[m->poll_step];
	if (rc == 0)
		s_keep_events(rec, &page, since);
	/* The failed stack stays identifiable in the report after a rollback deletes it. */
	const char *arn = m->cur.stack_id ? m->cur.stack_id : m->stack_id;
	if (arn)
		c1_report_set_str(&rec->physical, arn);
	if (!rec->resource)
		rec->resource = c1_strdup(m->name);
	c1_cfn_event_page_dispose(&page);
	enum c1_stack_event ev = s_fail_status(m, C1_STACK_ENDED_FAILED, reasons);
	free(reasons);
	return ev;
}

static enum c1_stack_event s_delete(struct c1_stack_machine *m, struct c1_account_job *job,
				    struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_resource_key key = s_key(m, job);
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	if (job->call.attempt == 0 && c1_job_intent(job, ctx, &key, true) != 0)
		return s_fail(m, C1_STACK_REFUSED, "DeleteStack", NULL);
	int rc = c1_cfn_delete_stack(&job->aws.cfn, &job->aws.view, m->name, NULL, &err);
	switch (AFTER(rc, C1_ENOTFOUND, &err)) {
	case C1_CALL_RETRY: return s_pending(m, C1_TASK_WAIT);
	case C1_CALL_FAIL: return s_fail(m, C1_STACK_CALL_FAILED, "DeleteStack", &err);
	default: break;
	}
	m->wrote = true;
	m->phase = C1_STACK_PHASE_DELETE_POLL;
	return s_pending(m, c1_task_wait_for(ctx, c1_job_poll_begin(job, m->poll_step, C1_POLL_DELETE)));
}

static enum c1_stack_event s_delete_poll(struct c1_stack_machine *m, struct c1_account_job *job,
					 struct c1_task_ctx *ctx)
{
	enum c1_stack_event ev = s_describe(m, job, ctx);
	if (ev != C1_STACK_OBSERVED)
		return ev;
	if (m->found && c1_cfn_status_classify(m->cur.status) == C1_CFN_STATUS_IN_PROGRESS)
		return s_pending(m, c1_task_wait_for(ctx, c1_job_next_poll(job)));
	if (m->found)
		return s_fail_status(m, C1_STACK_NOT_DELETED, NULL);
	c1_job_poll_complete(job);
	struct c1_resource_key key = s_key(m, job);
	c1_job_state_written(job->run, c1_state_resource_deleted(job->run->state, &key, job->run->run_id));
	return C1_STACK_DELETED;
}

static enum c1_stack_event s_continue_rollback(struct c1_stack_machine *m, struct c1_account_job *job,
					       struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	int rc = c1_cfn_continue_update_rollback(&job->aws.cfn, &job->aws.view, m->name, &err);
	switch (AFTER(rc, 0, &err)) {
	case C1_CALL_RETRY: return s_pending(m, C1_TASK_WAIT);
	case C1_CALL_FAIL: return s_fail(m, C1_STACK_CALL_FAILED, "ContinueUpdateRollback", &err);
	default: break;
	}
	m->wrote = true;
	m->phase = C1_STACK_PHASE_LOOK;
	job->poll_ms = 0;
	return s_pending(m, c1_task_wait_for(ctx, c1_job_next_poll(job)));
}

/* ---- resource drift ---- */

static enum c1_stack_event s_detect_drift(struct c1_stack_machine *m, struct c1_account_job *job,
					  struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	free(m->detection_id);
	m->detection_id = NULL;
	int rc = c1_cfn_detect_stack_drift(&m->detection_id, &job->aws.cfn, &job->aws.view, m->name, &err);
	switch (AFTER(rc, 0, &err)) {
	case C1_CALL_RETRY: return s_pending(m, C1_TASK_WAIT);
	case C1_CALL_FAIL: return s_fail(m, C1_STACK_CALL_FAILED, "DetectStackDrift", &err);
	default: break;
	}
	m->phase = C1_STACK_PHASE_DRIFT_POLL;
	job->poll_ms = 0;
	return s_pending(m, c1_task_wait_for(ctx, c1_job_next_poll(job)));
}

static enum c1_stack_event s_drift_poll(struct c1_stack_machine *m, struct c1_account_job *job,
					struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_cfn_drift_status st = C1_CFN_DRIFT_STATUS_INIT;
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	int rc = c1_cfn_describe_stack_drift_detection_status(&st, &job->aws.cfn, &job->aws.view,
							      m->detection_id, &err);
	switch (AFTER(rc, 0, &err)) {
	case C1_CALL_RETRY: c1_cfn_drift_status_dispose(&st); return s_pending(m, C1_TASK_WAIT);
	case C1_CALL_FAIL:
		c1_cfn_drift_status_dispose(&st);
		return s_fail(m, C1_STACK_CALL_FAILED, "DescribeStackDriftDetectionStatus", &err);
	default: break;
	}
	bool in_progress = st.detection_status && strcmp(st.detection_status, "DETECTION_IN_PROGRESS") == 0;
	bool in_sync = st.stack_drift_status && strcmp(st.stack_drift_status, "IN_SYNC") == 0;
	bool failed = st.detection_status && strcmp(st.detection_status, "DETECTION_FAILED") == 0;
	char reason[300];
	snprintf(reason, sizeof(reason), "%s", st.reason ? st.reason : "no reason given");
	c1_cfn_drift_status_dispose(&st);
	if (in_progress)
		return s_pending(m, c1_task_wait_for(ctx, c1_job_next_poll(job)));
	if (failed && in_sync) {
		/* Some resources could not be checked, none that could differ: not a clean bill. */
		struct c1_api_error e = C1_API_ERROR_INIT;
		snprintf(e.code, sizeof(e.code), "DETECTION_FAILED");
		snprintf(e.message, sizeof(e.message), "drift detection of stack %s failed: %s", m->name,
			 reason);
		c1_error_set("%s", e.message);
		return s_fail(m, C1_STACK_CALL_FAILED, "DescribeStackDriftDetectionStatus", &e);
	}
	if (in_sync) {
		m->drift_checked = true;
		return C1_STACK_DRIFT_KNOWN;
	}
	m->phase = C1_STACK_PHASE_RESOURCE_DRIFTS;
	return s_pending(m, C1_TASK_AGAIN);
}

/* Keep the page's MODIFIED and DELETED resources (moved into m->drifts). */
static void s_keep_drifted(struct c1_stack_machine *m, struct c1_cfn_resource_drift_page *page)
{
	for (size_t i = 0; i < page->count; i++) {
		struct c1_cfn_resource_drift *r = &page->items[i];
		const char *status = r->drift_status ? r->drift_status : "";
		if (strcmp(status, "MODIFIED") != 0 && strcmp(status, "DELETED") != 0)
			continue;
		m->drifts.items =
		    c1_realloc(m->drifts.items, (m->drifts.count + 1) * sizeof(*m->drifts.items));
		m->drifts.items[m->drifts.count++] = *r;
		memset(r, 0, sizeof(*r));
	}
}

static enum c1_stack_event s_resource_drifts(struct c1_stack_machine *m, struct c1_account_job *job,
					     struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_cfn_resource_drift_page page = C1_CFN_RESOURCE_DRIFT_PAGE_INIT;
	int g = c1_job_gate(job, ctx, job->aws.rl_cfn);
	if (g)
		return s_pending(m, g);
	int rc = c1_cfn_describe_stack_resource_drifts(&page, &job->aws.cfn, &job->aws.view, m->name,
						       m->drift_cursor, &err);
	switch (AFTER(rc, 0, &err)) {
	case C1_CALL_RETRY: c1_cfn_resource_drift_page_dispose(&page); return s_pending(m, C1_TASK_WAIT);
	case C1_CALL_FAIL:
		c1_cfn_resource_drift_page_dispose(&page);
		return s_fail(m, C1_STACK_CALL_FAILED, "DescribeStackResourceDrifts", &err);
	default: break;
	}
	s_keep_drifted(m, &page);
	free(m->drift_cursor);
	m->drift_cursor = page.next_token;
	page.next_token = NULL;
	c1_cfn_resource_drift_page_dispose(&page);
	if (m->drift_cursor)
		return s_pending(m, C1_TASK_AGAIN);
	m->drift_checked = true;
	return C1_STACK_DRIFT_KNOWN;
}

enum c1_stack_event c1_stack_machine_step(struct c1_stack_machine *m, struct c1_account_job *job,
					  struct c1_task_ctx *ctx, const struct c1_cfn_stack_input *in)
{
	switch (m->phase) {
	case C1_STACK_PHASE_LOOK: return s_look(m, job, ctx);
	case C1_STACK_PHASE_CREATE:
	case C1_STACK_PHASE_UPDATE: return s_create_or_update(m, job, ctx, in);
	case C1_STACK_PHASE_POLL: return s_poll(m, job, ctx);
	case C1_STACK_PHASE_EVENTS: return s_events(m, job, ctx);
	case C1_STACK_PHASE_DELETE: return s_delete(m, job, ctx);
	case C1_STACK_PHASE_DELETE_POLL: return s_delete_poll(m, job, ctx);
	case C1_STACK_PHASE_CONTINUE_ROLLBACK: return s_continue_rollback(m, job, ctx);
	case C1_STACK_PHASE_DETECT_DRIFT: return s_detect_drift(m, job, ctx);
	case C1_STACK_PHASE_DRIFT_POLL: return s_drift_poll(m, job, ctx);
	case C1_STACK_PHASE_RESOURCE_DRIFTS: return s_resource_drifts(m, job, ctx);
	}
	c1_error_set("stack machine in an unknown phase %d", (int)m->phase);
	return s_fail(m, C1_STACK_CALL_FAILED, NULL, NULL);
}
