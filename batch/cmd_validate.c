/* c1onboard validate: the offline check of a spreadsheet (SPEC 3), then of
 * what it refers to on this host: secret references and AWS profiles. */
#include "batch/commands.h"
#include "batch/config_check.h"
#include "batch/csv_intake.h"
#include "batch/exit_codes.h"
#include "batch/secrets.h"
#include "engine/aws/config_file.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What validate keeps while the rows stream past: counts, and the distinct tenants (their
 * Cloud One key references, one pair per tenant: hundreds at most). */
struct s_validate {
	struct c1_secret_store *secrets;
	struct c1_config_checker *checker; /* NULL when the AWS configuration could not be loaded */
	struct c1_intake_errors *config_errors;
	size_t rows;
	size_t valid;
	char **tenants;
	size_t tenant_count;
};

static void s_count_tenant(struct s_validate *v, const char *ref)
{
	for (size_t i = 0; i < v->tenant_count; i++)
		if (strcmp(v->tenants[i], ref) == 0)
			return;
	v->tenants = c1_realloc(v->tenants, (v->tenant_count + 1) * sizeof(*v->tenants));
	v->tenants[v->tenant_count++] = c1_strdup(ref);
}

/* Configuration is checked for the rows that passed, so one run shows everything. */
static void s_check_batch(struct c1_account_list *batch, void *user)
{
	struct s_validate *v = user;
	c1_secret_store_resolve_rows(v->secrets, batch, v->config_errors);
	if (v->checker)
		c1_config_checker_rows(v->checker, batch, v->config_errors);
	v->rows += batch->count;
	for (size_t i = 0; i < batch->count; i++) {
		if (!batch->rows[i]->valid)
			continue;
		v->valid++;
		s_count_tenant(v, batch->rows[i]->cloudone_api_key_ref);
	}
}

int c1_cmd_validate(const struct c1_options *opts)
{
	struct c1_account_list list;
	struct c1_intake_errors data_errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_errors config_errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_options intake = {0};
	struct c1_aws_config *aws = NULL;
	struct s_validate v = {0};
	int exit_code = C1_EXIT_OK;

	c1_account_list_init(&list);
	v.secrets = c1_secret_store_new();
	v.config_errors = &config_errors;
	struct c1_aws_config_options aws_opts = {0};
	if (c1_aws_config_load(&aws, &aws_opts) != 0)
		c1_intake_errors_add(&config_errors, opts->accounts_path, 0, 0, NULL, "AWS configuration: %s",
				     c1_error_last());
	else
		v.checker = c1_config_checker_new(aws, NULL);
	intake.default_cloudone_api_key_ref = opts->cloudone_api_key_ref;
	intake.default_visionone_token_ref = opts->visionone_token_ref;
	intake.default_profile = opts->profile;
	intake.on_batch = s_check_batch;
	intake.batch_user = &v;
	int rc = c1_csv_intake_read(&list, &data_errors, opts->accounts_path, &intake);
	if (rc == C1_ENOTFOUND || (rc != 0 && rc != C1_EINVALID)) {
		c1_intake_errors_print(&data_errors, stderr);
		exit_code = C1_EXIT_DATAERR;
		goto cleanup;
	}
	if (v.checker)
		c1_config_checker_finish(v.checker, opts->accounts_path, &config_errors);

	c1_intake_errors_print(&data_errors, stderr);
	c1_intake_errors_print(&config_errors, stderr);
	size_t data_count = data_errors.count + data_errors.dropped;
	size_t config_count = config_errors.count + config_errors.dropped;
	if (data_count || config_count) {
		fprintf(stderr,
			"%s: %zu of %zu rows valid; %zu spreadsheet error%s, %zu configuration error%s\n",
			opts->accounts_path, v.valid, v.rows, data_count, data_count == 1 ? "" : "s",
			config_count, config_count == 1 ? "" : "s");
		exit_code = data_count ? C1_EXIT_DATAERR : C1_EXIT_CONFIG;
		goto cleanup;
	}
	if (opts->verbosity >= 0)
		printf("%s: %zu account%s valid, %zu Cloud One tenant%s\n", opts->accounts_path, v.rows,
		       v.rows == 1 ? "" : "s", v.tenant_count, v.tenant_count == 1 ? "" : "s");

cleanup:
	c1_config_checker_free(v.checker);
	c1_aws_config_free(aws);
	c1_secret_store_free(v.secrets);
	for (size_t i = 0; i < v.tenant_count; i++)
		free(v.tenants[i]);
	free(v.tenants);
	c1_intake_errors_dispose(&data_errors);
	c1_intake_errors_dispose(&config_errors);
	c1_account_list_dispose(&list);
	return exit_code;
}
