/* Static credentials: fixed keys, either given directly or read from a profile's
 * aws_access_key_id / aws_secret_access_key / aws_session_token in one of the two files. */
#include "engine/aws/credentials.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdlib.h>
#include <string.h>

static int s_static_get(struct c1_aws_credentials_provider *self, struct c1_aws_credentials **out)
{
	*out = c1_aws_credentials_acquire(self->impl);
	return 0;
}

static void s_static_destroy(struct c1_aws_credentials_provider *self)
{
	c1_aws_credentials_release(self->impl);
}

int c1_aws_credentials_provider_new_static(struct c1_aws_credentials_provider **out,
					   struct c1_aws_credentials *creds)
{
	struct c1_aws_credentials_provider *p = c1_calloc(1, sizeof(*p));
	p->get = s_static_get;
	p->destroy = s_static_destroy;
	p->impl = c1_aws_credentials_acquire(creds);
	p->description = c1_strdup(creds->source);
	atomic_init(&p->refcount, 1);
	*out = p;
	return 0;
}

int c1_aws_credentials_provider_new_profile_static(struct c1_aws_credentials_provider **out,
						   const struct c1_aws_config *cfg, const char *profile,
						   enum c1_aws_file file)
{
	int rc = 0;
	char *source = NULL;
	struct c1_aws_credentials *creds = NULL;
	const struct c1_aws_profile *pr = c1_aws_config_profile(cfg, profile);
	const char *path = c1_aws_config_path(cfg, file);
	const char *what = file == C1_AWS_FILE_CREDENTIALS ? "credentials file" : "config file";

	*out = NULL;
	const struct c1_aws_setting *akid = c1_aws_profile_setting_in(pr, "aws_access_key_id", file);
	if (!akid) {
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	const struct c1_aws_setting *secret = c1_aws_profile_setting_in(pr, "aws_secret_access_key", file);
	if (!secret) {
		c1_error_set(
		    "profile \"%s\" in the %s %s has aws_access_key_id but no aws_secret_access_key; add "
		    "the secret key next to it (in the same file) or remove the access key id",
		    profile, what, path);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	if (akid->nested || !akid->value || !akid->value[0] || !c1_secret_is_set(&secret->secret)) {
		c1_error_set("profile \"%s\" in the %s %s: aws_access_key_id and aws_secret_access_key must "
			     "each be a single non-empty value",
			     profile, what, path);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	/* botocore looks at aws_security_token before aws_session_token. */
	const struct c1_aws_setting *token = c1_aws_profile_setting_in(pr, "aws_security_token", file);
	if (!token)
		token = c1_aws_profile_setting_in(pr, "aws_session_token", file);

	struct c1_secret akid_secret = C1_SECRET_INIT;
	c1_secret_set(&akid_secret, akid->value, strlen(akid->value));
	source = c1_asprintf("profile \"%s\": static keys in %s", profile, path);
	creds = c1_aws_credentials_new_from_secrets(&akid_secret, &secret->secret,
						    token ? &token->secret : NULL, 0, source);
	c1_secret_dispose(&akid_secret);
	rc = c1_aws_credentials_provider_new_static(out, creds);
cleanup:
	c1_aws_credentials_release(creds);
	free(source);
	return rc;
}
