/* The profile resolver: builds the provider for a named profile in botocore's order
 * (credentials.py: AssumeRoleProvider, then ProfileProviderBuilder's web identity, SSO, shared
 * credentials file, login, credential_process, config file), including source_profile chains
 * and botocore's loop rules. The environment provider is left out, as botocore does for an
 * explicitly named profile; it only serves `credential_source = Environment`. */
#include "engine/aws/credentials.h"

#include "engine/aws/endpoints.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_CHAIN 32

struct s_resolver {
	const struct c1_aws_config *cfg;
	const struct c1_aws_profile_provider_options *opts;
	const struct c1_aws_env *env;
	const char *top;
	bool sts_resolved;
	struct c1_aws_endpoint sts;
	const char *visited[S_MAX_CHAIN];
	size_t visited_count;
};

static int s_resolve_profile_chain(struct s_resolver *r, const char *name, bool is_source,
				   struct c1_aws_credentials_provider **out);
static int s_resolve_role(struct s_resolver *r, const char *name, struct c1_aws_credentials_provider **out);

static bool s_has_role(const struct c1_aws_profile *pr)
{
	return c1_aws_profile_has(pr, "role_arn") && !c1_aws_profile_has(pr, "web_identity_token_file");
}

static bool s_has_static(const struct c1_aws_profile *pr)
{
	return c1_aws_profile_has(pr, "aws_access_key_id") || c1_aws_profile_has(pr, "aws_secret_access_key");
}

static const char *s_files_hint(const struct c1_aws_config *cfg)
{
	static _Thread_local char buf[1024];
	snprintf(buf, sizeof(buf), "%s or %s", c1_aws_config_path(cfg, C1_AWS_FILE_CONFIG),
		 c1_aws_config_path(cfg, C1_AWS_FILE_CREDENTIALS));
	return buf;
}

static const char *s_where(const struct c1_aws_config *cfg, const struct c1_aws_setting *s)
{
	static _Thread_local char buf[1100];
	snprintf(buf, sizeof(buf), "%s:%u", c1_aws_config_path(cfg, s->file), s->line);
	return buf;
}

static int s_sts_endpoint(struct s_resolver *r)
{
	int rc = 0;
	char *region = NULL;
	if (r->sts_resolved)
		return 0;
	if (!r->opts || !r->opts->transport) {
		c1_error_set("profile \"%s\" assumes a role, but no HTTP transport was given to reach STS",
			     r->top);
		return C1_EINVALID;
	}
	if (r->opts->region && r->opts->region[0]) {
		region = c1_strdup(r->opts->region);
	} else {
		rc = c1_aws_region_for_profile(&region, r->cfg, r->top, r->env);
		if (rc == C1_ENOTFOUND)
			rc = 0; /* botocore then uses the global STS endpoint */
		if (rc)
			goto cleanup;
	}
	/* As in botocore, the STS client of every hop is configured from the top-level profile. */
	rc = c1_aws_endpoint_resolve(&r->sts, r->cfg, r->top, "sts", region, r->env);
	if (rc)
		goto cleanup;
	r->sts_resolved = true;
cleanup:
	free(region);
	return rc;
}

static int s_parse_duration(int *out, const struct c1_aws_config *cfg, const char *name,
			    const struct c1_aws_setting *s)
{
	*out = 0;
	if (!s)
		return 0;
	const char *v = s->value ? s->value : "";
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0' || n < 900 || n > 43200) {
		c1_error_set(
		    "profile \"%s\" (%s): duration_seconds must be a whole number of seconds from 900 to "
		    "43200",
		    name, s_where(cfg, s));
		return C1_ECONFIG;
	}
	*out = (int)n;
	return 0;
}

static int s_resolve_source_profile(struct s_resolver *r, const char *parent, const char *src,
				    const struct c1_aws_setting *where,
				    struct c1_aws_credentials_provider **out)
{
	const struct c1_aws_profile *spr = c1_aws_config_profile(r->cfg, src);
	if (!spr) {
		c1_error_set(
		    "the source_profile \"%s\" referenced in profile \"%s\" (%s) does not exist in %s", src,
		    parent, s_where(r->cfg, where), s_files_hint(r->cfg));
		return C1_ECONFIG;
	}
	bool visited = false;
	for (size_t i = 0; i < r->visited_count; i++)
		visited = visited || strcmp(r->visited[i], src) == 0;
	/* A profile may name itself as source_profile to use its own static keys (botocore). */
	if (visited && (strcmp(src, parent) != 0 || !s_has_static(spr))) {
		char chain[512];
		size_t n = 0;
		chain[0] = '\0';
		for (size_t i = 0; i < r->visited_count && n < sizeof(chain); i++)
			n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%s -> ", r->visited[i]);
		if (n < sizeof(chain))
			snprintf(chain + n, sizeof(chain) - n, "%s", src);
		c1_error_set("source_profile loop: %s; break the cycle (one profile needs static keys or "
			     "credential_process)",
			     chain);
		return C1_ECONFIG;
	}
	if (r->visited_count == S_MAX_CHAIN) {
		c1_error_set("profile \"%s\": source_profile chain longer than %d profiles", r->top,
			     S_MAX_CHAIN);
		return C1_ECONFIG;
	}
	r->visited[r->visited_count++] = c1_aws_profile_name(spr);
	if (s_has_static(spr) || !s_has_role(spr))
		return s_resolve_profile_chain(r, src, true, out);
	return s_resolve_role(r, src, out);
}

static int s_resolve_role(struct s_resolver *r, const char *name, struct c1_aws_credentials_provider **out)
{
	int rc = 0;
	struct c1_aws_credentials_provider *source = NULL;
	char *desc = NULL, *why = NULL;
	const struct c1_aws_profile *pr = c1_aws_config_profile(r->cfg, name);
	const struct c1_aws_setting *role = c1_aws_profile_setting(pr, "role_arn");
	const struct c1_aws_setting *src = c1_aws_profile_setting(pr, "source_profile");
	const struct c1_aws_setting *csrc = c1_aws_profile_setting(pr, "credential_source");
	const struct c1_aws_setting *mfa = c1_aws_profile_setting(pr, "mfa_serial");
	int duration = 0;

	if (mfa) {
		c1_error_set(
		    "profile \"%s\" (%s) sets mfa_serial: a batch run cannot prompt for an MFA code; use a "
		    "role without MFA, or credential_process that supplies MFA-backed credentials",
		    name, s_where(r->cfg, mfa));
		rc = C1_ECONFIG;
		goto cleanup;
	}
	if (!role->value || !role->value[0]) {
		c1_error_set(
		    "profile \"%s\" (%s): role_arn is empty; set it to the ARN of the role to assume", name,
		    s_where(r->cfg, role));
		rc = C1_ECONFIG;
		goto cleanup;
	}
	if (src && csrc) {
		c1_error_set("profile \"%s\" contains both source_profile and credential_source; keep one",
			     name);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	if (!src && !csrc) {
		c1_error_set(
		    "profile \"%s\" (%s) has role_arn but neither source_profile nor credential_source; "
		    "add source_profile = <profile with credentials>",
		    name, s_where(r->cfg, role));
		rc = C1_ECONFIG;
		goto cleanup;
	}
	rc = s_parse_duration(&duration, r->cfg, name, c1_aws_profile_setting(pr, "duration_seconds"));
	if (rc)
		goto cleanup;
	if (csrc) {
		const char *cs = csrc->value ? csrc->value : "";
		if (strcmp(cs, "Environment") == 0) {
			why = c1_asprintf("profile \"%s\": credential_source Environment", name);
			rc = c1_aws_credentials_provider_new_env(&source, r->env, why);
			if (rc == C1_ENOTFOUND) {
				char inner[512];
				snprintf(inner, sizeof(inner), "%s", c1_error_last());
				c1_error_set("No credentials found in credential_source referenced in "
					     "profile \"%s\": %s",
					     name, inner);
				rc = C1_ECONFIG;
			}
		} else if (strcmp(cs, "Ec2InstanceMetadata") == 0 || strcmp(cs, "EcsContainer") == 0) {
			c1_error_set(
			    "profile \"%s\" (%s): credential_source %s is not supported by c1onboard; use "
			    "source_profile, credential_source Environment, or credential_process",
			    name, s_where(r->cfg, csrc), cs);
			rc = C1_ECONFIG;
		} else {
			c1_error_set("profile \"%s\" (%s): the credential_source \"%.64s\" is not valid; use "
				     "Environment (names are case-sensitive)",
				     name, s_where(r->cfg, csrc), cs);
			rc = C1_ECONFIG;
		}
	} else {
		rc = s_resolve_source_profile(r, name, src->value ? src->value : "", src, &source);
	}
	if (rc)
		goto cleanup;
	rc = s_sts_endpoint(r);
	if (rc)
		goto cleanup;
	desc = c1_asprintf("profile \"%s\": assume-role %s via %s", name, role->value, source->description);
	struct c1_aws_assume_role_options ar = {
	    .source = source,
	    .role_arn = role->value,
	    .role_session_name = c1_aws_profile_get(pr, "role_session_name"),
	    .external_id = c1_aws_profile_get(pr, "external_id"),
	    .duration_seconds = duration,
	    .transport = r->opts->transport,
	    .sts_endpoint = r->sts.url,
	    .sts_region = r->sts.signing_region,
	    .clock = r->opts->clock,
	    .refresh_margin_ms = r->opts->refresh_margin_ms,
	    .description = desc,
	};
	rc = c1_aws_credentials_provider_new_assume_role(out, &ar);
cleanup:
	c1_aws_credentials_provider_release(source);
	free(desc);
	free(why);
	return rc;
}

static int s_refuse(const char *name, const char *what, const char *fix)
{
	c1_error_set("profile \"%s\" uses %s, which c1onboard does not support; %s", name, what, fix);
	return C1_ECONFIG;
}

static int s_resolve_profile_chain(struct s_resolver *r, const char *name, bool is_source,
				   struct c1_aws_credentials_provider **out)
{
	int rc = 0;
	const struct c1_aws_profile *pr = c1_aws_config_profile(r->cfg, name);

	if (c1_aws_profile_has(pr, "web_identity_token_file"))
		return s_refuse(name, "web identity (web_identity_token_file)",
				"use credential_process or static keys in a source profile");
	if (c1_aws_profile_has(pr, "sso_role_name") || c1_aws_profile_has(pr, "sso_account_id"))
		return s_refuse(
		    name, "SSO (sso_* settings)",
		    "SSO profiles are not supported, use credential_process (for example a script "
		    "around \"aws configure export-credentials --profile NAME\")");
	rc = c1_aws_credentials_provider_new_profile_static(out, r->cfg, name, C1_AWS_FILE_CREDENTIALS);
	if (rc != C1_ENOTFOUND)
		return rc;
	if (c1_aws_profile_has(pr, "login_session"))
		return s_refuse(name, "console login (login_session)",
				"use credential_process or static keys");
	const struct c1_aws_setting *proc = c1_aws_profile_setting(pr, "credential_process");
	if (proc) {
		struct c1_aws_process_options po = {
		    .command = proc->value ? proc->value : "",
		    .profile = name,
		    .clock = r->opts ? r->opts->clock : NULL,
		    .timeout_ms = r->opts ? r->opts->process_timeout_ms : 0,
		    .refresh_margin_ms = r->opts ? r->opts->refresh_margin_ms : 0,
		};
		return c1_aws_credentials_provider_new_process(out, &po);
	}
	rc = c1_aws_credentials_provider_new_profile_static(out, r->cfg, name, C1_AWS_FILE_CONFIG);
	if (rc != C1_ENOTFOUND)
		return rc;
	if (is_source)
		c1_error_set("the source profile \"%s\" must have credentials (aws_access_key_id and "
			     "aws_secret_access_key, credential_process, or role_arn)",
			     name);
	else
		c1_error_set(
		    "profile \"%s\" has no credentials: add aws_access_key_id and aws_secret_access_key, "
		    "credential_process, or role_arn with source_profile",
		    name);
	return C1_ECONFIG;
}

int c1_aws_credentials_provider_for_profile(struct c1_aws_credentials_provider **out,
					    const struct c1_aws_config *cfg, const char *profile_name,
					    const struct c1_aws_profile_provider_options *opts)
{
	static const struct c1_aws_profile_provider_options no_opts;
	struct s_resolver r;
	int rc = 0;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.opts = opts ? opts : &no_opts;
	r.env = r.opts->env;
	r.sts = (struct c1_aws_endpoint)C1_AWS_ENDPOINT_INIT;
	if (!profile_name || !profile_name[0])
		profile_name = c1_aws_default_profile_name(r.env);
	const struct c1_aws_profile *pr = c1_aws_config_profile(cfg, profile_name);
	if (!pr) {
		c1_error_set("profile \"%s\" is in neither %s; add a [profile %s] section to the first "
			     "(or [%s] to the second), or fix the profile name",
			     profile_name, s_files_hint(cfg), profile_name, profile_name);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	r.top = c1_aws_profile_name(pr);
	r.visited[r.visited_count++] = r.top;
	if (s_has_role(pr))
		rc = s_resolve_role(&r, r.top, out);
	else
		rc = s_resolve_profile_chain(&r, r.top, false, out);
cleanup:
	c1_aws_endpoint_dispose(&r.sts);
	return rc;
}
