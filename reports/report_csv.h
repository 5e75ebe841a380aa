/* CSV for people with spreadsheets: RFC 4180 quoting, and every cell a
 * spreadsheet would evaluate as a formula (one starting with = + - @, a tab
 * or a carriage return) neutralised with a leading apostrophe, as OWASP
 * advises against CSV injection. The intake reads such a cell back without
 * the apostrophe, so a results file is the next run's input as written. */
#ifndef C1_REPORTS_REPORT_CSV_H
#define C1_REPORTS_REPORT_CSV_H

#include "engine/core/buf.h"

#include <stddef.h>

/** Append one cell (NULL is empty), quoted when it holds a comma, quote, newline or edge space. */
void c1_csv_put_cell(struct c1_buf *out, const char *cell);
/** Append `n` cells separated by commas and a final "\n". */
void c1_csv_put_row(struct c1_buf *out, const char *const *cells, size_t n);

#endif
