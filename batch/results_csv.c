/* results.csv from the run's rows and their spooled report entries. */
#include "batch/results_csv.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "reports/report_csv.h"
#include "reports/report_dir.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_result_columns[C1_RESULT_COLUMN_COUNT] = {C1_RESULT_COLUMNS};

bool c1_results_status_retried(const char *status)
{
	static const char *const retried[] = {"failed", "rolled_back", "interrupted", "not_started",
					      "invalid"};
	for (size_t i = 0; status && i < sizeof(retried) / sizeof(retried[0]); i++)
		if (strcmp(status, retried[i]) == 0)
			return true;
	return false;
}

/* Earlier statuses, sorted by "account|region" for bsearch. */
struct s_pair {
	char *key;
	char *status;
};

struct s_prev {
	struct s_pair *items;
	size_t n, cap;
};

static void s_prev_add(void *payload, const char *account_id, const char *region, const char *status)
{
	struct s_prev *p = payload;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->items = c1_realloc(p->items, p->cap * sizeof(*p->items));
	}
	p->items[p->n++] = (struct s_pair){c1_asprintf("%s|%s", account_id, region), c1_strdup(status)};
}

static int s_cmp_pair(const void *a, const void *b)
{
	return strcmp(((const struct s_pair *)a)->key, ((const struct s_pair *)b)->key);
}

static const char *s_prev_find(const struct s_prev *p, const char *account_id, const char *region)
{
	char *key = c1_asprintf("%s|%s", account_id, region ? region : "");
	struct s_pair probe = {key, NULL};
	const struct s_pair *hit =
	    p->n ? bsearch(&probe, p->items, p->n, sizeof(*p->items), s_cmp_pair) : NULL;
	free(key);
	return hit ? hit->status : NULL;
}

static void s_prev_dispose(struct s_prev *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].key);
		free(p->items[i].status);
	}
	free(p->items);
}

/* Onboarded then found in sync is no change for a reviewer; everything else compares as is. */
static bool s_in_place(const char *status)
{
	return strcmp(status, "succeeded") == 0 || strcmp(status, "unchanged") == 0;
}

static bool s_same_outcome(const char *before, const char *now)
{
	if (!now)
		return false;
	return strcmp(before, now) == 0 || (s_in_place(before) && s_in_place(now));
}

static void s_header(struct c1_buf *out, const struct c1_account_list *list)
{
	bool first = true;
	for (size_t c = 0; c < list->column_count; c++) {
		if (list->header_kind[c] == C1_COL_RESULT)
			continue;
		if (!first)
			c1_buf_putc(out, ',');
		c1_csv_put_cell(out, list->header[c]);
		first = false;
	}
	for (size_t c = 0; c < C1_RESULT_COLUMN_COUNT; c++) {
		if (!first)
			c1_buf_putc(out, ',');
		c1_csv_put_cell(out, s_result_columns[c]);
		first = false;
	}
	c1_buf_putc(out, '\n');
}

/* One row: its cells as read, then its outcome. */
static void s_row(struct c1_buf *out, const struct c1_account_list *list, const struct c1_account_row *row,
		  const char *status, const char *reason, const char *region, const char *run_id,
		  const struct s_prev *prev)
{
	const char *before = s_prev_find(prev, row->account_id, region);
	const char *changed = !before ? "new" : s_same_outcome(before, status) ? "no" : "yes";
	const char *result[C1_RESULT_COLUMN_COUNT] = {status, reason, run_id, changed, before};
	bool first = true;
	for (size_t c = 0; c < list->column_count; c++) {
		if (list->header_kind[c] == C1_COL_RESULT)
			continue;
		if (!first)
			c1_buf_putc(out, ',');
		c1_csv_put_cell(out, c < row->value_count ? row->values[c] : "");
		first = false;
	}
	for (size_t c = 0; c < C1_RESULT_COLUMN_COUNT; c++) {
		if (!first)
			c1_buf_putc(out, ',');
		c1_csv_put_cell(out, result[c]);
		first = false;
	}
	c1_buf_putc(out, '\n');
}

/* A row from its spooled report entry `entry`. */
static int s_row_from_entry(struct c1_buf *out, const struct c1_account_list *list,
			    const struct c1_account_row *row, const char *entry, const char *run_id,
			    const struct s_prev *prev)
{
	json_error_t jerr;
	json_t *doc = json_loads(entry, 0, &jerr);
	if (!doc) {
		c1_error_set("results.csv: the report entry of row %zu is not JSON: %s", row->line,
			     jerr.text);
		return C1_ERROR;
	}
	s_row(out, list, row, json_string_value(json_object_get(doc, "status")),
	      json_string_value(json_object_get(doc, "reason")),
	      json_string_value(json_object_get(doc, "region")), run_id, prev);
	json_decref(doc);
	return 0;
}

static int s_prev_load(struct s_prev *prev, struct c1_state *state, const char *run_id)
{
	int rc = c1_state_previous_statuses(state, run_id, s_prev_add, prev);
	if (rc == 0 && prev->n)
		qsort(prev->items, prev->n, sizeof(*prev->items), s_cmp_pair);
	return rc;
}

static int s_write(const char *reports_dir, const char *run_id, const struct c1_buf *out)
{
	char *dir = NULL;
	int rc = c1_report_dir_prepare(&dir, reports_dir, run_id);
	if (rc == 0)
		rc = c1_report_dir_write_file(dir, "results.csv", out->ptr ? out->ptr : "", out->len);
	free(dir);
	return rc;
}

int c1_results_csv_write_report(const char *reports_dir, const struct c1_account_list *list,
				const struct c1_report *report, struct c1_state *state)
{
	struct s_prev prev = {0};
	struct c1_buf out = C1_BUF_INIT;
	int rc = s_prev_load(&prev, state, report->run.id);
	out.max = SIZE_MAX;
	s_header(&out, list);
	for (size_t i = 0; i < report->accounts_len && rc == 0; i++) {
		const struct c1_report_account *a = &report->accounts[i];
		if (a->row < 1 || (size_t)a->row > list->count) /* an orphan has no row */
			continue;
		const struct c1_account_row *row = list->rows[a->row - 1];
		if (!a->account_id || strcmp(row->account_id, a->account_id) != 0) {
			c1_error_set("results.csv: row %d of %s is account %s, not %s as in run %s: the file "
				     "changed since the run",
				     a->row, list->path, row->account_id, a->account_id ? a->account_id : "?",
				     report->run.id);
			rc = C1_EINVALID;
			break;
		}
		s_row(&out, list, row, c1_account_status_name(a->status), a->reason, a->region,
		      report->run.id, &prev);
	}
	if (rc == 0)
		rc = s_write(reports_dir, report->run.id, &out);
	c1_buf_dispose(&out);
	s_prev_dispose(&prev);
	return rc;
}

int c1_results_csv_write(const char *reports_dir, const char *run_id, const struct c1_account_list *list,
			 const struct c1_account_row *const *rows, size_t n, struct c1_report_spool *spool,
			 struct c1_state *state)
{
	struct s_prev prev = {0};
	struct c1_buf out = C1_BUF_INIT, entry = C1_BUF_INIT;
	int rc = s_prev_load(&prev, state, run_id);
	out.max = SIZE_MAX;
	s_header(&out, list);
	for (size_t i = 0; i < n && rc == 0; i++) {
		c1_buf_clear(&entry);
		rc = c1_report_spool_read(spool, i, &entry);
		if (rc == 0)
			rc = s_row_from_entry(&out, list, rows[i], c1_buf_cstr(&entry), run_id, &prev);
	}
	if (rc == 0)
		rc = s_write(reports_dir, run_id, &out);
	c1_buf_dispose(&out);
	c1_buf_dispose(&entry);
	s_prev_dispose(&prev);
	return rc;
}
