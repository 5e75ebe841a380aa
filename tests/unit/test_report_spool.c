#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/core/report_model.h"
#include "reports/report_json.h"
#include "reports/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_RUN_ID "20261127T013000Z-spool"

static char *s_dup(const char *s)
{
	return s ? c1_strdup(s) : NULL;
}

/* A model of `n` accounts cycling through every status, with steps, errors,
 * rollback, drift and stacks on some, and strings that need escaping. */
static struct c1_report *s_model(size_t n)
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
	r->run.options_json = s_dup("{\"concurrency\":500}");
	struct c1_report_tenant *t = c1_report_add_tenant(r);
	t->c1_account_id = s_dup("123456789012");
	t->c1_region = s_dup("us-1");
	t->visionone = C1_V1_LINKED;
	for (size_t i = 0; i < n; i++) {
		struct c1_report_account *a = c1_report_add_account(r);
		a->row = (int)i + 1;
		a->account_id = c1_asprintf("%012zu", (size_t)100000000000u + i);
		a->name = i % 3 ? c1_asprintf("Customer \"%zu\" \xc3\xa9\n", i) : NULL;
		a->region = s_dup("eu-west-1");
		/* RUNNING too: it must count and render as failed */
		a->status = (enum c1_account_status)(i % (C1_ACCOUNT_STATUS_COUNT + 1));
		a->duration_s = 0.5 * (double)i;
		a->reason = i % 4 == 1 ? c1_asprintf("reason %zu", i) : NULL;
		for (size_t k = 0; k < i % 5; k++) {
			struct c1_report_step *st = c1_report_account_add_step(a);
			st->name = c1_asprintf("step_%zu", k);
			st->status = (enum c1_step_status)(k % C1_STEP_STATUS_COUNT);
			st->attempts = (int)k;
			st->started_at = s_dup("2026-11-27T01:30:01.000Z");
			if (k == 3) {
				st->has_error = true;
				st->error.code = s_dup("Throttling");
				st->error.message = s_dup("Rate exceeded\t/ \\");
				st->error.http_status = 400;
			}
		}
		if (i % 7 == 3) {
			struct c1_report_rollback *rb = c1_report_account_add_rollback(a);
			rb->step = s_dup("ws_role");
			rb->resource = s_dup("CloudOne-WS");
			rb->status = C1_STEP_UNDONE;
			struct c1_report_drift *d = c1_report_account_add_drift(a);
			d->plane = C1_DRIFT_AWS;
			d->resource = s_dup("CloudOne-WS");
			d->kind = s_dup("missing");
		}
		if (i % 2 == 0) {
			struct c1_report_stack *st = c1_report_account_add_stack(a);
			st->name = s_dup("CloudOne-C1");
			st->id = c1_asprintf("arn:aws:cloudformation:eu-west-1:%s:stack/CloudOne-C1/x",
					     a->account_id);
			st->status = s_dup("CREATE_COMPLETE");
			a->connector_id = s_dup("4711");
		}
	}
	c1_report_compute_summary(r);
	return r;
}

static char *s_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct c1_buf b = C1_BUF_INIT;
	char chunk[8192];
	size_t n;
	if (!f)
		c1_test_fail(__FILE__, __LINE__, "cannot open %s", path);
	b.max = SIZE_MAX;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		c1_buf_put(&b, chunk, n);
	fclose(f);
	return c1_buf_detach(&b);
}

/* report.json written from the spool is byte for byte the one written from
 * the whole model; `head` is the model itself (its accounts are ignored). */
static void s_check_same_report(struct c1_report_spool *s, struct c1_report *model)
{
	char *a_dir = c1_asprintf("%s/from-model", c1_test_tmpdir());
	char *b_dir = c1_asprintf("%s/from-spool", c1_test_tmpdir());
	char *a_path = c1_asprintf("%s/" S_RUN_ID "/report.json", a_dir);
	char *b_path = c1_asprintf("%s/" S_RUN_ID "/report.json", b_dir);
	size_t summary[C1_ACCOUNT_STATUS_COUNT];
	size_t total = 0;

	C1_CHECK_INT(c1_report_write_json(model, a_dir), ==, 0);
	memcpy(summary, model->summary, sizeof(summary));
	total = model->total;
	memset(model->summary, 0, sizeof(model->summary));
	model->total = 0;
	C1_CHECK_INT(c1_report_spool_write_json(s, model, b_dir), ==, 0);
	C1_CHECK(memcmp(summary, model->summary, sizeof(summary)) == 0);
	C1_CHECK_INT(total, ==, model->total);
	char *a = s_read_file(a_path);
	char *b = s_read_file(b_path);
	C1_CHECK_INT(strlen(a), ==, strlen(b));
	C1_CHECK(strcmp(a, b) == 0);
	free(a);
	free(b);
	free(a_path);
	free(b_path);
	free(a_dir);
	free(b_dir);
}

C1_TEST(entries_put_out_of_order_come_back_in_row_order)
{
	enum { N = 50 };
	struct c1_report *r = s_model(N);
	struct c1_report_spool *s = NULL;
	struct c1_buf got = C1_BUF_INIT, want = C1_BUF_INIT;
	size_t summary[C1_ACCOUNT_STATUS_COUNT];
	size_t total = 0;

	C1_CHECK_INT(c1_report_spool_new(&s, c1_test_tmpdir(), N), ==, 0);
	/* the temp file is unlinked at once: the directory stays empty */
	DIR *d = opendir(c1_test_tmpdir());
	C1_CHECK(d != NULL);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		C1_CHECK(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0);
	closedir(d);

	/* odd rows backwards, then even rows forwards; every third with a note */
	for (size_t k = 0; k < N; k++) {
		size_t i = k < N / 2 ? N - 1 - 2 * k : 2 * (k - N / 2);
		char note[64];
		snprintf(note, sizeof(note), "plan of row %zu\n  line two\n", i);
		C1_CHECK_INT(c1_report_spool_put(s, i, &r->accounts[i], i % 3 ? NULL : note), ==, 0);
	}
	C1_CHECK(c1_report_spool_error(s) == NULL);
	c1_report_spool_summary(s, summary, &total);
	C1_CHECK_INT(total, ==, N);
	C1_CHECK(memcmp(summary, r->summary, sizeof(summary)) == 0);
	C1_CHECK_INT(summary[C1_ACCOUNT_FAILED], >, summary[C1_ACCOUNT_SUCCEEDED]); /* RUNNING counted */

	for (size_t i = 0; i < N; i++) {
		c1_buf_clear(&got);
		c1_buf_clear(&want);
		C1_CHECK_INT(c1_report_spool_read(s, i, &got), ==, 0);
		C1_CHECK_INT(c1_report_account_to_json_text(&want, &r->accounts[i]), ==, 0);
		C1_CHECK_STR(c1_buf_cstr(&got), c1_buf_cstr(&want));
		c1_buf_clear(&got);
		C1_CHECK_INT(c1_report_spool_read_note(s, i, &got), ==, 0);
		if (i % 3) {
			C1_CHECK_INT(got.len, ==, 0);
		} else {
			char note[64];
			snprintf(note, sizeof(note), "plan of row %zu\n  line two\n", i);
			C1_CHECK_STR(c1_buf_cstr(&got), note);
		}
	}
	s_check_same_report(s, r);

	c1_buf_dispose(&got);
	c1_buf_dispose(&want);
	c1_report_spool_free(s);
	c1_report_free(r);
}

C1_TEST(empty_run_writes_the_same_report)
{
	struct c1_report *r = s_model(0);
	struct c1_report_spool *s = NULL;
	C1_CHECK_INT(c1_report_spool_new(&s, c1_test_tmpdir(), 0), ==, 0);
	s_check_same_report(s, r);
	c1_report_spool_free(s);
	c1_report_free(r);
}

C1_TEST(bad_rows_are_refused_and_a_missing_row_fails_the_report)
{
	struct c1_report *r = s_model(3);
	struct c1_report_spool *s = NULL;
	struct c1_buf b = C1_BUF_INIT;
	size_t summary[C1_ACCOUNT_STATUS_COUNT];
	size_t total = 0;
	char *dir = c1_asprintf("%s/reports", c1_test_tmpdir());
	char *path = c1_asprintf("%s/" S_RUN_ID "/report.json", dir);

	C1_CHECK_INT(c1_report_spool_new(&s, c1_test_tmpdir(), 3), ==, 0);
	C1_CHECK_INT(c1_report_spool_put(s, 3, &r->accounts[0], NULL), ==, C1_EINVALID);
	C1_CHECK_INT(c1_report_spool_put(s, 0, &r->accounts[0], NULL), ==, 0);
	C1_CHECK_INT(c1_report_spool_put(s, 0, &r->accounts[0], NULL), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "twice");
	C1_CHECK_INT(c1_report_spool_put(s, 2, &r->accounts[2], NULL), ==, 0);
	c1_report_spool_summary(s, summary, &total);
	C1_CHECK_INT(total, ==, 2);
	C1_CHECK_INT(c1_report_spool_read(s, 1, &b), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_report_spool_read_note(s, 7, &b), ==, C1_ENOTFOUND);
	C1_CHECK(c1_report_spool_error(s) == NULL); /* refusals do not fail the spool */

	C1_CHECK_INT(c1_report_spool_write_json(s, r, dir), ==, C1_ERROR);
	C1_CHECK_CONTAINS(c1_error_last(), "row 1");
	C1_CHECK(access(path, F_OK) != 0);

	c1_buf_dispose(&b);
	free(path);
	free(dir);
	c1_report_spool_free(s);
	c1_report_free(r);
}

C1_TEST(a_spool_that_cannot_be_created_names_its_path)
{
	struct c1_report_spool *s = NULL;
	char *missing = c1_asprintf("%s/no/such/dir", c1_test_tmpdir());
	C1_CHECK_INT(c1_report_spool_new(&s, missing, 10), ==, C1_ERROR);
	C1_CHECK(s == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), missing);
	C1_CHECK_CONTAINS(c1_error_last(), "report spool");
	free(missing);
}

/* A full disk: /dev/full fails every write with ENOSPC. The accounts are
 * still counted; the report is refused with the spool's name and reason. */
C1_TEST(a_write_failure_counts_the_account_and_fails_the_report)
{
	struct c1_report *r = s_model(4);
	struct c1_report_spool *s = NULL;
	struct c1_buf b = C1_BUF_INIT;
	size_t summary[C1_ACCOUNT_STATUS_COUNT];
	size_t total = 0;
	char *dir = c1_asprintf("%s/reports", c1_test_tmpdir());
	char *path = c1_asprintf("%s/" S_RUN_ID "/report.json", dir);
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "SKIP: /dev/full is not available\n");
		goto cleanup;
	}
	C1_CHECK_INT(c1_report_spool_new_fd(&s, fd, "/dev/full", 4), ==, 0);
	C1_CHECK_INT(c1_report_spool_put(s, 1, &r->accounts[1], "note"), ==, C1_ERROR);
	C1_CHECK_CONTAINS(c1_error_last(), "/dev/full");
	C1_CHECK_CONTAINS(c1_error_last(), strerror(ENOSPC));
	C1_CHECK(c1_report_spool_error(s) != NULL);
	C1_CHECK_CONTAINS(c1_report_spool_error(s), "/dev/full");
	for (size_t i = 0; i < 4; i++)
		if (i != 1)
			C1_CHECK_INT(c1_report_spool_put(s, i, &r->accounts[i], NULL), ==, C1_ERROR);
	c1_report_spool_summary(s, summary, &total);
	C1_CHECK_INT(total, ==, 4);
	C1_CHECK(memcmp(summary, r->summary, sizeof(summary)) == 0);
	C1_CHECK_INT(c1_report_spool_read(s, 0, &b), ==, C1_ERROR);

	C1_CHECK_INT(c1_report_spool_write_json(s, r, dir), ==, C1_ERROR);
	C1_CHECK_CONTAINS(c1_error_last(), "/dev/full");
	C1_CHECK_INT(r->total, ==, 4); /* the counts still reach the caller */
	C1_CHECK(access(path, F_OK) != 0);
cleanup:
	c1_buf_dispose(&b);
	free(path);
	free(dir);
	c1_report_spool_free(s);
	c1_report_free(r);
}

struct s_putter {
	struct c1_report_spool *s;
	struct c1_report *r;
	size_t first, step;
	int failures;
};

static void *s_put_rows(void *arg)
{
	struct s_putter *p = arg;
	for (size_t i = p->first; i < p->r->accounts_len; i += p->step)
		if (c1_report_spool_put(p->s, i, &p->r->accounts[i], i % 2 ? "x\n" : NULL) != 0)
			p->failures++;
	return NULL;
}

C1_TEST(puts_from_many_threads_keep_every_entry)
{
	enum { N = 2000, T = 4 };
	struct c1_report *r = s_model(N);
	struct c1_report_spool *s = NULL;
	pthread_t th[T];
	struct s_putter p[T];

	C1_CHECK_INT(c1_report_spool_new(&s, c1_test_tmpdir(), N), ==, 0);
	for (size_t k = 0; k < T; k++) {
		p[k] = (struct s_putter){s, r, k, T, 0};
		C1_CHECK_INT(pthread_create(&th[k], NULL, s_put_rows, &p[k]), ==, 0);
	}
	for (size_t k = 0; k < T; k++) {
		pthread_join(th[k], NULL);
		C1_CHECK_INT(p[k].failures, ==, 0);
	}
	s_check_same_report(s, r);
	c1_report_spool_free(s);
	c1_report_free(r);
}
