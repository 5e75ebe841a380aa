/* report.html (SPEC 5): the run as one self-contained page for a reviewer
 * (summary with a bar chart, tenants, a sortable and filterable account table
 * with each account's steps, rollback, drift and stacks), every input text
 * escaped, written atomically into REPORTS_DIR/<run-id>/ account by account. */
#ifndef C1_REPORTS_REPORT_HTML_H
#define C1_REPORTS_REPORT_HTML_H

#include "engine/core/buf.h"
#include "engine/core/report_model.h"
#include "reports/report_json.h"

#include <stddef.h>

/**
 * Write REPORTS_DIR/<head->run.id>/report.html (temp + rename, mode 0640):
 * run, summary and tenants from `head` (its accounts are ignored; call
 * c1_report_compute_summary or take a spool's counts first), then
 * `accounts_len` accounts, each given by `account_text` as report.json's
 * entry (c1_report_account_to_json_text), parsed, rendered and dropped, so
 * memory does not grow with the number of accounts. Does not touch
 * REPORTS_DIR/latest (report.json points it). 0; C1_EINVALID when the run
 * has no usable id or an entry is not an account object; C1_ERROR (file
 * system); a non-zero return of `account_text` stops the write (temp file
 * removed) and is returned as is, with its message.
 */
int c1_report_write_html_stream(const struct c1_report *head, size_t accounts_len,
				c1_report_account_text_fn account_text, void *payload,
				const char *reports_dir);

/** The same for a fully loaded model (its summary as is). */
int c1_report_write_html(const struct c1_report *report, const char *reports_dir);

/**
 * Append `text` to `out` escaped for HTML text and attribute values (& < > "
 * ' become entities); bytes that are not UTF-8 and control characters other
 * than tab and newline become U+FFFD. NULL appends nothing.
 */
void c1_html_escape(struct c1_buf *out, const char *text);

#endif
