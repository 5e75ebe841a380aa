/* Where one account's AWS calls go and with what credentials: a cache of
 * credential providers per profile shared by every job, and per account +
 * region the resolved endpoints, signing targets and rate-limit keys. */
#ifndef C1_RUN_AWS_CONTEXT_H
#define C1_RUN_AWS_CONTEXT_H

#include "engine/aws/config_file.h"
#include "engine/aws/credentials.h"
#include "engine/aws/endpoints.h"
#include "engine/aws/query.h"
#include "engine/net/http.h"

#include <stdbool.h>

struct c1_aws_cache;

/** New cache over `cfg` and `transport` (both borrowed, must outlive it). */
int c1_aws_cache_new(struct c1_aws_cache **out, const struct c1_aws_config *cfg,
		     struct c1_http_transport *transport);
void c1_aws_cache_free(struct c1_aws_cache *cache);
/** How long before expiry credentials are fetched again (0: the default, 5 minutes). Before use. */
void c1_aws_cache_set_refresh_margin(struct c1_aws_cache *cache, int64_t margin_ms);
/** The provider of `profile` (made once, then shared); *out is acquired. C1_ECONFIG naming the profile. */
/**
 * Drop `profile`'s provider (and the credentials it holds) when no account
 * holds it any more: a finished account's credentials are not kept for the
 * rest of a 10,000-account run. A later account of the profile makes a new one.
 */
void c1_aws_cache_forget_idle(struct c1_aws_cache *cache, const char *profile);
int c1_aws_cache_provider(struct c1_aws_cache *cache, const char *profile,
			  struct c1_aws_credentials_provider **out);

struct c1_aws_context {
	char *profile;
	char *region;
	char *account_id;
	struct c1_aws_endpoint ep_sts, ep_cfn, ep_s3, ep_iam, ep_ct;
	struct c1_aws_target sts, cfn, s3, iam, ct; /* ct: CloudTrail */
	bool s3_path_style;
	struct c1_aws_credentials_provider *provider;
	struct c1_aws_credentials *creds;               /* current, held */
	struct c1_sigv4_credentials view;               /* borrowed from creds */
	char *rl_sts, *rl_cfn, *rl_s3, *rl_iam, *rl_ct; /* rate-limit keys: service|region|account */
	int64_t refresh_margin_ms;                      /* refresh held credentials this long before expiry */
};

/**
 * Resolve endpoints (sts, cloudformation, s3, iam, cloudtrail) for `profile` in `region` and
 * the provider. Nothing is fetched. C1_ECONFIG with a message on bad
 * configuration. Dispose also after failure.
 */
int c1_aws_context_init(struct c1_aws_context *ctx, struct c1_aws_cache *cache, const char *profile,
			const char *account_id, const char *region);
/** Fetch (or reuse cached) credentials into ctx->view. Blocking on a first AssumeRole. */
int c1_aws_context_credentials(struct c1_aws_context *ctx);
/**
 * Keep ctx->view usable for a long-lived account: when the held credentials
 * expire within the provider's refresh margin, fetch them again (the profile's
 * provider refreshes once for all its accounts). 0 when nothing was needed.
 */
int c1_aws_context_refresh(struct c1_aws_context *ctx);
void c1_aws_context_dispose(struct c1_aws_context *ctx);

#endif
