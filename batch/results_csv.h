/* results.csv: the run's rows as they were read, each with its status,
 * reason, run id, whether the status changed since the account's previous
 * run and what it was. Written atomically next to report.json. A reviewer
 * filters it in a spreadsheet; the next run reads it as its input, and
 * --retry-failed picks the rows that need another run. */
#ifndef C1_BATCH_RESULTS_CSV_H
#define C1_BATCH_RESULTS_CSV_H

#include "batch/account.h"
#include "engine/core/report_model.h"
#include "engine/run/state.h"
#include "reports/spool.h"

#include <stdbool.h>
#include <stddef.h>

/**
 * Write REPORTS_DIR/<run_id>/results.csv: the header of `list` (without
 * result columns an earlier results.csv brought) plus the result columns,
 * then rows[i]'s cells and entry i of `spool` (its report entry) for each
 * of the `n` rows. Earlier statuses come from `state`. 0, or C1_ERROR with
 * a message naming the file.
 */
int c1_results_csv_write(const char *reports_dir, const char *run_id, const struct c1_account_list *list,
			 const struct c1_account_row *const *rows, size_t n, struct c1_report_spool *spool,
			 struct c1_state *state);

/**
 * results.csv of a past run re-rendered from the state store (`report`):
 * each account of `report` with a row number takes that row of `list` (the
 * run's input read again) with its status and reason. C1_EINVALID when a
 * row names another account (the file changed since), C1_ERROR on I/O.
 */
int c1_results_csv_write_report(const char *reports_dir, const struct c1_account_list *list,
				const struct c1_report *report, struct c1_state *state);

/** Does --retry-failed run a row an earlier run left with `status` (failed, rolled back, interrupted...)? */
bool c1_results_status_retried(const char *status);

#endif
