#include "batch/config_check.h"

#include "engine/aws/credentials.h"
#include "engine/aws/endpoints.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/url.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* validate is offline: providers need a transport to exist, never to send. Constructing one reads
 * no file either (SSO token cache, web identity token), so a profile for a pod, an instance or a
 * laptop that has not logged in yet validates where the spreadsheet is checked, and an incomplete
 * SSO or web identity profile is reported by what is missing. */
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

/* Verdicts per distinct profile, so 500 rows of one profile cost one check and a million rows
 * of distinct profiles cost a million, not their square. */
struct s_verdict {
	char *profile;
	char *problem; /* NULL when the profile is fine */
};

struct c1_config_checker {
	const struct c1_aws_config *cfg;
	const struct c1_aws_env *env;
	struct s_verdict *slots;
	size_t cap;
	size_t used;
	bool failed;
};

struct c1_config_checker *c1_config_checker_new(const struct c1_aws_config *cfg, const struct c1_aws_env *env)
{
	struct c1_config_checker *c = c1_calloc(1, sizeof(*c));
	c->cfg = cfg;
	c->env = env;
	return c;
}

void c1_config_checker_free(struct c1_config_checker *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++) {
		free(c->slots[i].profile);
		free(c->slots[i].problem);
	}
	free(c->slots);
	free(c);
}

static size_t s_slot(const struct s_verdict *slots, size_t cap, const char *profile)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = profile; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	size_t at = (size_t)h & (cap - 1);
	while (slots[at].profile && strcmp(slots[at].profile, profile) != 0)
		at = (at + 1) & (cap - 1);
	return at;
}

/* The verdict of `profile`, checking it on first sight (then *fresh). */
static struct s_verdict *s_verdict(struct c1_config_checker *c, const char *profile, const char *region,
				   bool *fresh)
{
	*fresh = false;
	if ((c->used + 1) * 4 >= c->cap * 3) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct s_verdict *slots = c1_calloc(cap, sizeof(*slots));
		for (size_t i = 0; i < c->cap; i++)
			if (c->slots[i].profile)
				slots[s_slot(slots, cap, c->slots[i].profile)] = c->slots[i];
		free(c->slots);
		c->slots = slots;
		c->cap = cap;
	}
	struct s_verdict *v = &c->slots[s_slot(c->slots, c->cap, profile)];
	if (!v->profile) {
		v->profile = c1_strdup(profile);
		v->problem = s_check_profile(c->cfg, profile, region, c->env);
		c->used++;
		*fresh = true;
	}
	return v;
}

int c1_config_checker_rows(struct c1_config_checker *c, struct c1_account_list *list,
			   struct c1_intake_errors *errors)
{
	int rc = 0;
	int profile_column = list->column_index[C1_COL_PROFILE] + 1;
	for (size_t i = 0; i < list->count; i++) {
		struct c1_account_row *row = list->rows[i];
		if (!row->valid)
			continue;
		bool fresh;
		const char *region = row->region[0] ? row->region : "us-east-1";
		const struct s_verdict *v = s_verdict(c, row->profile, region, &fresh);
		if (!v->problem)
			continue;
		if (fresh)
			c1_intake_errors_add(errors, list->path, row->line, (size_t)profile_column, "profile",
					     "%s", v->problem);
		row->valid = false;
		rc = C1_ECONFIG;
	}
	c->failed = c->failed || rc != 0;
	return rc;
}

int c1_config_checker_finish(struct c1_config_checker *c, const char *path, struct c1_intake_errors *errors)
{
	int rc = c->failed ? C1_ECONFIG : 0;
	s_check_trend_endpoint("C1_ENDPOINT_URL", c->env, path, errors, &rc);
	s_check_trend_endpoint("V1_ENDPOINT_URL", c->env, path, errors, &rc);
	return rc;
}

int c1_config_check_rows(struct c1_account_list *list, const struct c1_aws_config *cfg,
			 const struct c1_aws_env *env, struct c1_intake_errors *errors)
{
	struct c1_config_checker *c = c1_config_checker_new(cfg, env);
	c1_config_checker_rows(c, list, errors);
	int rc = c1_config_checker_finish(c, list->path, errors);
	c1_config_checker_free(c);
	return rc;
}
