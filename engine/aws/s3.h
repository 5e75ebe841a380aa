/* S3 client (REST, signing name "s3" with x-amz-content-sha256): does a
 * bucket exist, whose is it and in which region (HeadBucket,
 * GetBucketLocation). Path-style addressing for endpoint overrides (SPEC 6)
 * and dotted names, virtual-host style otherwise. One attempt per call. */
#ifndef C1_AWS_S3_H
#define C1_AWS_S3_H

#include "engine/aws/query.h" /* struct c1_aws_target */
#include "engine/aws/sigv4.h"
#include "engine/net/api_error.h"

#include <stdbool.h>

/** What HeadBucket learned about a bucket that exists. */
struct c1_s3_bucket_info {
	long http_status;
	char region[32]; /* x-amz-bucket-region; "" when the reply had none */
	bool accessible; /* 200: the caller may use it */
	bool forbidden;  /* 403: it exists but the caller may not read it (another account's, or a policy) */
	bool moved;      /* 301/307/400 with a region header: it lives in `region`, not the endpoint's */
};

/**
 * URL of `bucket` with `subresource_query` ("location", or NULL) on
 * target->endpoint_url: "<endpoint>/<bucket>" when `path_style` or the name
 * has a dot, else "<scheme>://<bucket>.<host>[:port]/". Caller frees; NULL
 * (with a message) when the endpoint does not parse.
 */
char *c1_s3_bucket_url(const struct c1_aws_target *target, const char *bucket, bool path_style,
		       const char *subresource_query);

/**
 * HeadBucket. 0 for 200, 403 and a redirect to another region (see `out`);
 * C1_ENOTFOUND for 404; C1_ETHROTTLED / C1_EAPI for other statuses; a
 * transport code; C1_EINVALID for a name S3 would refuse (3-63 of
 * [a-z0-9.-]). `err` (may be NULL) is filled on failure. Thread-safe if the
 * transport is.
 */
int c1_s3_head_bucket(struct c1_s3_bucket_info *out, const struct c1_aws_target *target,
		      const struct c1_sigv4_credentials *creds, const char *bucket, bool path_style,
		      struct c1_api_error *err);

/**
 * GetBucketLocation → region into out (empty constraint means "us-east-1",
 * legacy "EU" means "eu-west-1"). C1_ENOTFOUND for NoSuchBucket/404;
 * otherwise as c1_s3_head_bucket (403 is C1_EAPI here: the location is only
 * told to the owner).
 */
int c1_s3_get_bucket_location(char out[32], const struct c1_aws_target *target,
			      const struct c1_sigv4_credentials *creds, const char *bucket, bool path_style,
			      struct c1_api_error *err);

#endif
