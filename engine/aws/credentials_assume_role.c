/* AssumeRole: temporary credentials for role_arn, obtained from STS with the source provider's
 * credentials, cached and fetched again shortly before they expire. */
#include "engine/aws/credentials.h"

#include "engine/aws/sts.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct s_assume {
	struct c1_aws_credentials_provider *source;
	char *role_arn;
	char *session_name;
	char *external_id;
	int duration_seconds;
	struct c1_http_transport *transport;
	char *endpoint;
	char *region;
	const struct c1_clock *clock;
	char *description;
};

static void s_assume_free(void *ctx)
{
	struct s_assume *a = ctx;
	if (!a)
		return;
	c1_aws_credentials_provider_release(a->source);
	free(a->role_arn);
	free(a->session_name);
	free(a->external_id);
	free(a->endpoint);
	free(a->region);
	free(a->description);
	free(a);
}

static int s_assume_fetch(void *ctx, struct c1_aws_credentials **out)
{
	struct s_assume *a = ctx;
	struct c1_aws_credentials *src = NULL;
	struct c1_sts_credentials sts = C1_STS_CREDENTIALS_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_sigv4_credentials view;
	int rc = c1_aws_credentials_provider_get(a->source, &src);
	if (rc) {
		/* Keep the source's own message, prefixed with what it was for. */
		char inner[512];
		snprintf(inner, sizeof(inner), "%s", c1_error_last());
		c1_error_set("assuming %s: source credentials: %s", a->role_arn, inner);
		goto cleanup;
	}
	c1_aws_credentials_sigv4_view(src, &view);
	struct c1_aws_target target = {a->transport, a->endpoint, a->region, a->clock};
	struct c1_sts_assume_role_input in = {a->role_arn, a->session_name, a->external_id,
					      a->duration_seconds};
	rc = c1_sts_assume_role(&sts, &target, &view, &in, &err);
	if (rc == C1_EINPROGRESS)
		goto cleanup; /* sent; the caller's task parks until the answer */
	if (rc) {
		char detail[768];
		if (rc == C1_EAPI)
			c1_api_error_format(&err, detail, sizeof(detail));
		else
			snprintf(detail, sizeof(detail), "%s", c1_error_last());
		c1_error_set("AssumeRole %s at %s failed: %s", a->role_arn, a->endpoint, detail);
		if (rc == C1_EAPI && err.throttling)
			rc = C1_ETHROTTLED;
		else if (rc == C1_EAPI && err.retryable)
			rc = C1_ETRANSPORT;
		goto cleanup;
	}
	if (!sts.access_key_id || !c1_secret_is_set(&sts.secret_access_key)) {
		c1_error_set("AssumeRole %s at %s returned no credentials", a->role_arn, a->endpoint);
		rc = C1_EAPI;
		goto cleanup;
	}
	struct c1_secret akid = C1_SECRET_INIT;
	c1_secret_set(&akid, sts.access_key_id, strlen(sts.access_key_id));
	*out = c1_aws_credentials_new_from_secrets(&akid, &sts.secret_access_key, &sts.session_token,
						   sts.expiration_ms, a->description);
	c1_secret_dispose(&akid);
cleanup:
	c1_sts_credentials_dispose(&sts);
	c1_aws_credentials_release(src);
	return rc;
}

int c1_aws_credentials_provider_new_assume_role(struct c1_aws_credentials_provider **out,
						const struct c1_aws_assume_role_options *opts)
{
	*out = NULL;
	if (!opts->source || !opts->role_arn || !opts->role_arn[0] || !opts->transport ||
	    !opts->sts_endpoint) {
		c1_error_set(
		    "assume-role provider needs a source provider, a role ARN, a transport and an STS "
		    "endpoint");
		return C1_EINVALID;
	}
	struct s_assume *a = c1_calloc(1, sizeof(*a));
	a->source = c1_aws_credentials_provider_acquire(opts->source);
	a->role_arn = c1_strdup(opts->role_arn);
	a->session_name = c1_strdup(opts->role_session_name);
	if (!a->session_name) {
		/* One name for the provider's life, not one per call: a call repeated
		 * by a task parked on it (engine/run/io_park) must be the same request. */
		const struct c1_clock *clk = opts->clock ? opts->clock : c1_clock_system();
		a->session_name = c1_asprintf("c1onboard-%lld", (long long)(c1_clock_wall_ms(clk) / 1000));
	}
	a->external_id = c1_strdup(opts->external_id);
	a->duration_seconds = opts->duration_seconds;
	a->transport = opts->transport;
	a->endpoint = c1_strdup(opts->sts_endpoint);
	a->region = c1_strdup(opts->sts_region ? opts->sts_region : "us-east-1");
	a->clock = opts->clock ? opts->clock : c1_clock_system();
	a->description = opts->description ? c1_strdup(opts->description)
					   : c1_asprintf("assume-role %s via %s", opts->role_arn,
							 opts->source->description);
	return c1_aws_credentials_provider_new_cached(out, s_assume_fetch, a, s_assume_free, a->clock,
						      opts->refresh_margin_ms, a->description);
}
