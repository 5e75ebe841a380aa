/* results.csv from the run's rows and their spooled report entries. */
#include "batch/results_csv.h"

#include "batch/previous.h"
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

/* One line of the file: the input's cells (its own result columns left
 * out: this run's replace them), then this run's result cells. */
static void s_line(struct c1_buf *out, const struct c1_account_list *list, const char *const *input,
		   size_t n_input, const char *const result[C1_RESULT_COLUMN_COUNT])
{
	bool first = true;
	for (size_t c = 0; c < list->column_count; c++) {
		if (list->header_kind[c] == C1_COL_RESULT)
			continue;
		if (!first)
			c1_buf_putc(out, ',');
		c1_csv_put_cell(out, c < n_input ? input[c] : "");
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

static void s_header(struct c1_buf *out, const struct c1_account_list *list)
{
	s_line(out, list, (const char *const *)list->header, list->column_count, s_result_columns);
}

/* One row: its cells as read, then its outcome. */
static void s_row(struct c1_buf *out, const struct c1_account_list *list, const struct c1_account_row *row,
		  const char *status, const char *reason, const char *region, const char *run_id,
		  const struct c1_previous *prev)
{
	const char *before = c1_previous_status(prev, row->account_id, region);
	const char *changed = c1_previous_changed(before, status);
	const char *result[C1_RESULT_COLUMN_COUNT] = {status, reason, run_id, changed, before};
	s_line(out, list, row->values, row->value_count, result);
}

/* A row from its spooled report entry `entry`. */
static int s_row_from_entry(struct c1_buf *out, const struct c1_account_list *list,
			    const struct c1_account_row *row, const char *entry, const char *run_id,
			    const struct c1_previous *prev)
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
	struct c1_previous prev = C1_PREVIOUS_INIT;
	struct c1_buf out = C1_BUF_INIT;
	int rc = c1_previous_load(&prev, state, report->run.id);
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
	c1_previous_dispose(&prev);
	return rc;
}

int c1_results_csv_write(const char *reports_dir, const char *run_id, const struct c1_account_list *list,
			 const struct c1_account_row *const *rows, size_t n, struct c1_report_spool *spool,
			 struct c1_state *state)
{
	struct c1_previous prev = C1_PREVIOUS_INIT;
	struct c1_buf out = C1_BUF_INIT, entry = C1_BUF_INIT;
	int rc = c1_previous_load(&prev, state, run_id);
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
	c1_previous_dispose(&prev);
	return rc;
}
