/* CloudTrail client (AWS JSON 1.1, signing name "cloudtrail"): the trails
 * of an account (which bucket an organization trail writes to) and whether
 * a trail is logging. One attempt per call. */
#ifndef C1_AWS_CLOUDTRAIL_H
#define C1_AWS_CLOUDTRAIL_H

#include "engine/aws/query.h" /* struct c1_aws_target */
#include "engine/aws/sigv4.h"
#include "engine/net/api_error.h"

#include <stdbool.h>
#include <stddef.h>

#define C1_CLOUDTRAIL_TARGET_PREFIX "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."

struct c1_cloudtrail_trail {
	char *name;
	char *s3_bucket_name;
	char *s3_key_prefix; /* NULL when absent */
	char *home_region;
	char *arn;
	bool multi_region;
	bool organization;
};

struct c1_cloudtrail_trail_list {
	struct c1_cloudtrail_trail *items;
	size_t count;
};

#define C1_CLOUDTRAIL_TRAIL_LIST_INIT \
	{                             \
		NULL, 0               \
	}

void c1_cloudtrail_trail_list_dispose(struct c1_cloudtrail_trail_list *list);

/**
 * DescribeTrails (shadow trails of other regions included, as the console
 * shows them). Returns 0, C1_ETHROTTLED, C1_EAPI (error response, or a reply
 * without "trailList": code "InvalidResponse"), or a transport code; `err`
 * may be NULL. Thread-safe if the transport is.
 */
int c1_cloudtrail_describe_trails(struct c1_cloudtrail_trail_list *out, const struct c1_aws_target *target,
				  const struct c1_sigv4_credentials *creds, struct c1_api_error *err);

/** GetTrailStatus of a trail name or ARN → *is_logging. C1_ENOTFOUND for TrailNotFoundException. */
int c1_cloudtrail_get_trail_status(bool *is_logging, const struct c1_aws_target *target,
				   const struct c1_sigv4_credentials *creds, const char *trail,
				   struct c1_api_error *err);

#endif
