#include "batch/config_check.h"

#include "engine/aws/credentials.h"
#include "engine/aws/endpoints.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/url.h"

#include <stdlib.h>
#include <string.h>

/* validate is offline: providers need a transport to exist, never to send. */
static int s_offline_send(struct c1_http_transport *self, const struct c1_http_request *req,
			  struct c1_http_response *out)
{
	(void)self;
	(void)req;
	(void)out;
	c1_error_set("validate makes no network calls");
	return C1_EINVALID;
}

static void s_offline_destroy(struct c1_http_transport *self)
{
	(void)self;
}

static struct c1_http_transport s_offline = {s_offline_send, s_offline_destroy, NULL};

static const char *const s_aws_services[] = {"sts", "cloudformation", "s3", "cloudtrail", "iam"};

/* One profile's verdict: NULL when fine, else the message (owned). */
static char *s_check_profile(const struct c1_aws_config *cfg, const char *profile, const char *region,
			     const struct c1_aws_env *env)
{
	struct c1_aws_credentials_provider *provider = NULL;
	struct c1_aws_profile_provider_options popts = {0};
	char *problem = NULL;

	popts.env = env;
	popts.transport = &s_offline;
	popts.region = region;
	/* Constructing the provider validates the chain; nothing is fetched. */
	if (c1_aws_credentials_provider_for_profile(&provider, cfg, profile, &popts) != 0) {
		problem = c1_strdup(c1_error_last());
		goto cleanup;
	}
	for (size_t i = 0; i < sizeof(s_aws_services) / sizeof(s_aws_services[0]); i++) {
		struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
		int rc = c1_aws_endpoint_resolve(&ep, cfg, profile, s_aws_services[i], region, env);
		c1_aws_endpoint_dispose(&ep);
		if (rc != 0) {
			problem = c1_strdup(c1_error_last());
			goto cleanup;
		}
	}
cleanup:
	c1_aws_credentials_provider_release(provider);
	return problem;
}

static void s_check_trend_endpoint(const char *var, const struct c1_aws_env *env, const char *path,
				   struct c1_intake_errors *errors, int *rc)
{
	const char *url = c1_aws_env_get(env, var);
	if (!url || !*url)
		return;
	if (c1_url_check_transport_allowed(url) != 0) {
		c1_intake_errors_add(errors, path, 0, 0, NULL, "%s: %s", var, c1_error_last());
		*rc = C1_ECONFIG;
	}
}

int c1_config_check_rows(struct c1_account_list *list, const struct c1_aws_config *cfg,
			 const struct c1_aws_env *env, struct c1_intake_errors *errors)
{
	int rc = 0;
	size_t n = list->count;
	/* Verdict per distinct profile, so 500 rows of one profile cost one check. */
	const char **seen = c1_calloc(n ? n : 1, sizeof(*seen));
	char **verdict = c1_calloc(n ? n : 1, sizeof(*verdict));
	size_t seen_count = 0;
	int profile_column = list->column_index[C1_COL_PROFILE] + 1;

	for (size_t i = 0; i < n; i++) {
		struct c1_account_row *row = list->rows[i];
		if (!row->valid)
			continue;
		size_t k = 0;
		while (k < seen_count && strcmp(seen[k], row->profile) != 0)
			k++;
		if (k == seen_count) {
			const char *region = row->region[0] ? row->region : "us-east-1";
			seen[k] = row->profile;
			verdict[k] = s_check_profile(cfg, row->profile, region, env);
			seen_count++;
			if (verdict[k]) {
				c1_intake_errors_add(errors, list->path, row->line, (size_t)profile_column,
						     "profile", "%s", verdict[k]);
				rc = C1_ECONFIG;
			}
		}
		if (verdict[k])
			row->valid = false;
	}
	s_check_trend_endpoint("C1_ENDPOINT_URL", env, list->path, errors, &rc);
	s_check_trend_endpoint("V1_ENDPOINT_URL", env, list->path, errors, &rc);

	for (size_t k = 0; k < seen_count; k++)
		free(verdict[k]);
	free(verdict);
	free(seen);
	return rc;
}
