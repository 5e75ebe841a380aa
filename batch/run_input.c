/* Shared intake of plan/apply/drift/offboard. */
#include "batch/run_input.h"

#include "batch/config_check.h"
#include "batch/csv_intake.h"
#include "batch/exit_codes.h"
#include "engine/core/error.h"
#include "engine/core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The spreadsheet's and configuration's errors end the run before it starts;
 * with --log-format json they are log lines too, so stderr stays pure JSON. */
static void s_print_errors(const struct c1_intake_errors *errors, const struct c1_options *opts)
{
	if (!opts->log_json) {
		c1_intake_errors_print(errors, stderr);
		return;
	}
	for (size_t i = 0; i < errors->count; i++) {
		char *line = c1_intake_error_format(&errors->items[i]);
		C1_ERROR_LOG("input", "%s", line);
		free(line);
	}
	if (errors->dropped)
		C1_ERROR_LOG("input",
			     "%s: too many errors; %zu more not shown (fix the ones above and run again)",
			     errors->count ? errors->items[0].file : "", errors->dropped);
}

/* An --only id that no row names is a typo more often than not: a run that quietly does
 * nothing for it would read as a success. */
static int s_check_only(const struct c1_account_list *list, const struct c1_options *opts)
{
	size_t missing = 0;
	for (size_t k = 0; k < opts->only_count; k++) {
		bool found = false;
		for (size_t i = 0; i < list->count && !found; i++)
			found = strcmp(list->rows[i]->account_id, opts->only[k]) == 0;
		if (found)
			continue;
		missing++;
		c1_log_cli_error("--only %s: no row of %s has this account id; check the id, or add its row",
				 opts->only[k], opts->accounts_path);
	}
	return missing ? C1_EXIT_USAGE : C1_EXIT_OK;
}

int c1_run_input_load(struct c1_run_input *in, const struct c1_options *opts)
{
	struct c1_intake_errors data_errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_errors config_errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_options intake = {0};
	int exit_code = C1_EXIT_OK;

	memset(in, 0, sizeof(*in));
	c1_account_list_init(&in->list);
	intake.default_cloudone_api_key_ref = opts->cloudone_api_key_ref;
	intake.default_visionone_token_ref = opts->visionone_token_ref;
	intake.default_profile = opts->profile;
	int rc = c1_csv_intake_read(&in->list, &data_errors, opts->accounts_path, &intake);
	if (rc != 0) {
		s_print_errors(&data_errors, opts);
		exit_code = C1_EXIT_DATAERR;
		goto cleanup;
	}
	if ((exit_code = s_check_only(&in->list, opts)) != C1_EXIT_OK)
		goto cleanup;
	in->secrets = c1_secret_store_new();
	c1_secret_store_resolve_rows(in->secrets, &in->list, &config_errors);
	struct c1_aws_config_options aws_opts = {0};
	if (c1_aws_config_load(&in->aws, &aws_opts) != 0)
		c1_intake_errors_add(&config_errors, opts->accounts_path, 0, 0, NULL, "AWS configuration: %s",
				     c1_error_last());
	else
		c1_config_check_rows(&in->list, in->aws, NULL, &config_errors);
	if (config_errors.count || config_errors.dropped) {
		s_print_errors(&config_errors, opts);
		exit_code = C1_EXIT_CONFIG;
	}
cleanup:
	c1_intake_errors_dispose(&data_errors);
	c1_intake_errors_dispose(&config_errors);
	return exit_code;
}

void c1_run_input_dispose(struct c1_run_input *in)
{
	if (!in)
		return;
	c1_aws_config_free(in->aws);
	c1_secret_store_free(in->secrets);
	c1_account_list_dispose(&in->list);
	in->aws = NULL;
	in->secrets = NULL;
}
