/* c1onboard validate: the offline check of a spreadsheet (SPEC 3), then of
 * what it refers to on this host: secret references and AWS profiles. */
#include "batch/commands.h"
#include "batch/config_check.h"
#include "batch/csv_intake.h"
#include "batch/exit_codes.h"
#include "batch/secrets.h"
#include "engine/aws/config_file.h"
#include "engine/core/error.h"

#include <stdio.h>
#include <string.h>

static size_t s_count_tenants(const struct c1_account_list *list)
{
	size_t tenants = 0;
	for (size_t i = 0; i < list->count; i++) {
		const char *ref = list->rows[i]->cloudone_api_key_ref;
		bool earlier = false;
		for (size_t j = 0; j < i && !earlier; j++)
			earlier = strcmp(list->rows[j]->cloudone_api_key_ref, ref) == 0;
		tenants += earlier ? 0 : 1;
	}
	return tenants;
}

int c1_cmd_validate(const struct c1_options *opts)
{
	struct c1_account_list list;
	struct c1_intake_errors data_errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_errors config_errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_options intake = {0};
	struct c1_secret_store *secrets = NULL;
	struct c1_aws_config *aws = NULL;
	int exit_code = C1_EXIT_OK;

	c1_account_list_init(&list);
	intake.default_cloudone_api_key_ref = opts->cloudone_api_key_ref;
	intake.default_visionone_token_ref = opts->visionone_token_ref;
	int rc = c1_csv_intake_read(&list, &data_errors, opts->accounts_path, &intake);
	if (rc == C1_ENOTFOUND || (rc != 0 && rc != C1_EINVALID)) {
		c1_intake_errors_print(&data_errors, stderr);
		exit_code = C1_EXIT_DATAERR;
		goto cleanup;
	}

	/* Configuration is checked for the rows that passed, so one run shows everything. */
	secrets = c1_secret_store_new();
	c1_secret_store_resolve_rows(secrets, &list, &config_errors);
	struct c1_aws_config_options aws_opts = {0};
	if (c1_aws_config_load(&aws, &aws_opts) != 0)
		c1_intake_errors_add(&config_errors, opts->accounts_path, 0, 0, NULL, "AWS configuration: %s",
				     c1_error_last());
	else
		c1_config_check_rows(&list, aws, NULL, &config_errors);

	c1_intake_errors_print(&data_errors, stderr);
	c1_intake_errors_print(&config_errors, stderr);
	size_t data_count = data_errors.count + data_errors.dropped;
	size_t config_count = config_errors.count + config_errors.dropped;
	size_t valid = c1_account_list_valid_count(&list);
	if (data_count || config_count) {
		fprintf(stderr,
			"%s: %zu of %zu rows valid; %zu spreadsheet error%s, %zu configuration error%s\n",
			opts->accounts_path, valid, list.count, data_count, data_count == 1 ? "" : "s",
			config_count, config_count == 1 ? "" : "s");
		exit_code = data_count ? C1_EXIT_DATAERR : C1_EXIT_CONFIG;
		goto cleanup;
	}
	if (opts->verbosity >= 0)
		printf("%s: %zu account%s valid, %zu Cloud One tenant%s\n", opts->accounts_path, list.count,
		       list.count == 1 ? "" : "s", s_count_tenants(&list),
		       s_count_tenants(&list) == 1 ? "" : "s");

cleanup:
	c1_aws_config_free(aws);
	c1_secret_store_free(secrets);
	c1_intake_errors_dispose(&data_errors);
	c1_intake_errors_dispose(&config_errors);
	c1_account_list_dispose(&list);
	return exit_code;
}
