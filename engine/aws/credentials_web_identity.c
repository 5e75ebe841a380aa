/* AssumeRoleWithWebIdentity: an OIDC token file (EKS/IRSA, GitHub Actions, ...) exchanged at STS
 * for role credentials, cached and fetched again, with the file read again, before they expire. */
#include "engine/aws/credentials.h"

#include "engine/aws/sts.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* STS takes tokens of up to 20,000 characters. */
#define S_TOKEN_MAX ((size_t)64 * 1024)

struct s_web {
	char *token_file;
	char *role_arn;
	char *session_name;
	int duration_seconds;
	struct c1_http_transport *transport;
	char *endpoint;
	char *region;
	const struct c1_clock *clock;
	char *description;
};

static void s_web_free(void *ctx)
{
	struct s_web *w = ctx;
	if (!w)
		return;
	free(w->token_file);
	free(w->role_arn);
	free(w->session_name);
	free(w->endpoint);
	free(w->region);
	free(w->description);
	free(w);
}

static int s_web_fetch(void *ctx, struct c1_aws_credentials **out)
{
	struct s_web *w = ctx;
	struct c1_secret token = C1_SECRET_INIT;
	struct c1_sts_credentials sts = C1_STS_CREDENTIALS_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_secret akid = C1_SECRET_INIT;
	char inner[512];
	/* Read on every fetch: the file is rotated under us (Kubernetes projects a new token). */
	int rc = c1_aws_read_secret_file(&token, w->token_file, S_TOKEN_MAX, "web identity token file");
	if (rc) {
		snprintf(inner, sizeof(inner), "%s", c1_error_last());
		c1_error_set("assuming %s with a web identity: %s", w->role_arn, inner);
		goto cleanup;
	}
	struct c1_aws_target target = {w->transport, w->endpoint, w->region, w->clock};
	struct c1_sts_web_identity_input in = {w->role_arn, w->session_name, &token, w->duration_seconds};
	rc = c1_sts_assume_role_with_web_identity(&sts, &target, &in, &err);
	if (rc == C1_EINPROGRESS)
		goto cleanup; /* sent; the caller's task parks until the answer */
	if (rc) {
		char detail[768];
		if (rc == C1_EAPI || rc == C1_ETHROTTLED)
			c1_api_error_format(&err, detail, sizeof(detail));
		else
			snprintf(detail, sizeof(detail), "%s", c1_error_last());
		c1_error_set("AssumeRoleWithWebIdentity %s at %s failed: %s", w->role_arn, w->endpoint,
			     detail);
		/* botocore retries IDPCommunicationError: the identity provider did not answer STS. */
		if ((rc == C1_EAPI || rc == C1_ETHROTTLED) && err.throttling)
			rc = C1_ETHROTTLED;
		else if ((rc == C1_EAPI && err.retryable) || strcmp(err.code, "IDPCommunicationError") == 0)
			rc = C1_ETRANSPORT;
		goto cleanup;
	}
	c1_secret_set(&akid, sts.access_key_id, strlen(sts.access_key_id));
	*out = c1_aws_credentials_new_from_secrets(&akid, &sts.secret_access_key, &sts.session_token,
						   sts.expiration_ms, w->description);
cleanup:
	c1_secret_dispose(&akid);
	c1_secret_dispose(&token);
	c1_sts_credentials_dispose(&sts);
	return rc;
}

int c1_aws_credentials_provider_new_web_identity(struct c1_aws_credentials_provider **out,
						 const struct c1_aws_web_identity_options *opts)
{
	*out = NULL;
	if (!opts->token_file || !opts->token_file[0] || !opts->role_arn || !opts->role_arn[0] ||
	    !opts->transport || !opts->sts_endpoint) {
		c1_error_set("web identity provider needs a token file, a role ARN, a transport and an STS "
			     "endpoint");
		return C1_EINVALID;
	}
	struct s_web *w = c1_calloc(1, sizeof(*w));
	w->token_file = c1_strdup(opts->token_file);
	w->role_arn = c1_strdup(opts->role_arn);
	w->session_name = c1_strdup(opts->role_session_name);
	const struct c1_clock *clk = opts->clock ? opts->clock : c1_clock_system();
	if (!w->session_name) /* one name for the provider's life: a parked call repeats the same request */
		w->session_name = c1_asprintf("c1onboard-%lld", (long long)(c1_clock_wall_ms(clk) / 1000));
	w->duration_seconds = opts->duration_seconds;
	w->transport = opts->transport;
	w->endpoint = c1_strdup(opts->sts_endpoint);
	w->region = c1_strdup(opts->sts_region ? opts->sts_region : "us-east-1");
	w->clock = clk;
	w->description = opts->description ? c1_strdup(opts->description)
					   : c1_asprintf("web identity %s (token file %s)", opts->role_arn,
							 opts->token_file);
	return c1_aws_credentials_provider_new_cached(out, s_web_fetch, w, s_web_free, w->clock,
						      opts->refresh_margin_ms, w->description);
}
