/* Spreadsheet intake: streams a CSV file through libcsv into a c1_account_list, checking the
 * header, every value and the cross-row rules, and collecting every error of the file (each
 * with file:line:column) instead of stopping at the first. */
#ifndef C1_BATCH_CSV_INTAKE_H
#define C1_BATCH_CSV_INTAKE_H

#include "batch/account.h"

#include <stddef.h>
#include <stdio.h>

#define C1_INTAKE_CHUNK       ((size_t)64 * 1024) /* bytes handed to libcsv per read */
#define C1_INTAKE_FIELD_MAX   ((size_t)64 * 1024) /* longest accepted cell, in bytes */
#define C1_INTAKE_MAX_COLUMNS 256                 /* widest accepted header */
#define C1_INTAKE_MAX_ERRORS  1000                /* errors kept per run, the rest counted */
#define C1_INTAKE_BATCH_ROWS  4096                /* rows per on_batch call */

/** One problem in the spreadsheet. */
struct c1_intake_error {
	char *file;        /* path as given */
	size_t line;       /* 1-based physical line; 0 = the file (or option) as a whole */
	size_t column;     /* 1-based field number in the line; 0 = the whole row */
	char *column_name; /* canonical or header name; NULL for whole-row errors */
	char *message;     /* what is wrong and how to fix it; never a secret */
};

/** The errors of one run, in the order found. Initialise with C1_INTAKE_ERRORS_INIT. */
struct c1_intake_errors {
	struct c1_intake_error *items;
	size_t count;
	size_t cap;
	size_t dropped; /* errors past `max`, counted but not kept */
	size_t max;     /* 0 = C1_INTAKE_MAX_ERRORS */
};

#define C1_INTAKE_ERRORS_INIT    \
	{                        \
		NULL, 0, 0, 0, 0 \
	}

/** What the reader did, for callers that watch memory (tests, benchmarks). */
struct c1_intake_stats {
	size_t bytes_read;        /* bytes of input consumed */
	size_t largest_read;      /* largest single read handed to the parser */
	size_t parser_buffer_max; /* largest libcsv entry buffer seen */
	size_t rows_seen;         /* data rows (blank rows excluded) */
};

struct c1_intake_options {
	/* Secret references used when the column is absent or a cell is empty (from
	 * --cloudone-api-key / --visionone-token). NULL = not given. They are checked like cells;
	 * a bad one is reported on line 0 naming the option. */
	const char *default_cloudone_api_key_ref;
	const char *default_visionone_token_ref;
	/* The AWS profile of rows without one (column absent or cell empty), from --profile. */
	const char *default_profile;
	size_t chunk_size;             /* 0 = C1_INTAKE_CHUNK; tests use tiny chunks to hit the boundaries */
	struct c1_intake_stats *stats; /* optional out */
	/* Batch reading, for a check of any number of rows in bounded memory (validate): every
	 * `batch_rows` rows and once at the end, `on_batch` gets the list holding just those rows
	 * (it may mark rows invalid); then the reader frees them. The header and the cross-row
	 * rules still span the whole file. NULL: every row stays in the list. */
	void (*on_batch)(struct c1_account_list *batch, void *user);
	void *batch_user;
	size_t batch_rows; /* 0 = C1_INTAKE_BATCH_ROWS */
};

/** Append one error (printf-style message). Past the cap only `dropped` grows. `column_name`
 *  may be NULL. Never pass a secret in the message. */
void c1_intake_errors_add(struct c1_intake_errors *errors, const char *file, size_t line, size_t column,
			  const char *column_name, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/** Free every error; the collection is empty (and reusable) afterwards. NULL is fine. */
void c1_intake_errors_dispose(struct c1_intake_errors *errors);

/** One error as `file:line:column: column_name: message` (line/column/name left out when 0 or
 *  NULL). Caller frees. */
char *c1_intake_error_format(const struct c1_intake_error *error);
/** Print every error, one per line, then "file: too many errors; N more not shown" when some
 *  were dropped. */
void c1_intake_errors_print(const struct c1_intake_errors *errors, FILE *out);

/**
 * Read the spreadsheet at `path` into `out` (which must be initialised with
 * c1_account_list_init() and empty). The file is read in C1_INTAKE_CHUNK pieces and never held
 * whole. Every data row is appended to `out` in file order, with `valid` false on rows that
 * had an error (a row whose quoting could not be parsed is left out). All errors of the file
 * go to `errors`.
 *
 * Returns 0 when the file had no error; C1_EINVALID when `errors` got at least one entry;
 * C1_ENOTFOUND / C1_ERROR when the file cannot be opened or read (also recorded in `errors`,
 * line 0, and in c1_error_last()). `opts` may be NULL. Not thread-safe on one list.
 */
int c1_csv_intake_read(struct c1_account_list *out, struct c1_intake_errors *errors, const char *path,
		       const struct c1_intake_options *opts);

/** The same on bytes in memory; `name` is the file name used in errors. */
int c1_csv_intake_read_mem(struct c1_account_list *out, struct c1_intake_errors *errors, const char *name,
			   const void *bytes, size_t len, const struct c1_intake_options *opts);

#endif
