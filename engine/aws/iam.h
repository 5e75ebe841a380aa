/* IAM client (Query protocol, 2010-05-08): GetRole, to tell a role that is
 * gone (NoSuchEntity) from one that exists. IAM is a global service: one
 * endpoint per partition, signed for its home region (c1_aws_endpoint_resolve). */
#ifndef C1_AWS_IAM_H
#define C1_AWS_IAM_H

#include "engine/aws/query.h" /* struct c1_aws_target */
#include "engine/aws/sigv4.h"
#include "engine/net/api_error.h"

#include <stddef.h>

#define C1_IAM_VERSION "2010-05-08"

/**
 * Does role `role_name` exist in the caller's account? 0 when it does;
 * C1_ENOTFOUND when IAM answers NoSuchEntity; otherwise as c1_query_call
 * (C1_EAPI with `err`, C1_ETHROTTLED, a transport code). `err` may be NULL.
 * Only NoSuchEntity says the role is gone: AccessDenied says nothing.
 */
int c1_iam_get_role(const struct c1_aws_target *target, const struct c1_sigv4_credentials *creds,
		    const char *role_name, struct c1_api_error *err);

/**
 * Split "arn:<partition>:iam::<12 digits>:role/[path/]<name>" into the
 * account (13 bytes) and the name (GetRole takes the name without its
 * path). False when `arn` is not a role ARN.
 */
bool c1_iam_role_arn_parse(const char *arn, char account[13], char *name, size_t name_len);

#endif
