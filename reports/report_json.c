#include "reports/report_json.h"

#include "engine/core/advice.h"
#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/core/utf8.h"
#include "reports/report_dir.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define C1_REPORT_READ_MAX ((size_t)256 * 1024 * 1024)

/* ---- rendering ---- */

/* jansson refuses bytes that are not UTF-8; a report must still render, so
 * each such byte becomes '?' and everything else is kept as given. */
static json_t *s_str(const char *s)
{
	json_t *v = NULL;
	unsigned char *copy = NULL;
	size_t i = 0;
	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	copy = (unsigned char *)c1_strdup(s);
	while (copy[i]) {
		size_t n = c1_utf8_seq_len(copy + i, SIZE_MAX);
		if (n == 0) {
			copy[i] = '?';
			n = 1;
		}
		i += n;
	}
	v = json_string((const char *)copy);
	free(copy);
	return v ? v : json_string("?");
}

static void s_set(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value);
}

static json_t *s_error_json(bool has_error, const struct c1_report_error *e)
{
	json_t *o = NULL;
	if (!has_error)
		return json_null();
	o = json_object();
	s_set(o, "code", s_str(e->code ? e->code : ""));
	s_set(o, "message", s_str(e->message ? e->message : ""));
	s_set(o, "http_status", e->http_status > 0 ? json_integer(e->http_status) : json_null());
	s_set(o, "request_id", s_str(e->request_id));
	s_set(o, "retryable", json_boolean(e->retryable));
	return o;
}

static json_t *s_rollback_json(const struct c1_report_account *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < a->rollback_len; i++) {
		const struct c1_report_rollback *rb = &a->rollback[i];
		json_t *o = json_object();
		s_set(o, "step", s_str(rb->step ? rb->step : ""));
		s_set(o, "resource", s_str(rb->resource ? rb->resource : ""));
		s_set(o, "resource_type", s_str(rb->resource_type));
		s_set(o, "status", json_string(c1_step_status_name(rb->status)));
		s_set(o, "at", s_str(rb->at));
		s_set(o, "error", s_error_json(rb->has_error, &rb->error));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* What the account's rollback could not remove, with how to remove it by
 * hand: an empty array says, explicitly, that nothing was left behind. */
static json_t *s_left_behind_json(const struct c1_report_account *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < a->rollback_len; i++) {
		const struct c1_report_rollback *rb = &a->rollback[i];
		if (rb->status != C1_STEP_UNDO_FAILED)
			continue;
		char *how = c1_advice_remove(a, rb);
		json_t *o = json_object();
		s_set(o, "step", s_str(rb->step ? rb->step : ""));
		s_set(o, "resource_type", s_str(rb->resource_type));
		s_set(o, "resource", s_str(rb->resource ? rb->resource : ""));
		s_set(o, "how_to_remove", s_str(how));
		free(how);
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Drift entries, or (with `repairs`) what apply repaired: the same entry plus the action taken. */
static json_t *s_drift_list_json(const struct c1_report_drift *list, size_t n, bool repairs)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct c1_report_drift *d = &list[i];
		json_t *o = json_object();
		s_set(o, "plane", json_string(c1_drift_plane_name(d->plane)));
		s_set(o, "resource", s_str(d->resource ? d->resource : ""));
		s_set(o, "kind", s_str(d->kind ? d->kind : ""));
		s_set(o, "expected", s_str(d->expected));
		s_set(o, "actual", s_str(d->actual));
		if (repairs)
			s_set(o, "action", s_str(d->action ? d->action : ""));
		else
			s_set(o, "fix", s_str(d->fix));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *s_drift_json(const struct c1_report_account *a)
{
	return s_drift_list_json(a->drift, a->drift_len, false);
}

static json_t *s_retries_json(const struct c1_report_step *st)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < st->retries_len; i++) {
		const struct c1_report_retry *r = &st->retries[i];
		json_t *o = json_object();
		s_set(o, "at", s_str(r->at));
		s_set(o, "code", s_str(r->code ? r->code : ""));
		s_set(o, "http_status", r->http_status > 0 ? json_integer(r->http_status) : json_null());
		s_set(o, "request_id", s_str(r->request_id));
		s_set(o, "wait_s",
		      json_real(isfinite(r->wait_s) && r->wait_s > 0 ? round(r->wait_s * 1000.0) / 1000.0
								     : 0.0));
		s_set(o, "outage", json_boolean(r->outage));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *s_events_json(const struct c1_report_step *st)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < st->events_len; i++) {
		const struct c1_report_event *e = &st->events[i];
		json_t *o = json_object();
		s_set(o, "at", s_str(e->at));
		s_set(o, "logical_id", s_str(e->logical_id ? e->logical_id : ""));
		s_set(o, "resource_type", s_str(e->resource_type));
		s_set(o, "status", s_str(e->status ? e->status : ""));
		s_set(o, "reason", s_str(e->reason));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *s_step_json(const struct c1_report_step *st)
{
	json_t *so = json_object();
	s_set(so, "name", s_str(st->name ? st->name : ""));
	s_set(so, "status", json_string(c1_step_status_name(st->status)));
	s_set(so, "attempts", json_integer(st->attempts > 0 ? st->attempts : 0));
	s_set(so, "started_at", s_str(st->started_at));
	s_set(so, "finished_at", s_str(st->finished_at));
	s_set(so, "error", s_error_json(st->has_error, &st->error));
	s_set(so, "resource", s_str(st->resource));
	s_set(so, "resource_id", s_str(st->resource_id));
	s_set(so, "retries", s_retries_json(st));
	s_set(so, "events", s_events_json(st));
	if (st->plan)
		s_set(so, "plan", json_string(st->plan));
	if (st->plan_note)
		s_set(so, "plan_note", json_string(st->plan_note));
	return so;
}

static json_t *s_resources_json(const struct c1_report_account *a)
{
	json_t *o = json_object();
	json_t *stacks = json_array();
	for (size_t i = 0; i < a->stacks_len; i++) {
		const struct c1_report_stack *st = &a->stacks[i];
		json_t *so = json_object();
		s_set(so, "name", s_str(st->name ? st->name : ""));
		s_set(so, "id", s_str(st->id));
		s_set(so, "status", s_str(st->status));
		json_array_append_new(stacks, so);
	}
	s_set(o, "stacks", stacks);
	s_set(o, "connector_id", s_str(a->connector_id));
	s_set(o, "cloud_account_id", s_str(a->cloud_account_id));
	return o;
}

static json_t *s_account_json(const struct c1_report_account *a)
{
	json_t *o = json_object();
	json_t *steps = json_array();
	enum c1_account_status status = a->status;
	if ((int)status < 0 || status >= C1_ACCOUNT_STATUS_COUNT)
		status = C1_ACCOUNT_FAILED;
	s_set(o, "row", json_integer(a->row));
	s_set(o, "account_id", s_str(a->account_id ? a->account_id : ""));
	s_set(o, "name", s_str(a->name));
	s_set(o, "region", s_str(a->region ? a->region : ""));
	s_set(o, "status", json_string(c1_account_status_name(status)));
	/* Millisecond precision; a negative duration means the clock moved. */
	s_set(o, "duration_s",
	      json_real(isfinite(a->duration_s) && a->duration_s > 0 ? round(a->duration_s * 1000.0) / 1000.0
								     : 0.0));
	s_set(o, "reason", s_str(a->reason));
	if (a->tenant)
		s_set(o, "tenant", json_string(a->tenant));
	json_t *inputs = a->inputs_json ? json_loads(a->inputs_json, 0, NULL) : NULL;
	if (json_is_object(inputs))
		s_set(o, "inputs", inputs);
	else
		json_decref(inputs);
	if (a->plan)
		s_set(o, "plan", json_string(a->plan));
	s_set(o, "caller_arn", s_str(a->caller_arn));
	s_set(o, "hint", s_str(a->hint));
	s_set(o, "rerun_may_succeed",
	      a->rerun == C1_RERUN_YES  ? json_true()
	      : a->rerun == C1_RERUN_NO ? json_false()
					: json_null());
	for (size_t i = 0; i < a->steps_len; i++)
		json_array_append_new(steps, s_step_json(&a->steps[i]));
	s_set(o, "steps", steps);
	s_set(o, "rollback", s_rollback_json(a));
	s_set(o, "left_behind", s_left_behind_json(a));
	s_set(o, "drift", s_drift_json(a));
	s_set(o, "repairs", s_drift_list_json(a->repairs, a->repairs_len, true));
	s_set(o, "resources", s_resources_json(a));
	return o;
}

static json_t *s_since_json(const struct c1_report_since *since)
{
	json_t *o = json_object();
	json_t *changed = json_array();
	s_set(o, "new", json_integer((json_int_t)since->new_accounts));
	s_set(o, "same", json_integer((json_int_t)since->same));
	for (size_t i = 0; i < since->changed_len; i++) {
		const struct c1_report_change *c = &since->changed[i];
		json_t *e = json_object();
		s_set(e, "account_id", s_str(c->account_id ? c->account_id : ""));
		s_set(e, "region", s_str(c->region ? c->region : ""));
		s_set(e, "before", s_str(c->before ? c->before : ""));
		s_set(e, "now", s_str(c->now ? c->now : ""));
		json_array_append_new(changed, e);
	}
	s_set(o, "changed", changed);
	return o;
}

/* The document; without the accounts when `with_accounts` is false (streamed apart). */
static int s_doc(json_t **out, const struct c1_report *r, bool with_accounts)
{
	int rc = C1_EINVALID;
	json_t *doc = NULL;
	json_t *options = NULL;
	json_t *run = NULL;
	json_t *summary = NULL;
	json_t *tenants = NULL;
	json_t *accounts = NULL;

	*out = NULL;
	if (!r->run.id || !*r->run.id) {
		c1_error_set("report has no run id");
		goto cleanup;
	}
	if (r->run.options_json && *r->run.options_json) {
		rc = c1_json_parse(&options, c1_str_from(r->run.options_json), 0, 0);
		if (rc != 0 || !json_is_object(options)) {
			c1_error_set("run options of run %s are not a JSON object", r->run.id);
			rc = C1_EINVALID;
			goto cleanup;
		}
	} else {
		options = json_object();
	}

	doc = json_object();
	s_set(doc, "schema", json_string(C1_REPORT_SCHEMA_ID));
	run = json_object();
	s_set(run, "id", s_str(r->run.id));
	s_set(run, "command", s_str(r->run.command ? r->run.command : ""));
	s_set(run, "strategy", s_str(r->run.strategy));
	s_set(run, "status", json_string(c1_run_status_name(r->run.status)));
	s_set(run, "started_at", s_str(r->run.started_at ? r->run.started_at : ""));
	s_set(run, "finished_at", s_str(r->run.finished_at));
	s_set(run, "tool_version", s_str(r->run.tool_version ? r->run.tool_version : ""));
	s_set(run, "input_path", s_str(r->run.input_path));
	s_set(run, "input_sha256", s_str(r->run.input_sha256));
	s_set(run, "options", options);
	options = NULL;
	if (r->run.has_exit_code)
		s_set(run, "exit_code", json_integer(r->run.exit_code));
	if (r->run.host)
		s_set(run, "host", s_str(r->run.host));
	if (r->run.user)
		s_set(run, "user", s_str(r->run.user));
	s_set(doc, "run", run);

	summary = json_object();
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
		s_set(summary, c1_account_status_name((enum c1_account_status)s),
		      json_integer((json_int_t)r->summary[s]));
	s_set(summary, "total", json_integer((json_int_t)r->total));
	s_set(doc, "summary", summary);
	if (r->since.known)
		s_set(doc, "since_previous", s_since_json(&r->since));

	tenants = json_array();
	for (size_t i = 0; i < r->tenants_len; i++) {
		const struct c1_report_tenant *t = &r->tenants[i];
		json_t *o = json_object();
		s_set(o, "c1_account_id", s_str(t->c1_account_id));
		s_set(o, "c1_region", s_str(t->c1_region));
		s_set(o, "visionone_status", json_string(c1_visionone_status_name(t->visionone)));
		s_set(o, "error", s_str(t->error));
		json_array_append_new(tenants, o);
	}
	s_set(doc, "tenants", tenants);

	if (with_accounts) {
		accounts = json_array();
		for (size_t i = 0; i < r->accounts_len; i++)
			json_array_append_new(accounts, s_account_json(&r->accounts[i]));
		s_set(doc, "accounts", accounts);
	}

	*out = doc;
	doc = NULL;
	rc = 0;
cleanup:
	json_decref(options);
	json_decref(doc);
	return rc;
}

int c1_report_to_json(json_t **out, const struct c1_report *r)
{
	return s_doc(out, r, true);
}

/* Appends `text` to `buf`, each line after the first indented by `indent`
 * spaces: an account's own pretty dump placed inside the accounts array. */
static int s_put_indented(struct c1_buf *buf, const char *text, int indent)
{
	int rc = 0;
	for (const char *p = text; *p && rc == 0; p++) {
		rc = c1_buf_putc(buf, *p);
		if (*p == '\n')
			for (int i = 0; i < indent && rc == 0; i++)
				rc = c1_buf_putc(buf, ' ');
	}
	return rc;
}

int c1_report_account_to_json_text(struct c1_buf *out, const struct c1_report_account *a)
{
	json_t *o = s_account_json(a);
	char *one = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!one) {
		c1_error_set("cannot render the report entry of account %s (row %d)",
			     a->account_id ? a->account_id : "", a->row);
		return C1_ERROR;
	}
	int rc = s_put_indented(out, one, 4);
	free(one);
	if (rc != 0)
		c1_error_set("the report entry of account %s (row %d) does not fit its buffer",
			     a->account_id ? a->account_id : "", a->row);
	return rc;
}

static int s_model_account_text(struct c1_buf *out, size_t i, void *payload)
{
	const struct c1_report *r = payload;
	return c1_report_account_to_json_text(out, &r->accounts[i]);
}

int c1_report_write_json(const struct c1_report *r, const char *reports_dir)
{
	return c1_report_write_json_stream(r, r->accounts_len, s_model_account_text, (void *)r, reports_dir);
}

/* The document is written account by account, so a run of 10,000 accounts
 * never holds its whole JSON tree or text (tens of MB) at once. */
int c1_report_write_json_stream(const struct c1_report *r, size_t accounts_len,
				c1_report_account_text_fn account_text, void *payload,
				const char *reports_dir)
{
	int rc = C1_ERROR;
	json_t *doc = NULL;
	char *text = NULL;
	char *dir = NULL;
	struct c1_report_file *f = NULL;
	struct c1_buf buf = C1_BUF_INIT;

	rc = s_doc(&doc, r, false);
	if (rc != 0)
		goto cleanup;
	rc = c1_report_dir_prepare(&dir, reports_dir, r->run.id);
	if (rc != 0)
		goto cleanup;
	text = json_dumps(doc, JSON_INDENT(2));
	size_t len = text ? strlen(text) : 0;
	if (!text || len < 2 || text[len - 1] != '}') {
		c1_error_set("cannot render report.json of run %s", r->run.id);
		rc = C1_ERROR;
		goto cleanup;
	}
	rc = c1_report_file_open(&f, dir, "report.json");
	if (rc != 0)
		goto cleanup;
	buf.max = SIZE_MAX;
	/* the head without its closing brace, then "accounts" as the last member */
	c1_buf_put(&buf, text, len - 2);
	c1_buf_puts(&buf, ",\n  \"accounts\": [");
	for (size_t i = 0; i < accounts_len && rc == 0; i++) {
		c1_buf_puts(&buf, i ? ",\n    " : "\n    ");
		rc = account_text(&buf, i, payload);
		if (rc == 0 && buf.len >= 64 * 1024) {
			rc = c1_report_file_write(f, buf.ptr, buf.len);
			c1_buf_clear(&buf);
		}
	}
	if (rc != 0)
		goto cleanup;
	c1_buf_puts(&buf, accounts_len ? "\n  ]\n}\n" : "]\n}\n");
	rc = c1_report_file_write(f, buf.ptr, buf.len);
	if (rc != 0)
		goto cleanup;
	rc = c1_report_file_commit(f);
	f = NULL;
	if (rc != 0)
		goto cleanup;
	rc = c1_report_dir_point_latest(reports_dir, r->run.id);
cleanup:
	c1_report_file_abort(f);
	c1_buf_dispose(&buf);
	free(text);
	free(dir);
	json_decref(doc);
	return rc;
}

/* ---- parsing ---- */

static int s_bad(const char *where, const char *key, const char *what)
{
	c1_error_set("report.json: %s%s%s %s", where, key ? "." : "", key ? key : "", what);
	return C1_EINVALID;
}

/* A string member; null or absent gives NULL when `nullable`. */
static int s_get_str(char **out, const json_t *obj, const char *key, bool nullable, const char *where)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (nullable)
			return 0;
		return s_bad(where, key, "is missing");
	}
	if (!json_is_string(v))
		return s_bad(where, key, "is not a string");
	c1_report_set_str(out, json_string_value(v));
	return 0;
}

static int s_get_int(long long *out, const json_t *obj, const char *key, bool nullable, const char *where)
{
	const json_t *v = json_object_get(obj, key);
	*out = 0;
	if (!v || json_is_null(v))
		return nullable ? 0 : s_bad(where, key, "is missing");
	if (!json_is_integer(v))
		return s_bad(where, key, "is not an integer");
	*out = (long long)json_integer_value(v);
	return 0;
}

static int s_get_array(const json_t **out, const json_t *obj, const char *key, const char *where)
{
	*out = json_object_get(obj, key);
	if (!*out || !json_is_array(*out))
		return s_bad(where, key, "is not an array");
	return 0;
}

static int s_enum_fail(const char *where, const char *key)
{
	return s_bad(where, key, "has an unknown value");
}

static int s_error_from(bool *has_error, struct c1_report_error *e, const json_t *obj, const char *where)
{
	const json_t *v = json_object_get(obj, "error");
	long long status = 0;
	int rc = 0;
	char sub[96];
	*has_error = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return s_bad(where, "error", "is not an object");
	snprintf(sub, sizeof(sub), "%s.error", where);
	*has_error = true;
	if ((rc = s_get_str(&e->code, v, "code", false, sub)) != 0 ||
	    (rc = s_get_str(&e->message, v, "message", false, sub)) != 0 ||
	    (rc = s_get_int(&status, v, "http_status", true, sub)) != 0 ||
	    (rc = s_get_str(&e->request_id, v, "request_id", true, sub)) != 0)
		return rc;
	e->http_status = (long)status;
	e->retryable = json_is_true(json_object_get(v, "retryable"));
	return 0;
}

static int s_rollback_from(struct c1_report_account *a, const json_t *arr, const char *where)
{
	size_t i;
	const json_t *o;
	char sub[96];
	json_array_foreach(arr, i, o)
	{
		struct c1_report_rollback *rb = c1_report_account_add_rollback(a);
		const char *status = json_string_value(json_object_get(o, "status"));
		int rc = 0;
		snprintf(sub, sizeof(sub), "%s.rollback[%zu]", where, i);
		if (!json_is_object(o))
			return s_bad(sub, NULL, "is not an object");
		if ((rc = s_get_str(&rb->step, o, "step", false, sub)) != 0 ||
		    (rc = s_get_str(&rb->resource, o, "resource", false, sub)) != 0 ||
		    (rc = s_get_str(&rb->resource_type, o, "resource_type", true, sub)) != 0 ||
		    (rc = s_get_str(&rb->at, o, "at", true, sub)) != 0 ||
		    (rc = s_error_from(&rb->has_error, &rb->error, o, sub)) != 0)
			return rc;
		if (c1_step_status_parse(&rb->status, status) != 0)
			return s_enum_fail(sub, "status");
	}
	return 0;
}

/* The drift entries (`repairs` false) or the repairs of an account. */
static int s_drift_from(struct c1_report_account *a, const json_t *arr, const char *where, bool repairs)
{
	size_t i;
	const json_t *o;
	char sub[96];
	json_array_foreach(arr, i, o)
	{
		struct c1_report_drift *d =
		    repairs ? c1_report_account_add_repair(a) : c1_report_account_add_drift(a);
		const char *plane = json_string_value(json_object_get(o, "plane"));
		int rc = 0;
		snprintf(sub, sizeof(sub), "%s.%s[%zu]", where, repairs ? "repairs" : "drift", i);
		if (!json_is_object(o))
			return s_bad(sub, NULL, "is not an object");
		if ((rc = s_get_str(&d->resource, o, "resource", false, sub)) != 0 ||
		    (rc = s_get_str(&d->kind, o, "kind", false, sub)) != 0 ||
		    (rc = s_get_str(&d->expected, o, "expected", true, sub)) != 0 ||
		    (rc = s_get_str(&d->actual, o, "actual", true, sub)) != 0 ||
		    (rc = s_get_str(&d->fix, o, "fix", true, sub)) != 0 ||
		    (rc = s_get_str(&d->action, o, "action", !repairs, sub)) != 0)
			return rc;
		if (c1_drift_plane_parse(&d->plane, plane) != 0)
			return s_enum_fail(sub, "plane");
	}
	return 0;
}

static int s_resources_from(struct c1_report_account *a, const json_t *o, const char *where)
{
	const json_t *stacks = NULL;
	const json_t *so;
	size_t i;
	int rc = 0;
	char sub[96];
	if (!json_is_object(o))
		return s_bad(where, "resources", "is not an object");
	snprintf(sub, sizeof(sub), "%s.resources", where);
	if ((rc = s_get_array(&stacks, o, "stacks", sub)) != 0 ||
	    (rc = s_get_str(&a->connector_id, o, "connector_id", true, sub)) != 0 ||
	    (rc = s_get_str(&a->cloud_account_id, o, "cloud_account_id", true, sub)) != 0)
		return rc;
	json_array_foreach(stacks, i, so)
	{
		struct c1_report_stack *st = c1_report_account_add_stack(a);
		char ssub[128];
		snprintf(ssub, sizeof(ssub), "%s.stacks[%zu]", sub, i);
		if (!json_is_object(so))
			return s_bad(ssub, NULL, "is not an object");
		if ((rc = s_get_str(&st->name, so, "name", false, ssub)) != 0 ||
		    (rc = s_get_str(&st->id, so, "id", true, ssub)) != 0 ||
		    (rc = s_get_str(&st->status, so, "status", true, ssub)) != 0)
			return rc;
	}
	return 0;
}

static int s_retries_from(struct c1_report_step *st, const json_t *arr, const char *where)
{
	size_t i;
	const json_t *o;
	char sub[128];
	json_array_foreach(arr, i, o)
	{
		struct c1_report_retry *r = c1_report_step_add_retry(st);
		long long status = 0;
		int rc = 0;
		snprintf(sub, sizeof(sub), "%s.retries[%zu]", where, i);
		if (!json_is_object(o))
			return s_bad(sub, NULL, "is not an object");
		if ((rc = s_get_str(&r->at, o, "at", true, sub)) != 0 ||
		    (rc = s_get_str(&r->code, o, "code", false, sub)) != 0 ||
		    (rc = s_get_int(&status, o, "http_status", true, sub)) != 0 ||
		    (rc = s_get_str(&r->request_id, o, "request_id", true, sub)) != 0)
			return rc;
		r->http_status = (long)status;
		r->wait_s = json_number_value(json_object_get(o, "wait_s"));
		r->outage = json_is_true(json_object_get(o, "outage"));
	}
	return 0;
}

static int s_events_from(struct c1_report_step *st, const json_t *arr, const char *where)
{
	size_t i;
	const json_t *o;
	char sub[128];
	json_array_foreach(arr, i, o)
	{
		struct c1_report_event *e = c1_report_step_add_event(st);
		int rc = 0;
		snprintf(sub, sizeof(sub), "%s.events[%zu]", where, i);
		if (!json_is_object(o))
			return s_bad(sub, NULL, "is not an object");
		if ((rc = s_get_str(&e->at, o, "at", true, sub)) != 0 ||
		    (rc = s_get_str(&e->logical_id, o, "logical_id", false, sub)) != 0 ||
		    (rc = s_get_str(&e->resource_type, o, "resource_type", true, sub)) != 0 ||
		    (rc = s_get_str(&e->status, o, "status", false, sub)) != 0 ||
		    (rc = s_get_str(&e->reason, o, "reason", true, sub)) != 0)
			return rc;
	}
	return 0;
}

static int s_step_from(struct c1_report_step *st, const json_t *so, const char *sub)
{
	long long attempts = 0;
	int rc = 0;
	if (!json_is_object(so))
		return s_bad(sub, NULL, "is not an object");
	if ((rc = s_get_str(&st->name, so, "name", false, sub)) != 0 ||
	    (rc = s_get_int(&attempts, so, "attempts", false, sub)) != 0 ||
	    (rc = s_get_str(&st->started_at, so, "started_at", true, sub)) != 0 ||
	    (rc = s_get_str(&st->finished_at, so, "finished_at", true, sub)) != 0 ||
	    (rc = s_get_str(&st->plan, so, "plan", true, sub)) != 0 ||
	    (rc = s_get_str(&st->plan_note, so, "plan_note", true, sub)) != 0 ||
	    (rc = s_get_str(&st->resource, so, "resource", true, sub)) != 0 ||
	    (rc = s_get_str(&st->resource_id, so, "resource_id", true, sub)) != 0 ||
	    (rc = s_error_from(&st->has_error, &st->error, so, sub)) != 0 ||
	    (rc = s_retries_from(st, json_object_get(so, "retries"), sub)) != 0 ||
	    (rc = s_events_from(st, json_object_get(so, "events"), sub)) != 0)
		return rc;
	st->attempts = (int)attempts;
	if (c1_step_status_parse(&st->status, json_string_value(json_object_get(so, "status"))) != 0)
		return s_enum_fail(sub, "status");
	return 0;
}

static int s_account_from(struct c1_report_account *a, const json_t *o, const char *where)
{
	const json_t *steps = NULL;
	const json_t *rollback = NULL;
	const json_t *drift = NULL;
	const json_t *dur = json_object_get(o, "duration_s");
	const json_t *so;
	long long row = 0;
	size_t i;
	int rc = 0;
	char sub[96];

	if (!json_is_object(o))
		return s_bad(where, NULL, "is not an object");
	if ((rc = s_get_int(&row, o, "row", false, where)) != 0 ||
	    (rc = s_get_str(&a->account_id, o, "account_id", false, where)) != 0 ||
	    (rc = s_get_str(&a->name, o, "name", true, where)) != 0 ||
	    (rc = s_get_str(&a->region, o, "region", false, where)) != 0 ||
	    (rc = s_get_str(&a->reason, o, "reason", true, where)) != 0 ||
	    (rc = s_get_str(&a->plan, o, "plan", true, where)) != 0 ||
	    (rc = s_get_str(&a->tenant, o, "tenant", true, where)) != 0 ||
	    (rc = s_get_array(&steps, o, "steps", where)) != 0 ||
	    (rc = s_get_array(&rollback, o, "rollback", where)) != 0 ||
	    (rc = s_get_array(&drift, o, "drift", where)) != 0)
		return rc;
	a->row = (int)row;
	const json_t *inputs = json_object_get(o, "inputs");
	if (json_is_object(inputs))
		a->inputs_json = json_dumps(inputs, JSON_COMPACT);
	if (c1_account_status_parse(&a->status, json_string_value(json_object_get(o, "status"))) != 0 ||
	    a->status >= C1_ACCOUNT_STATUS_COUNT)
		return s_enum_fail(where, "status");
	if (!json_is_number(dur))
		return s_bad(where, "duration_s", "is not a number");
	a->duration_s = json_number_value(dur);
	json_array_foreach(steps, i, so)
	{
		snprintf(sub, sizeof(sub), "%s.steps[%zu]", where, i);
		if ((rc = s_step_from(c1_report_account_add_step(a), so, sub)) != 0)
			return rc;
	}
	const json_t *repairs = json_object_get(o, "repairs");
	const json_t *rerun = json_object_get(o, "rerun_may_succeed");
	a->rerun = json_is_true(rerun) ? C1_RERUN_YES : json_is_false(rerun) ? C1_RERUN_NO : C1_RERUN_UNKNOWN;
	if ((rc = s_get_str(&a->caller_arn, o, "caller_arn", true, where)) != 0 ||
	    (rc = s_get_str(&a->hint, o, "hint", true, where)) != 0 ||
	    (rc = s_rollback_from(a, rollback, where)) != 0 ||
	    (rc = s_drift_from(a, drift, where, false)) != 0 ||
	    (json_is_array(repairs) && (rc = s_drift_from(a, repairs, where, true)) != 0))
		return rc;
	return s_resources_from(a, json_object_get(o, "resources"), where);
}

static int s_run_from(struct c1_report_run *run, const json_t *o)
{
	int rc = 0;
	const json_t *options = NULL;
	if (!json_is_object(o))
		return s_bad("run", NULL, "is not an object");
	if ((rc = s_get_str(&run->id, o, "id", false, "run")) != 0 ||
	    (rc = s_get_str(&run->command, o, "command", false, "run")) != 0 ||
	    (rc = s_get_str(&run->strategy, o, "strategy", true, "run")) != 0 ||
	    (rc = s_get_str(&run->started_at, o, "started_at", false, "run")) != 0 ||
	    (rc = s_get_str(&run->finished_at, o, "finished_at", true, "run")) != 0 ||
	    (rc = s_get_str(&run->tool_version, o, "tool_version", false, "run")) != 0 ||
	    (rc = s_get_str(&run->input_path, o, "input_path", true, "run")) != 0 ||
	    (rc = s_get_str(&run->input_sha256, o, "input_sha256", true, "run")) != 0)
		return rc;
	if (c1_run_status_parse(&run->status, json_string_value(json_object_get(o, "status"))) != 0)
		return s_enum_fail("run", "status");
	options = json_object_get(o, "options");
	if (!json_is_object(options))
		return s_bad("run", "options", "is not an object");
	run->options_json = c1_json_dump(options);
	const json_t *exit_code = json_object_get(o, "exit_code");
	if (json_is_integer(exit_code)) {
		run->has_exit_code = true;
		run->exit_code = (int)json_integer_value(exit_code);
	}
	if ((rc = s_get_str(&run->host, o, "host", true, "run")) != 0 ||
	    (rc = s_get_str(&run->user, o, "user", true, "run")) != 0)
		return rc;
	return 0;
}

/* "since_previous" (absent in merged and re-rendered reports). */
static int s_since_from(struct c1_report_since *since, const json_t *o)
{
	size_t i;
	const json_t *e;
	long long n = 0;
	int rc = 0;
	char sub[64];
	if (!o)
		return 0;
	if (!json_is_object(o))
		return s_bad("since_previous", NULL, "is not an object");
	since->known = true;
	if ((rc = s_get_int(&n, o, "new", false, "since_previous")) != 0)
		return rc;
	since->new_accounts = n > 0 ? (size_t)n : 0;
	if ((rc = s_get_int(&n, o, "same", false, "since_previous")) != 0)
		return rc;
	since->same = n > 0 ? (size_t)n : 0;
	json_array_foreach(json_object_get(o, "changed"), i, e)
	{
		struct c1_report_change *c = c1_report_since_add_change(since);
		snprintf(sub, sizeof(sub), "since_previous.changed[%zu]", i);
		if ((rc = s_get_str(&c->account_id, e, "account_id", false, sub)) != 0 ||
		    (rc = s_get_str(&c->region, e, "region", false, sub)) != 0 ||
		    (rc = s_get_str(&c->before, e, "before", false, sub)) != 0 ||
		    (rc = s_get_str(&c->now, e, "now", false, sub)) != 0)
			return rc;
	}
	return 0;
}

int c1_report_from_json(struct c1_report **out, const json_t *doc)
{
	int rc = C1_EINVALID;
	struct c1_report *r = c1_report_new();
	const json_t *summary = NULL;
	const json_t *tenants = NULL;
	const json_t *accounts = NULL;
	const json_t *o;
	size_t i;
	long long n = 0;
	char where[64];

	*out = NULL;
	if (!json_is_object(doc)) {
		rc = s_bad("document", NULL, "is not an object");
		goto cleanup;
	}
	/* v1 is v2 without the fields v2 added: every one of them is optional on read. */
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	if (!schema ||
	    (strcmp(schema, C1_REPORT_SCHEMA_ID) != 0 && strcmp(schema, "c1onboard.report/v1") != 0)) {
		c1_error_set("report.json: schema is not \"%s\" (nor v1)", C1_REPORT_SCHEMA_ID);
		goto cleanup;
	}
	if ((rc = s_run_from(&r->run, json_object_get(doc, "run"))) != 0)
		goto cleanup;
	summary = json_object_get(doc, "summary");
	if (!json_is_object(summary)) {
		rc = s_bad("summary", NULL, "is not an object");
		goto cleanup;
	}
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++) {
		/* reports from before `orphaned` existed lack it */
		bool optional = s == C1_ACCOUNT_ORPHANED;
		if ((rc = s_get_int(&n, summary, c1_account_status_name((enum c1_account_status)s), optional,
				    "summary")) != 0)
			goto cleanup;
		r->summary[s] = n > 0 ? (size_t)n : 0;
	}
	if ((rc = s_get_int(&n, summary, "total", false, "summary")) != 0)
		goto cleanup;
	r->total = n > 0 ? (size_t)n : 0;
	if ((rc = s_since_from(&r->since, json_object_get(doc, "since_previous"))) != 0)
		goto cleanup;
	if ((rc = s_get_array(&tenants, doc, "tenants", "document")) != 0 ||
	    (rc = s_get_array(&accounts, doc, "accounts", "document")) != 0)
		goto cleanup;
	json_array_foreach(tenants, i, o)
	{
		struct c1_report_tenant *t = c1_report_add_tenant(r);
		snprintf(where, sizeof(where), "tenants[%zu]", i);
		if (!json_is_object(o)) {
			rc = s_bad(where, NULL, "is not an object");
			goto cleanup;
		}
		if ((rc = s_get_str(&t->c1_account_id, o, "c1_account_id", true, where)) != 0 ||
		    (rc = s_get_str(&t->c1_region, o, "c1_region", true, where)) != 0 ||
		    (rc = s_get_str(&t->error, o, "error", true, where)) != 0)
			goto cleanup;
		if (c1_visionone_status_parse(
			&t->visionone, json_string_value(json_object_get(o, "visionone_status"))) != 0) {
			rc = s_enum_fail(where, "visionone_status");
			goto cleanup;
		}
	}
	json_array_foreach(accounts, i, o)
	{
		snprintf(where, sizeof(where), "accounts[%zu]", i);
		if ((rc = s_account_from(c1_report_add_account(r), o, where)) != 0)
			goto cleanup;
	}
	*out = r;
	r = NULL;
	rc = 0;
cleanup:
	c1_report_free(r);
	return rc;
}

int c1_report_read_json(struct c1_report **out, const char *path)
{
	int rc = C1_ERROR;
	FILE *f = NULL;
	struct c1_buf buf = C1_BUF_INIT;
	json_t *doc = NULL;
	char chunk[64 * 1024];

	*out = NULL;
	buf.max = C1_REPORT_READ_MAX;
	f = fopen(path, "rb");
	if (!f) {
		rc = errno == ENOENT ? C1_ENOTFOUND : C1_ERROR;
		c1_error_set("cannot read %s: %s", path, strerror(errno));
		goto cleanup;
	}
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		if (n > 0 && c1_buf_put(&buf, chunk, n) != 0) {
			c1_error_set("%s is larger than %zu bytes", path, C1_REPORT_READ_MAX);
			rc = C1_ETOOBIG;
			goto cleanup;
		}
		if (n < sizeof(chunk))
			break;
	}
	if (ferror(f)) {
		c1_error_set("read error on %s", path);
		goto cleanup;
	}
	rc = c1_json_parse(&doc, c1_buf_view(&buf), C1_REPORT_READ_MAX, 0);
	if (rc != 0)
		goto cleanup;
	rc = c1_report_from_json(out, doc);
cleanup:
	json_decref(doc);
	c1_buf_dispose(&buf);
	if (f)
		fclose(f);
	return rc;
}

void c1_report_account_parts_to_json(const struct c1_report_account *a, char **rollback_json,
				     char **drift_json, char **resources_json)
{
	json_t *v = s_rollback_json(a);
	*rollback_json = c1_json_dump(v);
	json_decref(v);
	v = s_drift_json(a);
	*drift_json = c1_json_dump(v);
	json_decref(v);
	v = s_resources_json(a);
	*resources_json = c1_json_dump(v);
	json_decref(v);
}

static int s_parse_part(json_t **out, const char *text, const char *what)
{
	*out = NULL;
	if (!text || !*text)
		return 0;
	if (c1_json_parse(out, c1_str_from(text), 0, 0) != 0) {
		c1_error_set("stored %s of an account is not valid JSON", what);
		return C1_EINVALID;
	}
	return 0;
}

int c1_report_account_parts_from_json(struct c1_report_account *a, const char *rollback_json,
				      const char *drift_json, const char *resources_json)
{
	int rc = 0;
	json_t *rollback = NULL;
	json_t *drift = NULL;
	json_t *resources = NULL;

	if ((rc = s_parse_part(&rollback, rollback_json, "rollback")) != 0 ||
	    (rc = s_parse_part(&drift, drift_json, "drift")) != 0 ||
	    (rc = s_parse_part(&resources, resources_json, "resources")) != 0)
		goto cleanup;
	if (rollback && !json_is_array(rollback)) {
		rc = s_bad("account", "rollback", "is not an array");
		goto cleanup;
	}
	if (drift && !json_is_array(drift)) {
		rc = s_bad("account", "drift", "is not an array");
		goto cleanup;
	}
	if (rollback && (rc = s_rollback_from(a, rollback, "account")) != 0)
		goto cleanup;
	if (drift && (rc = s_drift_from(a, drift, "account", false)) != 0)
		goto cleanup;
	if (resources && (rc = s_resources_from(a, resources, "account")) != 0)
		goto cleanup;
cleanup:
	json_decref(rollback);
	json_decref(drift);
	json_decref(resources);
	return rc;
}
