#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/core/report_model.h"
#include "reports/report_html.h"
#include "reports/spool.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_RUN_ID "20261127T013000Z-html"

static char *s_dup(const char *s)
{
	return s ? c1_strdup(s) : NULL;
}

/* A hostile value naming its field, so a miss says which field was not escaped. */
static char *s_hostile(const char *field)
{
	return c1_asprintf("<script>alert('%s')</script><img src=x onerror=\"%s\">&", field, field);
}

/* What c1_html_escape makes of s_hostile(field). */
static char *s_hostile_escaped(const char *field)
{
	return c1_asprintf("&lt;script&gt;alert(&#39;%s&#39;)&lt;/script&gt;&lt;img src=x "
			   "onerror=&quot;%s&quot;&gt;&amp;",
			   field, field);
}

static const char *const s_hostile_fields[] = {
    "tenant_id",      "tenant_error",    "input_path",         "account_name",    "account_reason",
    "step_name",      "step_error_code", "step_error_message", "step_request_id", "rollback_resource",
    "rollback_error", "drift_resource",  "drift_kind",         "drift_expected",  "drift_actual",
    "stack_name",     "stack_id",        "stack_status",       "connector_id",    "plan_note",
    "options",
};

static void s_error(struct c1_report_error *e, const char *code, const char *message, long status,
		    const char *req)
{
	e->code = s_dup(code);
	e->message = s_dup(message);
	e->http_status = status;
	e->request_id = s_dup(req);
}

static struct c1_report *s_head(void)
{
	struct c1_report *r = c1_report_new();
	r->run.id = s_dup(S_RUN_ID);
	r->run.command = s_dup("apply");
	r->run.strategy = s_dup("direct");
	r->run.status = C1_RUN_FINISHED;
	r->run.started_at = s_dup("2026-11-27T01:30:00.000Z");
	r->run.finished_at = s_dup("2026-11-27T01:42:10.250Z");
	r->run.tool_version = s_dup("0.1.0");
	r->run.input_path = s_dup("accounts.csv");
	return r;
}

static struct c1_report_account *s_account(struct c1_report *r, int row, enum c1_account_status status)
{
	struct c1_report_account *a = c1_report_add_account(r);
	a->row = row;
	a->account_id = c1_asprintf("%012d", 100000000 + row);
	a->name = c1_asprintf("Customer %d", row);
	a->region = s_dup("eu-west-1");
	a->status = status;
	a->duration_s = 1.5 * row;
	return a;
}

/* Every rendered text field holds s_hostile(<its name>). */
static struct c1_report *s_hostile_model(void)
{
	struct c1_report *r = s_head();
	c1_report_set_str(&r->run.input_path, NULL);
	r->run.input_path = s_hostile("input_path");
	/* a JSON string value may hold < > & ' and an escaped quote */
	r->run.options_json = c1_asprintf("{\"only\":\"%s\"}", "<script>alert('options')</script>");
	struct c1_report_tenant *t = c1_report_add_tenant(r);
	t->c1_account_id = s_hostile("tenant_id");
	t->c1_region = s_dup("us-1");
	t->visionone = C1_V1_FAILED;
	t->error = s_hostile("tenant_error");

	struct c1_report_account *a = s_account(r, 1, C1_ACCOUNT_ROLLED_BACK);
	c1_report_set_str(&a->name, NULL);
	a->name = s_hostile("account_name");
	a->reason = s_hostile("account_reason");
	struct c1_report_step *st = c1_report_account_add_step(a);
	st->name = s_hostile("step_name");
	st->status = C1_STEP_FAILED;
	st->attempts = 3;
	st->started_at = s_dup("2026-11-27T01:30:01.000Z");
	st->finished_at = s_dup("2026-11-27T01:30:09.500Z");
	st->has_error = true;
	st->error.code = s_hostile("step_error_code");
	st->error.message = s_hostile("step_error_message");
	st->error.http_status = 400;
	st->error.request_id = s_hostile("step_request_id");
	st->plan = s_dup("update");
	st->plan_note = s_hostile("plan_note");
	struct c1_report_rollback *rb = c1_report_account_add_rollback(a);
	rb->step = s_dup("ws_role");
	rb->resource = s_hostile("rollback_resource");
	rb->status = C1_STEP_UNDO_FAILED;
	rb->has_error = true;
	s_error(&rb->error, "AccessDenied", NULL, 403, NULL);
	rb->error.message = s_hostile("rollback_error");
	struct c1_report_drift *d = c1_report_account_add_drift(a);
	d->plane = C1_DRIFT_AWS;
	d->resource = s_hostile("drift_resource");
	d->kind = s_hostile("drift_kind");
	d->expected = s_hostile("drift_expected");
	d->actual = s_hostile("drift_actual");
	struct c1_report_stack *sk = c1_report_account_add_stack(a);
	sk->name = s_hostile("stack_name");
	sk->id = s_hostile("stack_id");
	sk->status = s_hostile("stack_status");
	a->connector_id = s_hostile("connector_id");
	c1_report_compute_summary(r);
	return r;
}

static char *s_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct c1_buf buf = C1_BUF_INIT;
	char chunk[8192];
	size_t n;
	C1_CHECK(f != NULL);
	buf.max = SIZE_MAX;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		c1_buf_put(&buf, chunk, n);
	fclose(f);
	return c1_buf_detach(&buf);
}

static char *s_html_path(const char *dir)
{
	return c1_asprintf("%s/%s/report.html", dir, S_RUN_ID);
}

static char *s_write_and_read(const struct c1_report *r, const char *dir)
{
	C1_CHECK_INT(c1_report_write_html(r, dir), ==, 0);
	char *path = s_html_path(dir);
	char *html = s_read(path);
	free(path);
	return html;
}

static size_t s_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

C1_TEST(escape_turns_markup_characters_into_entities)
{
	struct c1_buf b = C1_BUF_INIT;
	c1_html_escape(&b, "<script>alert(1)</script> & \"x\" 'y'");
	C1_CHECK_STR(c1_buf_cstr(&b),
		     "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;");
	c1_buf_clear(&b);
	/* UTF-8 is kept; a broken byte and a control character are replaced */
	c1_html_escape(&b, "caf\xc3\xa9 \xff\x01\tend\n");
	C1_CHECK_STR(c1_buf_cstr(&b), "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\tend\n");
	c1_buf_clear(&b);
	c1_html_escape(&b, NULL);
	C1_CHECK_INT(b.len, ==, 0);
	c1_buf_dispose(&b);
}

C1_TEST(every_rendered_field_is_escaped)
{
	struct c1_report *r = s_hostile_model();
	char *html = s_write_and_read(r, c1_test_tmpdir());
	for (size_t i = 0; i < sizeof(s_hostile_fields) / sizeof(s_hostile_fields[0]); i++) {
		const char *field = s_hostile_fields[i];
		if (strcmp(field, "options") == 0)
			continue; /* a JSON document: checked below */
		char *raw = s_hostile(field);
		char *escaped = s_hostile_escaped(field);
		C1_CHECK_NOT_CONTAINS(html, raw);
		if (!strstr(html, escaped))
			c1_test_fail(__FILE__, __LINE__, "field %s is not rendered escaped", field);
		free(raw);
		free(escaped);
	}
	C1_CHECK_CONTAINS(html, "&lt;script&gt;alert(&#39;options&#39;)&lt;/script&gt;");
	/* the page's own script is the only one, and no data made a tag */
	C1_CHECK_INT(s_count(html, "<script"), ==, 1);
	C1_CHECK_INT(s_count(html, "<img"), ==, 0);
	C1_CHECK_INT(s_count(html, "onerror=\""), ==, 0);
	/* the error's HTTP status and the rollback's outcome are shown */
	C1_CHECK_CONTAINS(html, "HTTP 400");
	C1_CHECK_CONTAINS(html, "left behind");
	free(html);
	c1_report_free(r);
}

C1_TEST(the_page_is_self_contained)
{
	struct c1_report *r = s_head();
	r->run.options_json = s_dup("{\"concurrency\":8}");
	struct c1_report_tenant *t = c1_report_add_tenant(r);
	t->c1_account_id = s_dup("123456789012");
	t->c1_region = s_dup("us-1");
	t->visionone = C1_V1_LINKED;
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++) {
		struct c1_report_account *a = s_account(r, s + 1, (enum c1_account_status)s);
		struct c1_report_step *st = c1_report_account_add_step(a);
		st->name = s_dup("preflight");
		st->status = C1_STEP_DONE;
		st->started_at = s_dup("2026-11-27T01:30:01.000Z");
		st->finished_at = s_dup("2026-11-27T01:30:02.000Z");
		struct c1_report_stack *sk = c1_report_account_add_stack(a);
		sk->name = s_dup("CloudOne-WS");
		sk->id = s_dup("arn:aws:cloudformation:eu-west-1:1:stack/CloudOne-WS/1");
		sk->status = s_dup("CREATE_COMPLETE");
	}
	c1_report_compute_summary(r);
	char *html = s_write_and_read(r, c1_test_tmpdir());
	C1_CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	C1_CHECK_CONTAINS(html, "</html>\n");
	C1_CHECK_NOT_CONTAINS(html, "src=");
	C1_CHECK_NOT_CONTAINS(html, "href=");
	C1_CHECK_NOT_CONTAINS(html, "@import");
	C1_CHECK_NOT_CONTAINS(html, "url(");
	C1_CHECK_NOT_CONTAINS(html, "<link");
	C1_CHECK_NOT_CONTAINS(html, "@font-face");
	C1_CHECK_NOT_CONTAINS(html, "https://");
	/* the only http:// is the SVG namespace name, which is never fetched */
	C1_CHECK_INT(s_count(html, "http://"), ==, s_count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
	/* and the browser is told to fetch nothing */
	C1_CHECK_CONTAINS(html, "Content-Security-Policy\" content=\"default-src 'none';");
	C1_CHECK_CONTAINS(html, "script-src 'sha256-");
	C1_CHECK_CONTAINS(html, "@media print{");
	free(html);
	c1_report_free(r);
}

C1_TEST(summary_counts_chart_and_rows_agree)
{
	static const enum c1_account_status statuses[] = {
	    C1_ACCOUNT_SUCCEEDED, C1_ACCOUNT_SUCCEEDED, C1_ACCOUNT_SUCCEEDED,   C1_ACCOUNT_FAILED,
	    C1_ACCOUNT_FAILED,    C1_ACCOUNT_DRIFTED,   C1_ACCOUNT_ROLLED_BACK, C1_ACCOUNT_NOT_STARTED,
	};
	struct c1_report *r = s_head();
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		s_account(r, (int)i + 1, statuses[i]);
	c1_report_compute_summary(r);
	char *html = s_write_and_read(r, c1_test_tmpdir());
	C1_CHECK_CONTAINS(html, "<option value=\"\">all (8)</option>");
	C1_CHECK_CONTAINS(html, "<option value=\"succeeded\">succeeded (3)</option>");
	C1_CHECK_CONTAINS(html, "<option value=\"failed\">failed (2)</option>");
	C1_CHECK_CONTAINS(html, "<option value=\"invalid\">invalid (0)</option>");
	C1_CHECK_CONTAINS(html, "<title>succeeded: 3</title>");
	C1_CHECK_CONTAINS(html, "<title>rolled_back: 1</title>");
	C1_CHECK_CONTAINS(html, "<title>unchanged: 0</title>");
	C1_CHECK_INT(s_count(html, "<tbody class=\"acct\" data-status=\"succeeded\""), ==, 3);
	C1_CHECK_INT(s_count(html, "<tbody class=\"acct\" data-status=\"failed\""), ==, 2);
	C1_CHECK_INT(s_count(html, "<tbody class=\"acct\""), ==, 8);
	/* run duration from its times: 01:30:00.000 to 01:42:10.250 */
	C1_CHECK_CONTAINS(html, "<dt>Duration</dt><dd>12 min 10 s</dd>");
	free(html);
	c1_report_free(r);
}

static int s_fail_third(struct c1_buf *out, size_t i, void *payload)
{
	const struct c1_report *r = payload;
	if (i == 2) {
		c1_error_set("spool read failed at %zu", i);
		return C1_ENOTFOUND;
	}
	return c1_report_account_to_json_text(out, &r->accounts[i]);
}

static int s_not_an_account(struct c1_buf *out, size_t i, void *payload)
{
	(void)i;
	(void)payload;
	return c1_buf_puts(out, "[1, 2");
}

C1_TEST(a_failed_entry_stops_the_write_and_leaves_no_file)
{
	struct c1_report *r = s_head();
	for (int i = 0; i < 4; i++)
		s_account(r, i + 1, C1_ACCOUNT_SUCCEEDED);
	c1_report_compute_summary(r);
	const char *dir = c1_test_tmpdir();
	C1_CHECK_INT(c1_report_write_html_stream(r, 4, s_fail_third, r, dir), ==, C1_ENOTFOUND);
	C1_CHECK_STR(c1_error_last(), "spool read failed at 2");
	C1_CHECK_INT(c1_report_write_html_stream(r, 1, s_not_an_account, r, dir), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "account entry 0");
	char *run_dir = c1_asprintf("%s/%s", dir, S_RUN_ID);
	DIR *d = opendir(run_dir);
	C1_CHECK(d != NULL);
	for (struct dirent *e = readdir(d); e; e = readdir(d))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			c1_test_fail(__FILE__, __LINE__, "left in the run dir: %s", e->d_name);
	closedir(d);
	free(run_dir);
	/* no run id: nothing is written */
	c1_report_set_str(&r->run.id, NULL);
	C1_CHECK_INT(c1_report_write_html(r, dir), ==, C1_EINVALID);
	c1_report_free(r);
}

C1_TEST(spool_writes_rows_in_row_order_with_its_counts)
{
	struct c1_report *r = s_head();
	struct c1_report_spool *spool = NULL;
	const char *dir = c1_test_tmpdir();
	for (int i = 0; i < 3; i++)
		s_account(r, i + 1, i == 1 ? C1_ACCOUNT_FAILED : C1_ACCOUNT_SUCCEEDED);
	C1_CHECK_INT(c1_report_spool_new(&spool, dir, 3), ==, 0);
	/* accounts end in any order; the page lists them by row */
	C1_CHECK_INT(c1_report_spool_put(spool, 2, &r->accounts[2], NULL), ==, 0);
	C1_CHECK_INT(c1_report_spool_put(spool, 0, &r->accounts[0], NULL), ==, 0);
	C1_CHECK_INT(c1_report_spool_put(spool, 1, &r->accounts[1], NULL), ==, 0);
	C1_CHECK_INT(c1_report_spool_write_html(spool, r, dir), ==, 0);
	C1_CHECK_INT(r->total, ==, 3);
	C1_CHECK_INT(r->summary[C1_ACCOUNT_FAILED], ==, 1);
	char *path = s_html_path(dir);
	char *html = s_read(path);
	const char *first = strstr(html, "data-row=\"1\"");
	const char *second = strstr(html, "data-row=\"2\"");
	const char *third = strstr(html, "data-row=\"3\"");
	C1_CHECK(first && second && third && first < second && second < third);
	C1_CHECK_CONTAINS(html, "<option value=\"failed\">failed (1)</option>");
	free(html);
	free(path);
	c1_report_spool_free(spool);
	c1_report_free(r);
}
