/* The profile resolver: builds the provider for a named profile in botocore's order
 * (credentials.py: AssumeRoleProvider, then ProfileProviderBuilder's web identity, SSO, shared
 * credentials file, login, credential_process, config file), including source_profile chains,
 * credential_source (Environment, Ec2InstanceMetadata, EcsContainer) and botocore's loop rules.
 * The environment provider is left out, as botocore does for an explicitly named profile; it only
 * serves `credential_source = Environment`, and the environment's web identity
 * (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN) only a profile with no credentials of its own. */
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

static int s_need_transport(struct s_resolver *r, const char *name, const char *what)
{
	if (r->opts && r->opts->transport)
		return 0;
	c1_error_set("profile \"%s\" uses %s, but no HTTP transport was given to fetch credentials", name,
		     what);
	return C1_EINVALID;
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
		} else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
			why = c1_asprintf("profile \"%s\": credential_source Ec2InstanceMetadata", name);
			struct c1_aws_imds_options io = {
			    .env = r->env,
			    .transport = r->opts->transport,
			    .endpoint = c1_aws_profile_get(pr, "ec2_metadata_service_endpoint"),
			    .clock = r->opts->clock,
			    .refresh_margin_ms = r->opts->refresh_margin_ms,
			    .why = why,
			};
			rc = s_need_transport(r, name, "credential_source Ec2InstanceMetadata");
			if (rc == 0)
				rc = c1_aws_credentials_provider_new_imds(&source, &io);
		} else if (strcmp(cs, "EcsContainer") == 0) {
			why = c1_asprintf("profile \"%s\": credential_source EcsContainer", name);
			struct c1_aws_container_options co = {
			    .env = r->env,
			    .transport = r->opts->transport,
			    .clock = r->opts->clock,
			    .refresh_margin_ms = r->opts->refresh_margin_ms,
			    .why = why,
			};
			rc = s_need_transport(r, name, "credential_source EcsContainer");
			if (rc == 0)
				rc = c1_aws_credentials_provider_new_container(&source, &co);
		} else {
			c1_error_set("profile \"%s\" (%s): the credential_source \"%.64s\" is not valid; use "
				     "Environment, Ec2InstanceMetadata or EcsContainer (names are "
				     "case-sensitive)",
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

static int s_resolve_web_identity(struct s_resolver *r, const char *name, const char *token_file,
				  const char *role_arn, const char *session, bool from_env,
				  struct c1_aws_credentials_provider **out)
{
	int rc = 0;
	char *desc = NULL;
	const char *where =
	    from_env ? "AWS_WEB_IDENTITY_TOKEN_FILE in the environment" : "web_identity_token_file";
	if (!token_file || !token_file[0]) {
		c1_error_set("profile \"%s\": web_identity_token_file is empty; set it to the path of the "
			     "OIDC token file",
			     name);
		return C1_ECONFIG;
	}
	if (!role_arn || !role_arn[0]) {
		c1_error_set("profile \"%s\" uses %s but has no role ARN: %s", name, where,
			     from_env ? "export AWS_ROLE_ARN with the role to assume"
				      : "add role_arn = <ARN of the role to assume> to the profile");
		return C1_ECONFIG;
	}
	if (session && !session[0])
		session = NULL;
	rc = s_sts_endpoint(r);
	if (rc)
		return rc;
	desc = c1_asprintf("profile \"%s\": web identity %s (token file %s%s)", name, role_arn, token_file,
			   from_env ? ", from the environment" : "");
	struct c1_aws_web_identity_options wo = {
	    .token_file = token_file,
	    .role_arn = role_arn,
	    .role_session_name = session,
	    .transport = r->opts->transport,
	    .sts_endpoint = r->sts.url,
	    .sts_region = r->sts.signing_region,
	    .clock = r->opts->clock,
	    .refresh_margin_ms = r->opts->refresh_margin_ms,
	    .description = desc,
	};
	rc = c1_aws_credentials_provider_new_web_identity(out, &wo);
	free(desc);
	return rc;
}

/* botocore SSOProvider._load_sso_config: the profile's sso_* settings, merged with its
 * [sso-session NAME] section (a value set in both must agree). */
static int s_resolve_sso(struct s_resolver *r, const char *name, const struct c1_aws_profile *pr,
			 struct c1_aws_credentials_provider **out)
{
	static const char *const keys[] = {"sso_role_name", "sso_account_id", "sso_start_url", "sso_region"};
	const char *vals[4] = {NULL, NULL, NULL, NULL};
	const char *session = c1_aws_profile_get(pr, "sso_session");
	const struct c1_aws_section *sec = NULL;
	struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
	char missing[160] = "";
	int rc = 0;

	if (c1_aws_profile_has(pr, "sso_session")) {
		sec = session && session[0] ? c1_aws_config_sso_session(r->cfg, session) : NULL;
		if (!sec) {
			c1_error_set(
			    "profile \"%s\" names sso_session \"%s\", but %s has no [sso-session %s] "
			    "section",
			    name, session ? session : "", c1_aws_config_path(r->cfg, C1_AWS_FILE_CONFIG),
			    session ? session : "NAME");
			return C1_ECONFIG;
		}
	}
	for (size_t i = 0; i < 4; i++) {
		vals[i] = c1_aws_profile_get(pr, keys[i]);
		const struct c1_aws_setting *ss = sec ? c1_aws_section_setting(sec, keys[i]) : NULL;
		const char *sv = ss ? ss->value : NULL;
		if (vals[i] && sv && strcmp(vals[i], sv) != 0) {
			c1_error_set(
			    "profile \"%s\": %s differs between the profile (%s) and [sso-session %s] "
			    "(%s); keep one",
			    name, keys[i], vals[i], session, sv);
			return C1_ECONFIG;
		}
		if (!vals[i])
			vals[i] = sv;
		if (!vals[i] || !vals[i][0]) {
			size_t n = strlen(missing);
			snprintf(missing + n, sizeof(missing) - n, "%s%s", n ? ", " : "", keys[i]);
		}
	}
	if (missing[0]) {
		c1_error_set("profile \"%s\" is configured to use SSO but is missing required configuration: "
			     "%s%s",
			     name, missing,
			     session ? " (sso_start_url and sso_region may also be set in the [sso-session] "
				       "section)"
				     : "");
		return C1_ECONFIG;
	}
	if (!c1_aws_region_is_valid(vals[3])) {
		c1_error_set("profile \"%s\": sso_region \"%.40s\" is not a valid region name", name,
			     vals[3]);
		return C1_ECONFIG;
	}
	rc = s_need_transport(r, name, "SSO (IAM Identity Center)");
	if (rc)
		return rc;
	/* The portal endpoint follows the SDK convention: AWS_ENDPOINT_URL_SSO, services, endpoint_url. */
	rc = c1_aws_endpoint_resolve(&ep, r->cfg, r->top, "sso", vals[3], r->env);
	if (rc)
		goto cleanup;
	struct c1_aws_sso_options so = {
	    .profile = name,
	    .session_name = session,
	    .start_url = vals[2],
	    .sso_region = vals[3],
	    .account_id = vals[1],
	    .role_name = vals[0],
	    .portal_url = ep.source == C1_AWS_ENDPOINT_DEFAULT ? NULL : ep.url,
	    .env = r->env,
	    .transport = r->opts->transport,
	    .clock = r->opts->clock,
	    .refresh_margin_ms = r->opts->refresh_margin_ms,
	};
	rc = c1_aws_credentials_provider_new_sso(out, &so);
cleanup:
	c1_aws_endpoint_dispose(&ep);
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
		return s_resolve_web_identity(r, name, c1_aws_profile_get(pr, "web_identity_token_file"),
					      c1_aws_profile_get(pr, "role_arn"),
					      c1_aws_profile_get(pr, "role_session_name"), false, out);
	if (c1_aws_profile_has(pr, "sso_role_name") || c1_aws_profile_has(pr, "sso_account_id"))
		return s_resolve_sso(r, name, pr, out);
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
	const char *env_file = c1_aws_env_get(r->env, "AWS_WEB_IDENTITY_TOKEN_FILE");
	if (env_file && env_file[0])
		return s_resolve_web_identity(r, name, env_file, c1_aws_env_get(r->env, "AWS_ROLE_ARN"),
					      c1_aws_env_get(r->env, "AWS_ROLE_SESSION_NAME"), true, out);
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
