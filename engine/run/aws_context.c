/* Credential providers per profile (so one AssumeRole serves every account
 * of a profile) and per-account endpoints and targets. */
#include "engine/run/aws_context.h"

#include "engine/net/http_policy.h"

#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/net/ratelimit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct s_entry {
	char *profile;
	struct c1_aws_credentials_provider *provider;
};

struct c1_aws_cache {
	pthread_mutex_t lock;
	const struct c1_aws_config *cfg;
	struct c1_http_transport *transport;
	/* AssumeRole for credentials goes through a retrying transport: the
	 * providers make one call per refresh, and a single 5xx or Throttling
	 * must not turn into "bad credentials". */
	struct c1_http_transport *sts_transport;
	int64_t refresh_margin_ms; /* 0: C1_AWS_CREDENTIALS_REFRESH_MARGIN_MS */
	struct s_entry *items;
	size_t len, cap;
};

int c1_aws_cache_new(struct c1_aws_cache **out, const struct c1_aws_config *cfg,
		     struct c1_http_transport *transport)
{
	struct c1_aws_cache *c = c1_calloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->cfg = cfg;
	c->transport = transport;
	struct c1_http_policy_options popts;
	c1_http_policy_options_init(&popts, C1_API_BODY_AWS_QUERY_XML);
	popts.retry.max_attempts = 5;
	int rc = c1_http_policy_new(&c->sts_transport, transport, &popts);
	if (rc != 0) {
		c1_aws_cache_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void c1_aws_cache_set_refresh_margin(struct c1_aws_cache *cache, int64_t margin_ms)
{
	cache->refresh_margin_ms = margin_ms > 0 ? margin_ms : 0;
}

void c1_aws_cache_free(struct c1_aws_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->len; i++) {
		free(cache->items[i].profile);
		c1_aws_credentials_provider_release(cache->items[i].provider);
	}
	free(cache->items);
	if (cache->sts_transport)
		cache->sts_transport->destroy(cache->sts_transport);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

int c1_aws_cache_provider(struct c1_aws_cache *cache, const char *profile,
			  struct c1_aws_credentials_provider **out)
{
	int rc = 0;
	*out = NULL;
	pthread_mutex_lock(&cache->lock);
	for (size_t i = 0; i < cache->len; i++) {
		if (strcmp(cache->items[i].profile, profile) == 0) {
			*out = c1_aws_credentials_provider_acquire(cache->items[i].provider);
			goto cleanup;
		}
	}
	struct c1_aws_profile_provider_options opts = {0};
	opts.refresh_margin_ms = cache->refresh_margin_ms;
	opts.transport = cache->sts_transport;
	struct c1_aws_credentials_provider *p = NULL;
	rc = c1_aws_credentials_provider_for_profile(&p, cache->cfg, profile, &opts);
	if (rc != 0)
		goto cleanup;
	if (cache->len == cache->cap) {
		cache->cap = cache->cap ? cache->cap * 2 : 8;
		cache->items = c1_realloc(cache->items, cache->cap * sizeof(*cache->items));
	}
	cache->items[cache->len].profile = c1_strdup(profile);
	cache->items[cache->len].provider = p;
	cache->len++;
	*out = c1_aws_credentials_provider_acquire(p);
cleanup:
	pthread_mutex_unlock(&cache->lock);
	return rc;
}

void c1_aws_cache_forget_idle(struct c1_aws_cache *cache, const char *profile)
{
	if (!cache || !profile)
		return;
	struct c1_aws_credentials_provider *drop = NULL;
	pthread_mutex_lock(&cache->lock);
	for (size_t i = 0; i < cache->len; i++) {
		if (strcmp(cache->items[i].profile, profile) != 0)
			continue;
		/* Only the cache holds it, and nobody can take it without this lock. */
		if (atomic_load(&cache->items[i].provider->refcount) == 1) {
			drop = cache->items[i].provider;
			free(cache->items[i].profile);
			cache->items[i] = cache->items[--cache->len];
		}
		break;
	}
	pthread_mutex_unlock(&cache->lock);
	c1_aws_credentials_provider_release(drop);
}

int c1_aws_context_init(struct c1_aws_context *ctx, struct c1_aws_cache *cache, const char *profile,
			const char *account_id, const char *region)
{
	int rc;
	memset(ctx, 0, sizeof(*ctx));
	ctx->profile = c1_strdup(profile);
	ctx->region = c1_strdup(region);
	ctx->account_id = c1_strdup(account_id);
	ctx->refresh_margin_ms =
	    cache->refresh_margin_ms > 0 ? cache->refresh_margin_ms : C1_AWS_CREDENTIALS_REFRESH_MARGIN_MS;
	ctx->rl_sts = c1_ratelimit_key("sts", region, account_id);
	ctx->rl_cfn = c1_ratelimit_key("cloudformation", region, account_id);
	ctx->rl_s3 = c1_ratelimit_key("s3", region, account_id);
	ctx->rl_iam = c1_ratelimit_key("iam", "global", account_id);
	ctx->rl_ct = c1_ratelimit_key("cloudtrail", region, account_id);
	rc = c1_aws_endpoint_resolve(&ctx->ep_sts, cache->cfg, profile, "sts", region, NULL);
	if (rc == 0)
		rc = c1_aws_endpoint_resolve(&ctx->ep_cfn, cache->cfg, profile, "cloudformation", region,
					     NULL);
	if (rc == 0)
		rc = c1_aws_endpoint_resolve(&ctx->ep_s3, cache->cfg, profile, "s3", region, NULL);
	if (rc == 0)
		rc = c1_aws_endpoint_resolve(&ctx->ep_iam, cache->cfg, profile, "iam", region, NULL);
	if (rc == 0)
		rc = c1_aws_endpoint_resolve(&ctx->ep_ct, cache->cfg, profile, "cloudtrail", region, NULL);
	if (rc != 0)
		return rc;
	struct c1_aws_target base = {cache->transport, NULL, region, c1_clock_system()};
	ctx->sts = base;
	ctx->sts.endpoint_url = ctx->ep_sts.url;
	ctx->sts.region = ctx->ep_sts.signing_region ? ctx->ep_sts.signing_region : region;
	ctx->cfn = base;
	ctx->cfn.endpoint_url = ctx->ep_cfn.url;
	ctx->s3 = base;
	ctx->s3.endpoint_url = ctx->ep_s3.url;
	ctx->s3_path_style = ctx->ep_s3.overridden;
	ctx->iam = base;
	ctx->iam.endpoint_url = ctx->ep_iam.url;
	ctx->iam.region = ctx->ep_iam.signing_region ? ctx->ep_iam.signing_region : region;
	ctx->ct = base;
	ctx->ct.endpoint_url = ctx->ep_ct.url;
	return c1_aws_cache_provider(cache, profile, &ctx->provider);
}

int c1_aws_context_credentials(struct c1_aws_context *ctx)
{
	struct c1_aws_credentials *creds = NULL;
	int rc = c1_aws_credentials_provider_get(ctx->provider, &creds);
	if (rc != 0)
		return rc;
	c1_aws_credentials_release(ctx->creds);
	ctx->creds = creds;
	c1_aws_credentials_sigv4_view(creds, &ctx->view);
	return 0;
}

int c1_aws_context_refresh(struct c1_aws_context *ctx)
{
	const struct c1_clock *clock = c1_clock_system();
	if (ctx->creds &&
	    !c1_aws_credentials_expiring(ctx->creds, clock->wall_ms(clock->ctx), ctx->refresh_margin_ms))
		return 0;
	return c1_aws_context_credentials(ctx);
}

void c1_aws_context_dispose(struct c1_aws_context *ctx)
{
	if (!ctx)
		return;
	c1_aws_credentials_release(ctx->creds);
	c1_aws_credentials_provider_release(ctx->provider);
	c1_aws_endpoint_dispose(&ctx->ep_sts);
	c1_aws_endpoint_dispose(&ctx->ep_cfn);
	c1_aws_endpoint_dispose(&ctx->ep_s3);
	c1_aws_endpoint_dispose(&ctx->ep_iam);
	c1_aws_endpoint_dispose(&ctx->ep_ct);
	free(ctx->profile);
	free(ctx->region);
	free(ctx->account_id);
	free(ctx->rl_sts);
	free(ctx->rl_cfn);
	free(ctx->rl_s3);
	free(ctx->rl_iam);
	free(ctx->rl_ct);
	memset(ctx, 0, sizeof(*ctx));
}
