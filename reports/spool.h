/* The report spool: each finished account's report.json entry, rendered when
 * the account ends and kept in an unlinked temp file rather than in memory,
 * with the per-status counts; report.json then copies the entries in row
 * order. Owns the temp file, one offset per row and the counts. */
#ifndef C1_REPORTS_SPOOL_H
#define C1_REPORTS_SPOOL_H

#include "engine/core/buf.h"
#include "engine/core/report_model.h"

#include <stddef.h>

struct c1_report_spool;

/**
 * A new spool for `rows` entries (rows 0 .. rows-1), its temp file created
 * in `dir` and unlinked at once, so it goes away with the process. `*out`
 * is freed with c1_report_spool_free. 0, or C1_ERROR when the file cannot be
 * created (the message names the path).
 */
int c1_report_spool_new(struct c1_report_spool **out, const char *dir, size_t rows);

/**
 * The same on an open file descriptor (owned by the spool from then on;
 * tests pass /dev/full). `name` is what error messages call it.
 */
int c1_report_spool_new_fd(struct c1_report_spool **out, int fd, const char *name, size_t rows);

/**
 * Render `account` (c1_report_account_to_json_text) and append it as entry
 * `row`, with `note` (NULL for none: any text the caller wants back in row
 * order, e.g. a plan's lines). The account's status is counted even when
 * the write fails. Thread-safe (rendering runs outside the spool's lock).
 * 0; C1_EINVALID when `row` is out of range or already put; C1_ERROR when
 * the text cannot be rendered or written: the spool is then failed, later
 * puts only count, and c1_report_spool_error() holds the message.
 */
int c1_report_spool_put(struct c1_report_spool *s, size_t row, const struct c1_report_account *account,
			const char *note);

/** Per-status counts and total of the entries put (an out-of-range status counts as failed). */
void c1_report_spool_summary(struct c1_report_spool *s, size_t summary[C1_ACCOUNT_STATUS_COUNT],
			     size_t *total);

/** NULL, or the message of the first failed write (the spool's path and the system's reason). */
const char *c1_report_spool_error(struct c1_report_spool *s);

/**
 * Append entry `row`'s account text (as put) to `out`. C1_ENOTFOUND when the
 * row was never put; C1_ERROR on a failed spool or a read error.
 */
int c1_report_spool_read(struct c1_report_spool *s, size_t row, struct c1_buf *out);

/** Append entry `row`'s note to `out` (nothing for none). As c1_report_spool_read. */
int c1_report_spool_read_note(struct c1_report_spool *s, size_t row, struct c1_buf *out);

/**
 * Write report.json (c1_report_write_json_stream): run and tenants from
 * `head`, the summary from the spool's counts (also stored into
 * head->summary and head->total), and every row's entry in row order.
 * C1_ERROR when the spool failed or lacks a row; otherwise as
 * c1_report_write_json.
 */
int c1_report_spool_write_json(struct c1_report_spool *s, struct c1_report *head, const char *reports_dir);

/**
 * Write report.html (c1_report_write_html_stream) the same way: run and
 * tenants from `head`, the summary from the spool's counts, every row's
 * entry in row order, each parsed and rendered on its own.
 */
int c1_report_spool_write_html(struct c1_report_spool *s, struct c1_report *head, const char *reports_dir);

/** Close the temp file and free the spool. NULL is fine. */
void c1_report_spool_free(struct c1_report_spool *s);

#endif
