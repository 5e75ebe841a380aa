/* Credentials from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
 * used for `credential_source = Environment`. */
#include "engine/aws/credentials.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdlib.h>
#include <string.h>

static const char *s_nonempty(const struct c1_aws_env *env, const char *name)
{
	const char *v = c1_aws_env_get(env, name);
	return v && v[0] ? v : NULL;
}

int c1_aws_credentials_provider_new_env(struct c1_aws_credentials_provider **out,
					const struct c1_aws_env *env, const char *why)
{
	int rc = 0;
	char *source = NULL;
	struct c1_aws_credentials *creds = NULL;

	*out = NULL;
	if (!why)
		why = "environment";
	const char *akid = s_nonempty(env, "AWS_ACCESS_KEY_ID");
	if (!akid) {
		c1_error_set("%s: AWS_ACCESS_KEY_ID is not set; export AWS_ACCESS_KEY_ID and "
			     "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys)",
			     why);
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	const char *secret = s_nonempty(env, "AWS_SECRET_ACCESS_KEY");
	if (!secret) {
		c1_error_set("%s: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; export both",
			     why);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	/* botocore prefers the older AWS_SECURITY_TOKEN when both are set. */
	const char *token = s_nonempty(env, "AWS_SECURITY_TOKEN");
	if (!token)
		token = s_nonempty(env, "AWS_SESSION_TOKEN");
	source = c1_asprintf("%s (environment variables)", why);
	creds = c1_aws_credentials_new(akid, secret, token, 0, source);
	rc = c1_aws_credentials_provider_new_static(out, creds);
cleanup:
	c1_aws_credentials_release(creds);
	free(source);
	return rc;
}
