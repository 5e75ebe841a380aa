/* The offline configuration checks of `validate`: every row's AWS profile
 * resolves to a credential source and valid endpoints, and the Cloud One /
 * Vision One endpoint overrides are allowed. Nothing is sent anywhere. */
#ifndef C1_BATCH_CONFIG_CHECK_H
#define C1_BATCH_CONFIG_CHECK_H

#include "batch/account.h"
#include "batch/csv_intake.h"
#include "engine/aws/config_file.h"

/**
 * Check the valid rows of `list` against `cfg`: the profile exists and names
 * a usable credential source (role_arn/source_profile chain, static keys,
 * credential_process) and its endpoints for STS, CloudFormation, S3 and
 * CloudTrail are https or loopback http. Each problem is reported once per
 * profile, at the first row that uses it (profile column), and marks every
 * row using that profile invalid. Then C1_ENDPOINT_URL / V1_ENDPOINT_URL are
 * checked (line 0). `env` NULL means the process environment.
 * Returns 0, or C1_ECONFIG when anything was reported.
 */
int c1_config_check_rows(struct c1_account_list *list, const struct c1_aws_config *cfg,
			 const struct c1_aws_env *env, struct c1_intake_errors *errors);

/* The same, for rows read in batches: one checker sees every batch, so each profile is checked
 * and reported once in the whole file. Finish checks the endpoint overrides. */
struct c1_config_checker;
struct c1_config_checker *c1_config_checker_new(const struct c1_aws_config *cfg,
						const struct c1_aws_env *env);
int c1_config_checker_rows(struct c1_config_checker *checker, struct c1_account_list *list,
			   struct c1_intake_errors *errors);
int c1_config_checker_finish(struct c1_config_checker *checker, const char *path,
			     struct c1_intake_errors *errors);
void c1_config_checker_free(struct c1_config_checker *checker);

#endif
