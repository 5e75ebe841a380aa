/* report.json (SPEC 5, schema reports/schema/report.schema.json): the model
 * rendered with jansson, written atomically into REPORTS_DIR/<run-id>/, and
 * read back; plus the per-account parts the state store keeps as JSON. */
#ifndef C1_REPORTS_REPORT_JSON_H
#define C1_REPORTS_REPORT_JSON_H

#include "engine/core/buf.h"
#include "engine/core/report_model.h"

#include <jansson.h>

/**
 * Render `report` as a new JSON document (`*out`, caller json_decref()s),
 * with "schema": "c1onboard.report/v1" and the summary taken from the model
 * as is (call c1_report_compute_summary first). Strings are kept as given;
 * bytes that are not UTF-8 become '?'. An account still RUNNING renders as
 * "failed". C1_EINVALID when run.options_json is not a JSON object or the
 * run has no id. Thread-safe for distinct models.
 */
int c1_report_to_json(json_t **out, const struct c1_report *report);

/**
 * Write REPORTS_DIR/<run.id>/report.json (temp + rename, mode 0640, ends in a
 * newline) and point REPORTS_DIR/latest at the run's directory. 0,
 * C1_EINVALID (see c1_report_to_json, or a run id unfit for a directory
 * name) or C1_ERROR (file system; the message names the path).
 */
int c1_report_write_json(const struct c1_report *report, const char *reports_dir);

/**
 * Append account `a`'s entry to `out` exactly as report.json carries it in
 * its "accounts" array: pretty-printed, continuation lines indented to sit
 * in the array, no leading indent, separator or trailing newline. 0, or
 * C1_ERROR / C1_ETOOBIG (out's cap) with a message naming the account.
 * Thread-safe for distinct accounts and buffers.
 */
int c1_report_account_to_json_text(struct c1_buf *out, const struct c1_report_account *a);

/** Supplies the text of account `i` (c1_report_account_to_json_text) of a streamed report.json. */
typedef int (*c1_report_account_text_fn)(struct c1_buf *out, size_t i, void *payload);

/**
 * c1_report_write_json with the accounts taken from elsewhere: the run,
 * summary and tenants come from `head` (its accounts are ignored), then
 * `accounts_len` entries, each appended by `account_text` in order. A
 * non-zero return from it stops the write (temp file removed) and is
 * returned as is, with its message.
 */
int c1_report_write_json_stream(const struct c1_report *head, size_t accounts_len,
				c1_report_account_text_fn account_text, void *payload,
				const char *reports_dir);

/**
 * Build a model from a report.json document (the inverse of
 * c1_report_to_json). `*out` is owned by the caller. C1_EINVALID with a
 * message naming the first bad member (e.g. "accounts[3].status").
 */
int c1_report_from_json(struct c1_report **out, const json_t *doc);

/** Read and parse a report.json file (at most 256 MiB). C1_ENOTFOUND, C1_EINVALID or C1_ERROR. */
int c1_report_read_json(struct c1_report **out, const char *path);

/**
 * The parts of an account that the state store keeps as JSON text, in
 * report.json's own shape: `rollback` (array), `drift` (array) and
 * `resources` (object with stacks, connector_id, cloud_account_id). Each out
 * string is owned by the caller (free). Never fails except on OOM (aborts).
 */
void c1_report_account_parts_to_json(const struct c1_report_account *account, char **rollback_json,
				     char **drift_json, char **resources_json);

/**
 * Fill account->rollback, drift, stacks, connector_id and cloud_account_id
 * from those texts (NULL or "" leaves that part empty). C1_EINVALID when a
 * text does not parse or has the wrong shape; the account may then be
 * partly filled (dispose it as usual).
 */
int c1_report_account_parts_from_json(struct c1_report_account *account, const char *rollback_json,
				      const char *drift_json, const char *resources_json);

#endif
