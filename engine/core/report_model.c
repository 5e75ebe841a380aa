/* The report model's constructors, destructors and time format. */
#include "engine/core/report_model.h"

#include "engine/core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Append one zeroed element of `size` bytes to the array at *items. */
static void *s_append(void **items, size_t *len, size_t size)
{
	char *grown = c1_realloc(*items, (*len + 1) * size);
	memset(grown + *len * size, 0, size);
	*items = grown;
	return grown + (*len)++ * size;
}

struct c1_report *c1_report_new(void)
{
	return c1_calloc(1, sizeof(struct c1_report));
}

static void s_error_dispose(struct c1_report_error *e)
{
	free(e->code);
	free(e->message);
	free(e->request_id);
	memset(e, 0, sizeof(*e));
}

void c1_report_drifts_free(struct c1_report_drift *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].resource);
		free(d[i].kind);
		free(d[i].expected);
		free(d[i].actual);
		free(d[i].fix);
		free(d[i].action);
	}
	free(d);
}

static void s_step_dispose(struct c1_report_step *st)
{
	free(st->name);
	free(st->started_at);
	free(st->finished_at);
	free(st->plan);
	free(st->plan_note);
	free(st->resource);
	free(st->resource_id);
	s_error_dispose(&st->error);
	c1_report_retries_free(st->retries, st->retries_len);
	c1_report_events_free(st->events, st->events_len);
}

void c1_report_retries_free(struct c1_report_retry *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].at);
		free(r[i].code);
		free(r[i].request_id);
	}
	free(r);
}

void c1_report_events_free(struct c1_report_event *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].at);
		free(e[i].logical_id);
		free(e[i].resource_type);
		free(e[i].status);
		free(e[i].reason);
	}
	free(e);
}

void c1_report_rollbacks_free(struct c1_report_rollback *rb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rb[i].step);
		free(rb[i].resource);
		free(rb[i].resource_type);
		free(rb[i].at);
		s_error_dispose(&rb[i].error);
	}
	free(rb);
}

void c1_report_account_dispose(struct c1_report_account *a)
{
	if (!a)
		return;
	free(a->account_id);
	free(a->name);
	free(a->region);
	free(a->reason);
	free(a->tenant);
	free(a->inputs_json);
	free(a->plan);
	free(a->caller_arn);
	free(a->hint);
	for (size_t i = 0; i < a->steps_len; i++)
		s_step_dispose(&a->steps[i]);
	free(a->steps);
	c1_report_rollbacks_free(a->rollback, a->rollback_len);
	c1_report_drifts_free(a->drift, a->drift_len);
	c1_report_drifts_free(a->repairs, a->repairs_len);
	for (size_t i = 0; i < a->stacks_len; i++) {
		free(a->stacks[i].name);
		free(a->stacks[i].id);
		free(a->stacks[i].status);
	}
	free(a->stacks);
	free(a->connector_id);
	free(a->cloud_account_id);
	memset(a, 0, sizeof(*a));
}

void c1_report_free(struct c1_report *r)
{
	if (!r)
		return;
	free(r->run.id);
	free(r->run.command);
	free(r->run.strategy);
	free(r->run.started_at);
	free(r->run.finished_at);
	free(r->run.tool_version);
	free(r->run.input_path);
	free(r->run.input_sha256);
	free(r->run.options_json);
	free(r->run.host);
	free(r->run.user);
	c1_report_since_dispose(&r->since);
	for (size_t i = 0; i < r->tenants_len; i++) {
		free(r->tenants[i].c1_account_id);
		free(r->tenants[i].c1_region);
		free(r->tenants[i].error);
	}
	free(r->tenants);
	for (size_t i = 0; i < r->accounts_len; i++)
		c1_report_account_dispose(&r->accounts[i]);
	free(r->accounts);
	free(r);
}

struct c1_report_account *c1_report_add_account(struct c1_report *r)
{
	return s_append((void **)&r->accounts, &r->accounts_len, sizeof(*r->accounts));
}

struct c1_report_tenant *c1_report_add_tenant(struct c1_report *r)
{
	return s_append((void **)&r->tenants, &r->tenants_len, sizeof(*r->tenants));
}

struct c1_report_step *c1_report_account_add_step(struct c1_report_account *a)
{
	return s_append((void **)&a->steps, &a->steps_len, sizeof(*a->steps));
}

struct c1_report_rollback *c1_report_account_add_rollback(struct c1_report_account *a)
{
	return s_append((void **)&a->rollback, &a->rollback_len, sizeof(*a->rollback));
}

struct c1_report_drift *c1_report_account_add_drift(struct c1_report_account *a)
{
	return s_append((void **)&a->drift, &a->drift_len, sizeof(*a->drift));
}

struct c1_report_stack *c1_report_account_add_stack(struct c1_report_account *a)
{
	return s_append((void **)&a->stacks, &a->stacks_len, sizeof(*a->stacks));
}

struct c1_report_change *c1_report_since_add_change(struct c1_report_since *since)
{
	return s_append((void **)&since->changed, &since->changed_len, sizeof(*since->changed));
}

void c1_report_since_dispose(struct c1_report_since *since)
{
	for (size_t i = 0; i < since->changed_len; i++) {
		free(since->changed[i].account_id);
		free(since->changed[i].region);
		free(since->changed[i].before);
		free(since->changed[i].now);
	}
	free(since->changed);
	memset(since, 0, sizeof(*since));
}

struct c1_report_drift *c1_report_account_add_repair(struct c1_report_account *a)
{
	return s_append((void **)&a->repairs, &a->repairs_len, sizeof(*a->repairs));
}

struct c1_report_retry *c1_report_step_add_retry(struct c1_report_step *st)
{
	return s_append((void **)&st->retries, &st->retries_len, sizeof(*st->retries));
}

struct c1_report_event *c1_report_step_add_event(struct c1_report_step *st)
{
	return s_append((void **)&st->events, &st->events_len, sizeof(*st->events));
}

void c1_report_set_str(char **field, const char *value)
{
	char *copy = value ? c1_strdup(value) : NULL;
	free(*field);
	*field = copy;
}

void c1_report_compute_summary(struct c1_report *r)
{
	memset(r->summary, 0, sizeof(r->summary));
	r->total = r->accounts_len;
	for (size_t i = 0; i < r->accounts_len; i++) {
		enum c1_account_status s = r->accounts[i].status;
		/* An account still marked running belongs to a run that died: it did
		 * not finish, which a reader must count as a failure. */
		if ((int)s < 0 || s >= C1_ACCOUNT_STATUS_COUNT)
			s = C1_ACCOUNT_FAILED;
		r->summary[s]++;
	}
}

void c1_report_format_time(char out[32], int64_t unix_ms)
{
	time_t secs = (time_t)(unix_ms / 1000);
	int ms = (int)(unix_ms % 1000);
	struct tm tm;
	size_t n;
	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", ms);
}
