/* The Cloud One region code <-> AWS region table (api-reference 1.2): which AWS
 * region hosts the stacks of a Cloud One account, and the list quoted in messages. */
#ifndef C1_TREND_REGIONS_H
#define C1_TREND_REGIONS_H

#include <stddef.h>

struct c1_region_pair {
	const char *cloudone; /* e.g. "us-1" */
	const char *aws;      /* e.g. "us-east-1" */
};

/** AWS region for a Cloud One region code ("de-1" -> "eu-central-1"); NULL when unknown.
 *  Exact, case-sensitive match. Static storage; thread-safe. */
const char *c1_regions_aws_for_cloudone(const char *c1_region);

/** Cloud One region code for an AWS region ("eu-west-2" -> "gb-1"); NULL when the AWS
 *  region hosts no Cloud One region. Static storage; thread-safe. */
const char *c1_regions_cloudone_for_aws(const char *aws_region);

/** Number of rows in the table. */
size_t c1_regions_count(void);

/** Row `i` of the table (0 <= i < c1_regions_count()); NULL past the end. */
const struct c1_region_pair *c1_regions_at(size_t i);

/** The allowed AWS regions as one string for messages: "us-east-1, ap-south-1, ...". Static. */
const char *c1_regions_aws_list(void);

#endif
