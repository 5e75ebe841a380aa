/* The checks every run command shares before it touches anything remote:
 * spreadsheet intake, secret references and AWS configuration (the same as
 * `validate`), with the exit code a failure maps to. */
#ifndef C1_BATCH_RUN_INPUT_H
#define C1_BATCH_RUN_INPUT_H

#include "batch/account.h"
#include "batch/options.h"
#include "batch/secrets.h"
#include "engine/aws/config_file.h"

struct c1_run_input {
	struct c1_account_list list;
	struct c1_secret_store *secrets;
	struct c1_aws_config *aws;
};

/**
 * Read and check opts->accounts_path; errors are printed to stderr. Returns
 * C1_EXIT_OK with `in` filled, C1_EXIT_DATAERR (spreadsheet) or
 * C1_EXIT_CONFIG (secrets, profiles, endpoints). Dispose `in` in any case.
 */
int c1_run_input_load(struct c1_run_input *in, const struct c1_options *opts);
void c1_run_input_dispose(struct c1_run_input *in);

#endif
