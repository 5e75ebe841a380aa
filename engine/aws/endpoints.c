/* Endpoint and region resolution, following botocore's ConfiguredEndpointProvider
 * (env service, env global, config service, config global) and its STS endpoint rules. */
#include "engine/aws/endpoints.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* botocore args.py LEGACY_GLOBAL_STS_REGIONS */
static const char *const s_legacy_sts_regions[] = {
    "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
    "eu-central-1",   "eu-north-1", "eu-west-1",      "eu-west-2",      "eu-west-3",  "sa-east-1",
    "us-east-1",      "us-east-2",  "us-west-1",      "us-west-2",
};

void c1_aws_endpoint_dispose(struct c1_aws_endpoint *ep)
{
	if (!ep)
		return;
	free(ep->url);
	free(ep->signing_region);
	free(ep->origin);
	ep->url = ep->signing_region = ep->origin = NULL;
	ep->source = C1_AWS_ENDPOINT_DEFAULT;
	ep->overridden = false;
}

const char *c1_aws_endpoint_source_name(enum c1_aws_endpoint_source source)
{
	switch (source) {
	case C1_AWS_ENDPOINT_ENV_SERVICE: return "AWS_ENDPOINT_URL_<SERVICE>";
	case C1_AWS_ENDPOINT_ENV_GLOBAL: return "AWS_ENDPOINT_URL";
	case C1_AWS_ENDPOINT_CONFIG_SERVICE: return "services section";
	case C1_AWS_ENDPOINT_CONFIG_GLOBAL: return "endpoint_url";
	case C1_AWS_ENDPOINT_DEFAULT: break;
	}
	return "default";
}

bool c1_aws_region_is_valid(const char *region)
{
	size_t len = region ? strlen(region) : 0;
	bool all_digits = true;
	if (len == 0 || len > 63 || region[0] == '-' || region[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = region[i];
		bool digit = c >= '0' && c <= '9';
		if (!digit && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != '-')
			return false;
		all_digits = all_digits && digit;
	}
	return !all_digits;
}

static const char *s_nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

static char *s_setting_origin(const char *what, const char *profile, const struct c1_aws_config *cfg,
			      const struct c1_aws_setting *s)
{
	return c1_asprintf("%s of profile \"%s\" (%s:%u)", what, profile, c1_aws_config_path(cfg, s->file),
			   s->line);
}

static bool s_is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0; /* botocore ensure_boolean */
}

/* The configured override, if any: *url and *origin are set (owned) or left NULL. */
static int s_configured(char **url, char **origin, enum c1_aws_endpoint_source *source,
			const struct c1_aws_config *cfg, const char *profile, const struct c1_aws_profile *pr,
			const char *service_id, const struct c1_aws_env *env)
{
	int rc = 0;
	char *env_name = NULL, *key = NULL;

	const char *ignore = c1_aws_env_get(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (ignore ? s_is_true(ignore) : s_is_true(c1_aws_profile_get(pr, "ignore_configured_endpoint_urls")))
		goto cleanup;

	/* AWS_ENDPOINT_URL_<SERVICE>: service id upper-cased, '-' and ' ' to '_'; config key lower. */
	env_name = c1_asprintf("AWS_ENDPOINT_URL_%s", service_id);
	key = c1_strdup(service_id);
	for (char *p = env_name + strlen("AWS_ENDPOINT_URL_"); *p; p++)
		*p = (*p == '-' || *p == ' ') ? '_' : (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
	for (char *p = key; *p; p++)
		*p = (*p == '-' || *p == ' ') ? '_' : (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;

	const char *v = s_nonempty(c1_aws_env_get(env, env_name));
	if (v) {
		*url = c1_strdup(v);
		*origin = c1_strdup(env_name);
		*source = C1_AWS_ENDPOINT_ENV_SERVICE;
		goto cleanup;
	}
	v = s_nonempty(c1_aws_env_get(env, "AWS_ENDPOINT_URL"));
	if (v) {
		*url = c1_strdup(v);
		*origin = c1_strdup("AWS_ENDPOINT_URL");
		*source = C1_AWS_ENDPOINT_ENV_GLOBAL;
		goto cleanup;
	}
	const struct c1_aws_setting *services = c1_aws_profile_setting(pr, "services");
	if (services) {
		const struct c1_aws_section *sec =
		    services->value ? c1_aws_config_services(cfg, services->value) : NULL;
		if (!sec || c1_aws_section_is_empty(sec)) {
			c1_error_set(
			    "profile \"%s\" sets services = %s (%s:%u) but %s has no [services %s] section "
			    "with settings; add the section or remove the services line",
			    profile, services->value ? services->value : "(block)",
			    c1_aws_config_path(cfg, services->file), services->line,
			    c1_aws_config_path(cfg, C1_AWS_FILE_CONFIG),
			    services->value ? services->value : "NAME");
			rc = C1_ECONFIG;
			goto cleanup;
		}
		const struct c1_aws_setting *entry = c1_aws_section_setting(sec, key);
		if (entry && !entry->nested) {
			c1_error_set(
			    "%s:%u: \"%s\" in [services %s] must be an indented block, e.g. \"%s =\" then "
			    "\"  endpoint_url = https://...\" on the next line",
			    c1_aws_config_path(cfg, entry->file), entry->line, key, services->value, key);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		v = s_nonempty(c1_aws_setting_sub(entry, "endpoint_url"));
		if (v) {
			*url = c1_strdup(v);
			*origin =
			    c1_asprintf("endpoint_url of \"%s\" in [services %s] (%s:%u)", key,
					services->value, c1_aws_config_path(cfg, entry->file), entry->line);
			*source = C1_AWS_ENDPOINT_CONFIG_SERVICE;
			goto cleanup;
		}
	}
	const struct c1_aws_setting *global = c1_aws_profile_setting(pr, "endpoint_url");
	if (global && s_nonempty(global->value)) {
		*url = c1_strdup(global->value);
		*origin = s_setting_origin("endpoint_url", profile, cfg, global);
		*source = C1_AWS_ENDPOINT_CONFIG_GLOBAL;
	}
cleanup:
	free(env_name);
	free(key);
	return rc;
}

static int s_sts_legacy(bool *legacy, const char *profile, const struct c1_aws_profile *pr,
			const struct c1_aws_config *cfg, const struct c1_aws_env *env)
{
	const char *v = c1_aws_env_get(env, "AWS_STS_REGIONAL_ENDPOINTS");
	const char *where = "AWS_STS_REGIONAL_ENDPOINTS";
	char *where_buf = NULL;
	if (!v) {
		const struct c1_aws_setting *s = c1_aws_profile_setting(pr, "sts_regional_endpoints");
		if (s && s->value) {
			v = s->value;
			where_buf = s_setting_origin("sts_regional_endpoints", profile, cfg, s);
			where = where_buf;
		}
	}
	*legacy = false;
	int rc = 0;
	if (!v || !v[0] || strcmp(v, "regional") == 0)
		goto cleanup;
	if (strcmp(v, "legacy") == 0) {
		*legacy = true;
		goto cleanup;
	}
	c1_error_set("%s is \"%.40s\"; it must be \"regional\" or \"legacy\"", where, v);
	rc = C1_ECONFIG;
cleanup:
	free(where_buf);
	return rc;
}

static const char *s_partition_domain(const char *region)
{
	return strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

int c1_aws_endpoint_resolve(struct c1_aws_endpoint *out, const struct c1_aws_config *cfg, const char *profile,
			    const char *service_id, const char *region, const struct c1_aws_env *env)
{
	int rc = 0;
	struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;

	*out = ep;
	if (!profile)
		profile = c1_aws_default_profile_name(env);
	const struct c1_aws_profile *pr = cfg ? c1_aws_config_profile(cfg, profile) : NULL;
	if (!service_id || !service_id[0]) {
		c1_error_set("no AWS service named for endpoint resolution");
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (region && !region[0])
		region = NULL;
	if (region && !c1_aws_region_is_valid(region)) {
		c1_error_set(
		    "\"%.64s\" is not a valid AWS region name (for profile \"%s\"); use e.g. us-east-1",
		    region, profile);
		rc = C1_ECONFIG;
		goto cleanup;
	}

	rc = s_configured(&ep.url, &ep.origin, &ep.source, cfg, profile, pr, service_id, env);
	if (rc)
		goto cleanup;
	if (ep.url) {
		ep.overridden = true;
		rc = c1_url_check_transport_allowed(ep.url);
		if (rc) {
			char inner[512];
			snprintf(inner, sizeof(inner), "%s", c1_error_last());
			c1_error_set("%s: %s", ep.origin, inner);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		ep.signing_region = c1_strdup(region ? region : "us-east-1");
		goto done;
	}

	ep.origin = c1_strdup("default");
	if (strcmp(service_id, "sts") == 0) {
		bool legacy = false;
		bool global = !region || strcmp(region, "aws-global") == 0;
		if (!global) {
			rc = s_sts_legacy(&legacy, profile, pr, cfg, env);
			if (rc)
				goto cleanup;
			for (size_t i = 0;
			     legacy && i < sizeof(s_legacy_sts_regions) / sizeof(*s_legacy_sts_regions); i++)
				global = global || strcmp(region, s_legacy_sts_regions[i]) == 0;
		}
		if (global) {
			ep.url = c1_strdup("https://sts.amazonaws.com");
			ep.signing_region = c1_strdup("us-east-1");
			goto done;
		}
	}
	if (strcmp(service_id, "iam") == 0) {
		/* Global: one endpoint per partition, signed for the partition's home region. */
		bool cn = region && strncmp(region, "cn-", 3) == 0;
		bool gov = region && strncmp(region, "us-gov-", 7) == 0;
		ep.url = c1_strdup(cn    ? "https://iam.cn-north-1.amazonaws.com.cn"
				   : gov ? "https://iam.us-gov.amazonaws.com"
					 : "https://iam.amazonaws.com");
		ep.signing_region = c1_strdup(cn ? "cn-north-1" : gov ? "us-gov-west-1" : "us-east-1");
		goto done;
	}
	if (!region) {
		c1_error_set(
		    "no AWS region for profile \"%s\" to reach %s; set region in the profile, AWS_REGION, "
		    "or the spreadsheet's region column",
		    profile, service_id);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	ep.url = c1_asprintf("https://%s.%s.%s", service_id, region, s_partition_domain(region));
	ep.signing_region = c1_strdup(region);
done:
	*out = ep;
	return 0;
cleanup:
	c1_aws_endpoint_dispose(&ep);
	return rc;
}

int c1_aws_region_for_profile(char **out, const struct c1_aws_config *cfg, const char *profile,
			      const struct c1_aws_env *env)
{
	const char *where = "AWS_REGION";
	const char *v = s_nonempty(c1_aws_env_get(env, "AWS_REGION"));
	char *origin = NULL;
	int rc = 0;

	*out = NULL;
	if (!profile)
		profile = c1_aws_default_profile_name(env);
	if (!v) {
		v = s_nonempty(c1_aws_env_get(env, "AWS_DEFAULT_REGION"));
		where = "AWS_DEFAULT_REGION";
	}
	if (!v) {
		const struct c1_aws_profile *pr = cfg ? c1_aws_config_profile(cfg, profile) : NULL;
		const struct c1_aws_setting *s = c1_aws_profile_setting(pr, "region");
		if (s && s_nonempty(s->value)) {
			v = s->value;
			origin = s_setting_origin("region", profile, cfg, s);
			where = origin;
		}
	}
	if (!v) {
		c1_error_set("no region for profile \"%s\": set region in the profile, or AWS_REGION",
			     profile);
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	if (!c1_aws_region_is_valid(v)) {
		c1_error_set("%s: \"%.64s\" is not a valid AWS region name; use e.g. us-east-1", where, v);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	*out = c1_strdup(v);
cleanup:
	free(origin);
	return rc;
}
