#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/core/report_model.h"
#include "reports/report_dir.h"
#include "reports/report_html.h"
#include "reports/report_json.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *s_dup(const char *s)
{
	return s ? c1_strdup(s) : NULL;
}

static void s_error(struct c1_report_error *e, const char *code, const char *message, long status,
		    const char *req)
{
	e->code = s_dup(code);
	e->message = s_dup(message);
	e->http_status = status;
	e->request_id = s_dup(req);
}

/* A model that uses every status, plane and optional field at least once. */
static struct c1_report *s_full_model(const char *run_id)
{
	struct c1_report *r = c1_report_new();
	r->run.id = s_dup(run_id);
	r->run.command = s_dup("apply");
	r->run.strategy = s_dup("direct");
	r->run.status = C1_RUN_FINISHED;
	r->run.started_at = s_dup("2026-11-27T01:30:00.000Z");
	r->run.finished_at = s_dup("2026-11-27T01:42:10.250Z");
	r->run.tool_version = s_dup("0.1.0");
	r->run.input_path = s_dup("examples/accounts.csv");
	r->run.input_sha256 = s_dup("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	r->run.options_json =
	    s_dup("{\"concurrency\":8,\"max_failures\":\"10%\",\"only\":[\"111122223333\"]}");
	r->run.has_exit_code = true;
	r->run.exit_code = 1;
	r->run.host = s_dup("msp-runner-1");
	r->run.user = s_dup("c1ops");

	for (int v = 0; v < C1_V1_STATUS_COUNT; v++) {
		struct c1_report_tenant *t = c1_report_add_tenant(r);
		t->visionone = (enum c1_visionone_status)v;
		t->c1_account_id = v == C1_V1_SKIPPED ? NULL : c1_asprintf("12345678901%d", v);
		t->c1_region = s_dup("us-1");
		t->error = v == C1_V1_FAILED ? s_dup("Vision One: 401 invalid token") : NULL;
	}
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++) {
		struct c1_report_account *a = c1_report_add_account(r);
		a->row = s + 1;
		a->account_id = c1_asprintf("1111222233%02d", s);
		a->name = s % 2 ? c1_asprintf("Customer %d", s) : NULL;
		a->region = s_dup("us-east-1");
		a->status = (enum c1_account_status)s;
		a->duration_s = 12.3456 * s;
		a->reason =
		    s == C1_ACCOUNT_FAILED ? s_dup("undo of c1_role failed: CloudOne-C1 left behind") : NULL;
		for (int st = 0; st < C1_STEP_STATUS_COUNT; st++) {
			struct c1_report_step *step = c1_report_account_add_step(a);
			step->name = c1_asprintf("step_%d", st);
			step->status = (enum c1_step_status)st;
			step->attempts = st;
			step->started_at = st ? s_dup("2026-11-27T01:30:01.000Z") : NULL;
			step->finished_at = st > 1 ? s_dup("2026-11-27T01:30:09.500Z") : NULL;
			if (st == C1_STEP_FAILED) {
				step->has_error = true;
				s_error(&step->error, "Throttling", "Rate exceeded", 400, "8d9c-req");
				step->error.retryable = true;
				step->resource = s_dup("CloudOne-C1");
				step->resource_id = s_dup(
				    "arn:aws:cloudformation:us-east-1:111122223333:stack/CloudOne-C1/abc");
				struct c1_report_retry *rt = c1_report_step_add_retry(step);
				rt->at = s_dup("2026-11-27T01:30:02.000Z");
				rt->code = s_dup("Throttling");
				rt->http_status = 400;
				rt->request_id = s_dup("req-r1");
				rt->wait_s = 1.25;
				rt->outage = true;
				struct c1_report_event *ev = c1_report_step_add_event(step);
				ev->at = s_dup("2026-11-27T01:30:05.000Z");
				ev->logical_id = s_dup("CloudOneRole");
				ev->resource_type = s_dup("AWS::IAM::Role");
				ev->status = s_dup("CREATE_FAILED");
				ev->reason = s_dup("Role already exists");
			} else if (st == C1_STEP_UNDO_FAILED) {
				step->has_error = true;
				s_error(&step->error, "ETRANSPORT", "connection reset", 0, NULL);
			}
		}
		struct c1_report_rollback *rb = c1_report_account_add_rollback(a);
		rb->step = s_dup("c1_role");
		rb->resource = s_dup("CloudOne-C1");
		rb->resource_type = s_dup("cloudformation_stack");
		rb->at = s_dup("2026-11-27T01:31:00.000Z");
		rb->status = C1_STEP_UNDO_FAILED;
		rb->has_error = true;
		s_error(&rb->error, "DELETE_FAILED", "Role is in use", 400, "req-2");
		rb = c1_report_account_add_rollback(a);
		rb->step = s_dup("ws_connector");
		rb->resource = s_dup("connector 4711");
		rb->status = C1_STEP_UNDONE;
		rb = c1_report_account_add_rollback(a);
		rb->step = s_dup("cloudtrail_token");
		rb->resource = s_dup("");
		rb->status = C1_STEP_SKIPPED;
		for (int p = 0; p < C1_DRIFT_PLANE_COUNT; p++) {
			struct c1_report_drift *d = c1_report_account_add_drift(a);
			d->plane = (enum c1_drift_plane)p;
			d->resource = s_dup("CloudOne-WS");
			d->kind = s_dup(p == 0 ? "stack_parameter_changed" : "missing");
			d->expected = s_dup("ext-1");
			d->actual = p == 0 ? s_dup("ext-2") : NULL;
			d->fix = p == 0 ? s_dup("apply puts the expected value back") : NULL;
		}
		struct c1_report_drift *rp = c1_report_account_add_repair(a);
		rp->plane = C1_DRIFT_AWS;
		rp->resource = s_dup("CloudOne-CTrl");
		rp->kind = s_dup("stack_missing");
		rp->expected = s_dup("CREATE_COMPLETE");
		rp->action = s_dup("created");
		a->caller_arn = s_dup("arn:aws:sts::111122223333:assumed-role/Admin/c1onboard");
		a->hint = s % 3 ? s_dup("run apply again") : NULL;
		a->rerun = (enum c1_rerun)(s % 3);
		struct c1_report_stack *stack = c1_report_account_add_stack(a);
		stack->name = s_dup("CloudOne-C1");
		stack->id = s_dup("arn:aws:cloudformation:us-east-1:111122223333:stack/CloudOne-C1/abc");
		stack->status = s_dup("CREATE_COMPLETE");
		stack = c1_report_account_add_stack(a);
		stack->name = s_dup("CloudOne-CTrl");
		a->connector_id = s % 2 ? s_dup("4711") : NULL;
		a->cloud_account_id = s % 2 ? NULL : s_dup("ca-99");
	}
	c1_report_compute_summary(r);
	return r;
}

static char *s_reports_dir(void)
{
	return c1_asprintf("%s/reports", c1_test_tmpdir());
}

static json_t *s_load(const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!doc)
		c1_test_fail(__FILE__, __LINE__, "%s: %s", path, err.text);
	return doc;
}

/* The object has exactly these keys, in this order. */
static void s_check_keys(const json_t *obj, const char *const *keys, size_t n, const char *what)
{
	const char *key;
	json_t *v;
	size_t i = 0;
	if (!json_is_object(obj))
		c1_test_fail(__FILE__, __LINE__, "%s is not an object", what);
	json_object_foreach((json_t *)obj, key, v)
	{
		(void)v;
		if (i >= n || strcmp(key, keys[i]) != 0)
			c1_test_fail(__FILE__, __LINE__, "%s: key %zu is \"%s\", expected \"%s\"", what, i,
				     key, i < n ? keys[i] : "(none)");
		i++;
	}
	if (i != n)
		c1_test_fail(__FILE__, __LINE__, "%s has %zu keys, expected %zu", what, i, n);
}

#define KEYS(...) \
	(const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)

static bool s_in(const char *value, const char *const *set, size_t n)
{
	for (size_t i = 0; value && i < n; i++) {
		if (strcmp(value, set[i]) == 0)
			return true;
	}
	return false;
}

static void s_check_error(const json_t *e, const char *what)
{
	if (json_is_null(e))
		return;
	s_check_keys(e, KEYS("code", "message", "http_status", "request_id", "retryable"), what);
	C1_CHECK(json_is_boolean(json_object_get(e, "retryable")));
	C1_CHECK(json_is_string(json_object_get(e, "code")));
	C1_CHECK(json_is_integer(json_object_get(e, "http_status")) ||
		 json_is_null(json_object_get(e, "http_status")));
}

/* The SPEC 5 shape checked in C, so the test means something where python3
 * jsonschema is missing. Mirrors reports/schema/report.schema.json. */
static void s_check_structure(const json_t *doc)
{
	const json_t *run = json_object_get(doc, "run");
	const json_t *v;
	size_t i, j;
	s_check_keys(doc, KEYS("schema", "run", "summary", "tenants", "accounts"), "document");
	C1_CHECK_STR(json_string_value(json_object_get(doc, "schema")), "c1onboard.report/v2");
	s_check_keys(run,
		     KEYS("id", "command", "strategy", "status", "started_at", "finished_at", "tool_version",
			  "input_path", "input_sha256", "options", "exit_code", "host", "user"),
		     "run");
	C1_CHECK(json_is_object(json_object_get(run, "options")));
	s_check_keys(json_object_get(doc, "summary"),
		     KEYS("succeeded", "unchanged", "repaired", "drifted", "rolled_back", "failed", "invalid",
			  "interrupted", "not_started", "orphaned", "total"),
		     "summary");
	json_array_foreach(json_object_get(doc, "tenants"), i, v)
	{
		s_check_keys(v, KEYS("c1_account_id", "c1_region", "visionone_status", "error"), "tenant");
		C1_CHECK(
		    s_in(json_string_value(json_object_get(v, "visionone_status")),
			 KEYS("unknown", "linked", "already_linked", "not_linked", "failed", "skipped")));
	}
	json_array_foreach(json_object_get(doc, "accounts"), i, v)
	{
		const json_t *x;
		s_check_keys(v,
			     KEYS("row", "account_id", "name", "region", "status", "duration_s", "reason",
				  "caller_arn", "hint", "rerun_may_succeed", "steps", "rollback",
				  "left_behind", "drift", "repairs", "resources"),
			     "account");
		json_array_foreach(json_object_get(v, "left_behind"), j, x)
		{
			s_check_keys(x, KEYS("step", "resource_type", "resource", "how_to_remove"),
				     "left_behind");
			C1_CHECK_CONTAINS(json_string_value(json_object_get(x, "how_to_remove")), "offboard");
		}
		json_array_foreach(json_object_get(v, "repairs"), j, x) s_check_keys(
		    x, KEYS("plane", "resource", "kind", "expected", "actual", "action"), "repair");
		C1_CHECK(json_is_integer(json_object_get(v, "row")));
		C1_CHECK(json_is_number(json_object_get(v, "duration_s")));
		C1_CHECK(s_in(json_string_value(json_object_get(v, "status")),
			      KEYS("succeeded", "unchanged", "repaired", "drifted", "rolled_back", "failed",
				   "invalid", "interrupted", "not_started", "orphaned")));
		json_array_foreach(json_object_get(v, "steps"), j, x)
		{
			s_check_keys(x,
				     KEYS("name", "status", "attempts", "started_at", "finished_at", "error",
					  "resource", "resource_id", "retries", "events"),
				     "step");
			const json_t *y;
			size_t k;
			json_array_foreach(json_object_get(x, "retries"), k, y) s_check_keys(
			    y, KEYS("at", "code", "http_status", "request_id", "wait_s", "outage"), "retry");
			json_array_foreach(json_object_get(x, "events"), k, y) s_check_keys(
			    y, KEYS("at", "logical_id", "resource_type", "status", "reason"), "event");
			C1_CHECK(s_in(json_string_value(json_object_get(x, "status")),
				      KEYS("pending", "running", "done", "failed", "undone", "undo_failed",
					   "skipped")));
			s_check_error(json_object_get(x, "error"), "step.error");
		}
		json_array_foreach(json_object_get(v, "rollback"), j, x)
		{
			s_check_keys(x, KEYS("step", "resource", "resource_type", "status", "at", "error"),
				     "rollback");
			C1_CHECK(s_in(json_string_value(json_object_get(x, "status")),
				      KEYS("undone", "undo_failed", "skipped")));
			s_check_error(json_object_get(x, "error"), "rollback.error");
		}
		json_array_foreach(json_object_get(v, "drift"), j, x)
		{
			s_check_keys(x, KEYS("plane", "resource", "kind", "expected", "actual", "fix"),
				     "drift");
			C1_CHECK(s_in(json_string_value(json_object_get(x, "plane")),
				      KEYS("aws", "cloudone", "visionone", "config")));
		}
		x = json_object_get(v, "resources");
		s_check_keys(x, KEYS("stacks", "connector_id", "cloud_account_id"), "resources");
		json_array_foreach(json_object_get(x, "stacks"), j, x)
		    s_check_keys(x, KEYS("name", "id", "status"), "stack");
	}
}

/* 0 valid, 1 invalid, 2 python3/jsonschema unavailable. */
static int s_jsonschema(const char *doc_path)
{
	const char *script = c1_test_write_file(
	    "validate.py",
	    "import json, sys\n"
	    "try:\n"
	    "    import jsonschema\n"
	    "except ImportError:\n"
	    "    sys.exit(2)\n"
	    "schema = json.load(open(sys.argv[1]))\n"
	    "errors = "
	    "list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))\n"
	    "for e in errors[:5]:\n"
	    "    print('schema violation at', list(e.absolute_path), ':', e.message, file=sys.stderr)\n"
	    "sys.exit(1 if errors else 0)\n",
	    0600);
	char *cmd = c1_asprintf("python3 '%s' '%s' '%s'", script,
				c1_test_source_path("reports/schema/report.schema.json"), doc_path);
	int status = system(cmd);
	free(cmd);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) == 127)
		return 2;
	return WEXITSTATUS(status);
}

C1_TEST(full_model_renders_every_field)
{
	char *dir = s_reports_dir();
	struct c1_report *r = s_full_model("20261127T013000Z-3f9a");
	char *path = c1_asprintf("%s/20261127T013000Z-3f9a/report.json", dir);
	json_t *doc = NULL;
	const json_t *a;
	const json_t *summary;

	C1_CHECK_INT(c1_report_write_json(r, dir), ==, 0);
	doc = s_load(path);
	s_check_structure(doc);

	summary = json_object_get(doc, "summary");
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
		C1_CHECK_INT(json_integer_value(json_object_get(summary, c1_account_status_name(s))), ==, 1);
	C1_CHECK_INT(json_integer_value(json_object_get(summary, "total")), ==, C1_ACCOUNT_STATUS_COUNT);
	C1_CHECK_STR(c1_json_get_string(doc, "run.id"), "20261127T013000Z-3f9a");
	C1_CHECK_STR(c1_json_get_string(doc, "run.status"), "finished");
	C1_CHECK_STR(c1_json_get_string(doc, "run.options.max_failures"), "10%");
	C1_CHECK_STR(c1_json_get_string(doc, "tenants.4.error"), "Vision One: 401 invalid token");
	C1_CHECK(json_is_null(c1_json_at(doc, "tenants.5.c1_account_id")));

	a = c1_json_at(doc, "accounts.4");
	C1_CHECK_STR(c1_json_get_string(a, "status"), "rolled_back");
	C1_CHECK_STR(c1_json_get_string(c1_json_at(doc, "accounts.5"), "reason"),
		     "undo of c1_role failed: CloudOne-C1 left behind");
	C1_CHECK(json_real_value(json_object_get(a, "duration_s")) == 49.382); /* rounded to ms */
	C1_CHECK_STR(c1_json_get_string(a, "steps.3.error.code"), "Throttling");
	C1_CHECK_INT(json_integer_value(c1_json_at(a, "steps.3.error.http_status")), ==, 400);
	C1_CHECK_STR(c1_json_get_string(a, "steps.3.error.request_id"), "8d9c-req");
	C1_CHECK(json_is_null(c1_json_at(a, "steps.5.error.http_status")));
	C1_CHECK(json_is_null(c1_json_at(a, "steps.2.error")));
	C1_CHECK(json_is_null(c1_json_at(a, "steps.0.started_at")));
	C1_CHECK_STR(c1_json_get_string(a, "rollback.0.status"), "undo_failed");
	C1_CHECK_STR(c1_json_get_string(a, "rollback.0.error.message"), "Role is in use");
	C1_CHECK_STR(c1_json_get_string(a, "drift.0.actual"), "ext-2");
	C1_CHECK(json_is_null(c1_json_at(a, "drift.3.actual")));
	C1_CHECK_STR(c1_json_get_string(a, "drift.3.plane"), "config");
	C1_CHECK_STR(c1_json_get_string(a, "resources.stacks.0.status"), "CREATE_COMPLETE");
	C1_CHECK(json_is_null(c1_json_at(a, "resources.stacks.1.id")));
	C1_CHECK_STR(c1_json_get_string(a, "resources.cloud_account_id"), "ca-99");
	C1_CHECK(json_is_null(c1_json_at(a, "resources.connector_id")));

	json_decref(doc);
	c1_report_free(r);
	free(path);
	free(dir);
}

C1_TEST(output_validates_against_schema)
{
	char *dir = s_reports_dir();
	struct c1_report *r = s_full_model("run-schema");
	char *path = c1_asprintf("%s/run-schema/report.json", dir);
	char *bad = c1_asprintf("%s/run-schema/bad.json", dir);
	json_t *doc = NULL;
	int rc;

	/* Include the edge values too: empty arrays, minimal run. */
	c1_report_add_account(r)->row = 9;
	c1_report_compute_summary(r);
	C1_CHECK_INT(c1_report_write_json(r, dir), ==, 0);
	rc = s_jsonschema(path);
	if (rc == 2) {
		fprintf(stderr, "SKIP: python3 jsonschema not installed; only the structural check ran\n");
		goto cleanup;
	}
	C1_CHECK_INT(rc, ==, 0);

	/* The validator can fail: an unknown status is rejected. */
	doc = s_load(path);
	json_object_set_new(json_array_get(json_object_get(doc, "accounts"), 0), "status",
			    json_string("running"));
	C1_CHECK(json_dump_file(doc, bad, 0) == 0);
	C1_CHECK_INT(s_jsonschema(bad), ==, 1);
cleanup:
	json_decref(doc);
	c1_report_free(r);
	free(bad);
	free(path);
	free(dir);
}

/* Write `r` under `dir`, read report.json back, and check it is the same
 * document with as many accounts. Returns what was read (caller frees). */
static struct c1_report *s_write_and_read_back(const struct c1_report *r, const char *dir)
{
	char *path = c1_asprintf("%s/%s/report.json", dir, r->run.id);
	struct c1_report *back = NULL;
	json_t *a = NULL, *b = NULL;
	C1_CHECK_INT(c1_report_write_json(r, dir), ==, 0);
	C1_CHECK_INT(c1_report_read_json(&back, path), ==, 0);
	C1_CHECK_INT(back->accounts_len, ==, r->accounts_len);
	C1_CHECK_INT(c1_report_to_json(&a, r), ==, 0);
	C1_CHECK_INT(c1_report_to_json(&b, back), ==, 0);
	C1_CHECK(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	free(path);
	return back;
}

C1_TEST(read_back_gives_the_same_document)
{
	char *dir = s_reports_dir();
	struct c1_report *r = s_full_model("run-rt");
	struct c1_report *back = s_write_and_read_back(r, dir);
	C1_CHECK_INT(back->accounts[3].steps[3].error.http_status, ==, 400);
	c1_report_free(back);
	c1_report_free(r);
	free(dir);
}

C1_TEST(latest_points_at_newest_run)
{
	char *dir = s_reports_dir();
	struct c1_report *first = s_full_model("20261127T013000Z-0001");
	struct c1_report *second = s_full_model("20261127T020000Z-0002");
	char *latest = c1_asprintf("%s/latest", dir);
	char *latest_report = c1_asprintf("%s/latest/report.json", dir);
	char target[PATH_MAX];
	ssize_t n;
	struct stat st;
	struct c1_report *back = NULL;
	mode_t old_umask = umask(077);
	DIR *d = NULL;
	struct dirent *e;

	C1_CHECK_INT(c1_report_write_json(first, dir), ==, 0);
	C1_CHECK_INT(c1_report_write_json(second, dir), ==, 0);
	umask(old_umask);
	n = readlink(latest, target, sizeof(target) - 1);
	C1_CHECK(n > 0);
	target[n] = '\0';
	C1_CHECK_STR(target, "20261127T020000Z-0002"); /* relative: the dir can move */
	C1_CHECK_INT(c1_report_read_json(&back, latest_report), ==, 0);
	C1_CHECK_STR(back->run.id, "20261127T020000Z-0002");
	C1_CHECK(stat(latest_report, &st) == 0);
	C1_CHECK_INT(st.st_mode & 0777, ==,
		     0640); /* the owner and its group (reviewers), not everyone, despite umask 077 */

	/* No temp files left behind. */
	d = opendir(dir);
	C1_CHECK(d != NULL);
	while ((e = readdir(d)) != NULL)
		C1_CHECK(strstr(e->d_name, ".tmp") == NULL);
	closedir(d);

	/* Re-rendering an older run (`report --run`) keeps latest on the newest. */
	C1_CHECK_INT(c1_report_write_json(first, dir), ==, 0);
	n = readlink(latest, target, sizeof(target) - 1);
	C1_CHECK(n > 0);
	target[n] = '\0';
	C1_CHECK_STR(target, "20261127T020000Z-0002");

	/* ... unless the newer run's directory is gone. */
	char *second_report = c1_asprintf("%s/20261127T020000Z-0002/report.json", dir);
	char *second_dir = c1_asprintf("%s/20261127T020000Z-0002", dir);
	C1_CHECK(unlink(second_report) == 0 && rmdir(second_dir) == 0);
	C1_CHECK_INT(c1_report_write_json(first, dir), ==, 0);
	n = readlink(latest, target, sizeof(target) - 1);
	C1_CHECK(n > 0);
	target[n] = '\0';
	C1_CHECK_STR(target, "20261127T013000Z-0001");
	free(second_dir);
	free(second_report);

	c1_report_free(back);
	c1_report_free(first);
	c1_report_free(second);
	free(latest_report);
	free(latest);
	free(dir);
}

C1_TEST(strings_are_escaped_and_kept_as_given)
{
	static const char tricky[] =
	    "quote \" backslash \\ newline \n tab \t ctrl \x01 </script> Müller – 東京";
	char *dir = s_reports_dir();
	struct c1_report *r = s_full_model("run-esc");
	struct c1_report *back = NULL;
	char *path = c1_asprintf("%s/run-esc/report.json", dir);
	FILE *f = NULL;
	char raw[256 * 1024];
	size_t n;

	c1_report_set_str(&r->accounts[0].name, tricky);
	c1_report_set_str(&r->accounts[0].steps[3].error.message, tricky);
	c1_report_set_str(&r->accounts[1].name, "bad \xff\xfe utf8 \xc3\xa9 \xe6\x9d\xb1 \xc3");
	C1_CHECK_INT(c1_report_write_json(r, dir), ==, 0);

	f = fopen(path, "rb");
	C1_CHECK(f != NULL);
	n = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	raw[n] = '\0';
	C1_CHECK_CONTAINS(raw, "quote \\\" backslash \\\\ newline \\n tab \\t ctrl \\u0001");
	C1_CHECK_INT(raw[n - 1], ==, '\n');

	C1_CHECK_INT(c1_report_read_json(&back, path), ==, 0);
	C1_CHECK_STR(back->accounts[0].name, tricky);
	C1_CHECK_STR(back->accounts[0].steps[3].error.message, tricky);
	C1_CHECK_STR(back->accounts[1].name, "bad ?? utf8 \xc3\xa9 \xe6\x9d\xb1 ?");

	c1_report_free(back);
	c1_report_free(r);
	free(path);
	free(dir);
}

C1_TEST(bad_input_is_refused_with_a_reason)
{
	char *dir = s_reports_dir();
	struct c1_report *r = s_full_model("../escape");
	json_t *doc = NULL;
	struct c1_report *back = NULL;
	char *latest = NULL;

	C1_CHECK_INT(c1_report_write_json(r, dir), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "../escape");
	c1_report_set_str(&r->run.id, "latest");
	C1_CHECK_INT(c1_report_write_json(r, dir), ==, C1_EINVALID);
	c1_report_set_str(&r->run.id, "run-ok");
	c1_report_set_str(&r->run.options_json, "[\"not\", \"an object\"]");
	C1_CHECK_INT(c1_report_write_json(r, dir), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "options");
	c1_report_set_str(&r->run.options_json, NULL); /* NULL renders {} */

	/* A real directory where the symlink goes is not clobbered. */
	latest = c1_asprintf("%s/latest", dir);
	C1_CHECK(mkdir(dir, 0755) == 0 && mkdir(latest, 0755) == 0);
	C1_CHECK_INT(c1_report_write_json(r, dir), ==, C1_ERROR);
	C1_CHECK_CONTAINS(c1_error_last(), "not a symlink");

	/* The reader names the bad member. */
	C1_CHECK_INT(c1_report_to_json(&doc, r), ==, 0);
	C1_CHECK(json_is_object(c1_json_at(doc, "run.options")));
	json_object_set_new(json_array_get(json_object_get(doc, "accounts"), 2), "status",
			    json_string("running"));
	C1_CHECK_INT(c1_report_from_json(&back, doc), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "accounts[2].status");
	json_object_set_new(doc, "schema", json_string("c1onboard.report/v9"));
	C1_CHECK_INT(c1_report_from_json(&back, doc), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "schema");
	C1_CHECK(back == NULL);

	json_decref(doc);
	c1_report_free(r);
	free(latest);
	free(dir);
}

C1_TEST(summary_counts_and_running_renders_failed)
{
	struct c1_report *r = c1_report_new();
	json_t *doc = NULL;
	enum c1_account_status s;
	r->run.id = s_dup("run-sum");
	for (int i = 0; i < 5; i++) {
		struct c1_report_account *a = c1_report_add_account(r);
		a->row = i + 1;
		a->status = i < 3 ? C1_ACCOUNT_SUCCEEDED : C1_ACCOUNT_RUNNING;
	}
	c1_report_compute_summary(r);
	C1_CHECK_INT(r->summary[C1_ACCOUNT_SUCCEEDED], ==, 3);
	C1_CHECK_INT(r->summary[C1_ACCOUNT_FAILED], ==, 2);
	C1_CHECK_INT(r->total, ==, 5);
	C1_CHECK_INT(c1_report_to_json(&doc, r), ==, 0);
	C1_CHECK_STR(c1_json_get_string(doc, "accounts.4.status"), "failed");
	C1_CHECK_STR(c1_account_status_name(C1_ACCOUNT_ROLLED_BACK), "rolled_back");
	C1_CHECK_INT(c1_account_status_parse(&s, "not_started"), ==, 0);
	C1_CHECK_INT(s, ==, C1_ACCOUNT_NOT_STARTED);
	C1_CHECK_INT(c1_account_status_parse(&s, "interrupted"), ==, 0);
	C1_CHECK_INT(s, ==, C1_ACCOUNT_INTERRUPTED);
	C1_CHECK_INT(c1_account_status_parse(&s, "done"), ==, C1_EINVALID);
	json_decref(doc);
	c1_report_free(r);
	c1_report_free(NULL);
}

C1_TEST(account_parts_round_trip_through_text)
{
	struct c1_report *r = s_full_model("run-parts");
	struct c1_report_account copy = {0};
	char *rollback = NULL, *drift = NULL, *resources = NULL;
	c1_report_account_parts_to_json(&r->accounts[1], &rollback, &drift, &resources);
	C1_CHECK_INT(c1_report_account_parts_from_json(&copy, rollback, drift, resources), ==, 0);
	C1_CHECK_INT(copy.rollback_len, ==, 3);
	C1_CHECK_INT(copy.drift_len, ==, 4);
	C1_CHECK_INT(copy.stacks_len, ==, 2);
	C1_CHECK_STR(copy.connector_id, "4711");
	C1_CHECK_STR(copy.rollback[0].error.request_id, "req-2");
	c1_report_account_dispose(&copy);
	C1_CHECK_INT(c1_report_account_parts_from_json(&copy, NULL, "", NULL), ==, 0);
	C1_CHECK_INT(copy.drift_len, ==, 0);
	C1_CHECK_INT(c1_report_account_parts_from_json(&copy, "{}", NULL, NULL), ==, C1_EINVALID);
	C1_CHECK_INT(c1_report_account_parts_from_json(&copy, "[{\"step\": 1}]", NULL, NULL), ==,
		     C1_EINVALID);
	c1_report_account_dispose(&copy);
	free(rollback);
	free(drift);
	free(resources);
	c1_report_free(r);
}

C1_TEST(format_time_is_iso_utc)
{
	char out[32];
	c1_report_format_time(out, 1795743000123LL);
	C1_CHECK_STR(out, "2026-11-27T01:30:00.123Z");
	c1_report_format_time(out, 0);
	C1_CHECK_STR(out, "1970-01-01T00:00:00.000Z");
}

/* report.json is written account by account (not as one tree): large and
 * empty account lists read back as the same document. */
C1_TEST(streamed_write_reads_back_at_any_size)
{
	char *dir = s_reports_dir();
	for (int pass = 0; pass < 2; pass++) {
		struct c1_report *r = s_full_model(pass ? "run-big" : "run-empty");
		if (pass == 0) {
			for (size_t i = 0; i < r->accounts_len; i++)
				c1_report_account_dispose(&r->accounts[i]);
			r->accounts_len = 0;
		} else {
			/* 3,000 copies of the first account: many 64 KB flushes */
			for (int i = 0; i < 3000; i++) {
				struct c1_report_account *a = c1_report_add_account(r);
				a->row = 100 + i;
				a->account_id = c1_asprintf("%012d", 100000 + i);
				a->region = c1_strdup("us-east-1");
				a->status = C1_ACCOUNT_SUCCEEDED;
				a->reason = c1_asprintf("line one\nline \"two\" %d", i);
			}
		}
		c1_report_compute_summary(r);
		struct c1_report *back = s_write_and_read_back(r, dir);
		c1_report_free(back);
		c1_report_free(r);
	}
	free(dir);
}

/* Someone who can write in the reports folder plants links where a report goes: at the final name
 * and at the temp name it is written under first. The report lands in a new file of its own and
 * the file the links point at is never written. */
C1_TEST(planted_links_are_not_followed)
{
	char *dir = s_reports_dir();
	struct c1_report *r = s_full_model("run-links");
	char *run_dir = c1_asprintf("%s/run-links", dir);
	char *victim = c1_asprintf("%s/victim", c1_test_tmpdir());
	char *victim2 = c1_asprintf("%s/victim2", c1_test_tmpdir());
	char *final = c1_asprintf("%s/report.json", run_dir);
	char *tmp = c1_asprintf("%s/.report.json.tmp.%ld", run_dir, (long)getpid());
	char *tmp_html = c1_asprintf("%s/.report.html.tmp.%ld", run_dir, (long)getpid());
	char buf[64] = "";
	struct stat st;
	FILE *f = NULL;

	C1_CHECK(mkdir(dir, 0755) == 0 && mkdir(run_dir, 0755) == 0);
	f = fopen(victim, "w");
	C1_CHECK(f != NULL);
	fputs("precious", f);
	fclose(f);
	f = fopen(victim2, "w");
	C1_CHECK(f != NULL);
	fputs("precious too", f);
	fclose(f);
	C1_CHECK(symlink(victim, final) == 0);
	C1_CHECK(symlink(victim, tmp) == 0);
	C1_CHECK(link(victim2, tmp_html) == 0); /* a hard link: O_NOFOLLOW alone would truncate it */

	C1_CHECK_INT(c1_report_write_json(r, dir), ==, 0);
	C1_CHECK(lstat(final, &st) == 0 && S_ISREG(st.st_mode));
	C1_CHECK_INT(st.st_mode & 0777, ==, 0640);
	f = fopen(victim, "r");
	C1_CHECK(f != NULL && fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	C1_CHECK_STR(buf, "precious");
	C1_CHECK(stat(victim, &st) == 0 && st.st_nlink == 1);
	C1_CHECK_INT(c1_report_write_html(r, dir), ==, 0);
	f = fopen(victim2, "r");
	C1_CHECK(f != NULL && fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	C1_CHECK_STR(buf, "precious too");
	C1_CHECK(lstat(tmp, &st) != 0 && lstat(tmp_html, &st) != 0); /* the planted names are gone */

	c1_report_free(r);
	free(tmp_html);
	free(tmp);
	free(final);
	free(victim2);
	free(victim);
	free(run_dir);
	free(dir);
}
