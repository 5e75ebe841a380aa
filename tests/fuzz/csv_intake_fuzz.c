/* Fuzz target for the spreadsheet intake: any bytes must parse without a crash, leak or
 * unbounded growth, and feeding the same bytes in tiny chunks must give the same result
 * (line tracking, BOM and CRLF handling across chunk boundaries). */
#include "batch/account.h"
#include "batch/csv_intake.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_run(struct c1_account_list *list, struct c1_intake_errors *errors, const uint8_t *data,
		  size_t size, size_t chunk, bool defaults)
{
	struct c1_intake_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.chunk_size = chunk;
	if (defaults) {
		opts.default_cloudone_api_key_ref = "env:C1_FUZZ";
		opts.default_visionone_token_ref = "file:~/v1";
	}
	c1_account_list_init(list);
	c1_csv_intake_read_mem(list, errors, "fuzz.csv", data, size, &opts);
}

static void s_check_row(const struct c1_account_row *row)
{
	/* every string of a row is usable (NULL would crash here) */
	size_t n = strlen(row->account_id) + strlen(row->name) + strlen(row->profile) + strlen(row->region) +
		   strlen(row->bucket) + strlen(row->stack_name) + strlen(row->cloudone_api_key_ref) +
		   strlen(row->visionone_token_ref);
	for (size_t i = 0; i < row->value_count; i++)
		n += strlen(row->values[i]);
	for (size_t i = 0; i < row->tag_count; i++)
		n += strlen(row->tags[i].key) + strlen(row->tags[i].value);
	for (size_t i = 0; i < row->extra_count; i++)
		n += strlen(row->extras[i].key) + strlen(row->extras[i].value);
	if (row->valid && strlen(row->account_id) != 12)
		abort();
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c1_account_list a, b;
	struct c1_intake_errors ea = C1_INTAKE_ERRORS_INIT, eb = C1_INTAKE_ERRORS_INIT;
	bool defaults = size > 0 && (data[size - 1] & 1);
	size_t chunk = size % 7 + 1;

	s_run(&a, &ea, data, size, 0, defaults);
	s_run(&b, &eb, data, size, chunk, defaults);

	if (a.count != b.count || ea.count != eb.count || ea.dropped != eb.dropped) {
		fprintf(stderr, "chunk %zu: rows %zu vs %zu, errors %zu vs %zu\n", chunk, a.count, b.count,
			ea.count, eb.count);
		abort();
	}
	for (size_t i = 0; i < ea.count; i++) {
		char *x = c1_intake_error_format(&ea.items[i]);
		char *y = c1_intake_error_format(&eb.items[i]);
		if (strcmp(x, y) != 0) {
			fprintf(stderr, "chunk %zu:\n  %s\n  %s\n", chunk, x, y);
			abort();
		}
		free(x);
		free(y);
	}
	for (size_t i = 0; i < a.count; i++) {
		s_check_row(a.rows[i]);
		if (a.rows[i]->line != b.rows[i]->line || a.rows[i]->valid != b.rows[i]->valid)
			abort();
	}
	c1_account_list_dispose(&a);
	c1_account_list_dispose(&b);
	c1_intake_errors_dispose(&ea);
	c1_intake_errors_dispose(&eb);
	return 0;
}
