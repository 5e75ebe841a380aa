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

#endif
