/* Where AWS requests go: the endpoint URL of a service for a profile and region (configured
 * overrides in botocore's order, else the public endpoint, STS legacy/regional), and the region
 * of a profile. */
#ifndef C1_AWS_ENDPOINTS_H
#define C1_AWS_ENDPOINTS_H

#include "engine/aws/config_file.h"

#include <stdbool.h>

enum c1_aws_endpoint_source {
	C1_AWS_ENDPOINT_DEFAULT = 0,    /* the public AWS endpoint */
	C1_AWS_ENDPOINT_ENV_SERVICE,    /* AWS_ENDPOINT_URL_<SERVICE> */
	C1_AWS_ENDPOINT_ENV_GLOBAL,     /* AWS_ENDPOINT_URL */
	C1_AWS_ENDPOINT_CONFIG_SERVICE, /* [services NAME] <service> = endpoint_url = ... */
	C1_AWS_ENDPOINT_CONFIG_GLOBAL   /* endpoint_url in the profile */
};

struct c1_aws_endpoint {
	char *url;            /* owned */
	char *signing_region; /* owned; "us-east-1" for the global STS endpoint */
	enum c1_aws_endpoint_source source;
	bool overridden; /* any source but DEFAULT: S3 then uses path-style addressing (SPEC 6) */
	char *origin;    /* owned, printable: e.g. "AWS_ENDPOINT_URL_STS" or
			    "endpoint_url of profile \"x\" (/home/u/.aws/config:12)" */
};

#define C1_AWS_ENDPOINT_INIT                                     \
	{                                                        \
		NULL, NULL, C1_AWS_ENDPOINT_DEFAULT, false, NULL \
	}

/**
 * Resolve the endpoint of `service_id` ("sts", "cloudformation", "s3", "cloudtrail"; any
 * lower-case id works the same way) for `profile` (NULL: c1_aws_default_profile_name(); a
 * profile missing from `cfg`, or a NULL cfg, just has no settings) in `region`.
 * Order, as botocore: ignore_configured_endpoint_urls (env AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
 * else the profile) skips 1-4; 1. AWS_ENDPOINT_URL_<SERVICE>; 2. AWS_ENDPOINT_URL; 3. the
 * profile's `services` section entry; 4. the profile's endpoint_url; 5. the public endpoint
 * (STS: global https://sts.amazonaws.com for region NULL/"aws-global", and with
 * sts_regional_endpoints=legacy for the legacy regions; regional otherwise; IAM: the
 * partition's global endpoint, signed for us-east-1, cn-north-1 or us-gov-west-1).
 * Returns 0, or C1_ECONFIG naming where a bad value came from: plain http to a non-loopback
 * host, unparsable URL, missing services section, invalid region or sts_regional_endpoints,
 * no region for a regional service. `out` is disposed with c1_aws_endpoint_dispose.
 */
int c1_aws_endpoint_resolve(struct c1_aws_endpoint *out, const struct c1_aws_config *cfg, const char *profile,
			    const char *service_id, const char *region, const struct c1_aws_env *env);
void c1_aws_endpoint_dispose(struct c1_aws_endpoint *ep);
/** "default", "AWS_ENDPOINT_URL_<SERVICE>", ... for reports and logs. */
const char *c1_aws_endpoint_source_name(enum c1_aws_endpoint_source source);

/**
 * Region for `profile`: AWS_REGION, then AWS_DEFAULT_REGION (the CLI's variable), then the
 * profile's `region`; empty values are skipped. *out (caller frees) is NULL and C1_ENOTFOUND
 * returned (with a how-to-fix message) when none is set; C1_ECONFIG when the value is not a
 * valid region name.
 */
int c1_aws_region_for_profile(char **out, const struct c1_aws_config *cfg, const char *profile,
			      const struct c1_aws_env *env);

/** botocore's check: a host label of letters, digits and '-', not all digits, at most 63. */
bool c1_aws_region_is_valid(const char *region);

#endif
