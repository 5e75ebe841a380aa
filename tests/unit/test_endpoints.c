/* Endpoint resolution (botocore order of overrides, STS legacy/regional, http only to loopback)
 * and region resolution for a profile. */
#include "harness.h"

#include "engine/aws/config_file.h"
#include "engine/aws/endpoints.h"
#include "engine/core/error.h"

#include <stdlib.h>
#include <string.h>

struct fake_env {
	const char *const *vars;
};

static const char *fake_getenv(void *ctx, const char *name)
{
	const struct fake_env *fe = ctx;
	for (size_t i = 0; fe->vars && fe->vars[i]; i += 2)
		if (strcmp(fe->vars[i], name) == 0)
			return fe->vars[i + 1];
	return NULL;
}

static struct c1_aws_config *parse_ok(const char *config)
{
	struct c1_aws_config *cfg = NULL;
	if (c1_aws_config_parse(&cfg, config, strlen(config), "/t/config", NULL, 0, "/t/credentials"))
		c1_test_fail(__FILE__, __LINE__, "parse failed: %s", c1_error_last());
	return cfg;
}

/* Resolve and return the URL (static buffer) or "ERR" with the error left in c1_error_last(). */
static const char *resolve(const struct c1_aws_config *cfg, const char *profile, const char *service,
			   const char *region, const char *const *vars, bool *overridden)
{
	static char url[512];
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
	int rc = c1_aws_endpoint_resolve(&ep, cfg, profile, service, region, &env);
	if (rc) {
		C1_CHECK(ep.url == NULL);
		snprintf(url, sizeof(url), "ERR");
	} else {
		snprintf(url, sizeof(url), "%s", ep.url);
		if (overridden)
			*overridden = ep.overridden;
		C1_CHECK(ep.signing_region != NULL && ep.origin != NULL);
	}
	c1_aws_endpoint_dispose(&ep);
	return url;
}

static const char *const no_vars[] = {NULL};

C1_TEST(default_endpoints)
{
	bool over = true;
	C1_CHECK_STR(resolve(NULL, "x", "cloudformation", "us-west-2", no_vars, &over),
		     "https://cloudformation.us-west-2.amazonaws.com");
	C1_CHECK(!over);
	C1_CHECK_STR(resolve(NULL, "x", "s3", "eu-west-1", no_vars, NULL),
		     "https://s3.eu-west-1.amazonaws.com");
	C1_CHECK_STR(resolve(NULL, "x", "cloudtrail", "ap-south-1", no_vars, NULL),
		     "https://cloudtrail.ap-south-1.amazonaws.com");
	C1_CHECK_STR(resolve(NULL, "x", "cloudformation", "cn-north-1", no_vars, NULL),
		     "https://cloudformation.cn-north-1.amazonaws.com.cn");
	C1_CHECK_STR(resolve(NULL, "x", "cloudformation", NULL, no_vars, NULL), "ERR");
	C1_CHECK_CONTAINS(c1_error_last(), "no AWS region");
	C1_CHECK_STR(resolve(NULL, "x", "s3", "us-east-1/evil", no_vars, NULL), "ERR");
	C1_CHECK_INT(c1_aws_endpoint_resolve(&(struct c1_aws_endpoint)C1_AWS_ENDPOINT_INIT, NULL, "x", "s3",
					     "123", NULL),
		     ==, C1_ECONFIG);
}

C1_TEST(sts_regional_and_legacy)
{
	struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
	struct fake_env fe = {no_vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	/* regional is the default */
	C1_CHECK_INT(c1_aws_endpoint_resolve(&ep, NULL, "x", "sts", "us-east-1", &env), ==, 0);
	C1_CHECK_STR(ep.url, "https://sts.us-east-1.amazonaws.com");
	C1_CHECK_STR(ep.signing_region, "us-east-1");
	c1_aws_endpoint_dispose(&ep);
	/* no region or aws-global: the global endpoint, signed for us-east-1 */
	C1_CHECK_INT(c1_aws_endpoint_resolve(&ep, NULL, "x", "sts", NULL, &env), ==, 0);
	C1_CHECK_STR(ep.url, "https://sts.amazonaws.com");
	C1_CHECK_STR(ep.signing_region, "us-east-1");
	c1_aws_endpoint_dispose(&ep);
	C1_CHECK_STR(resolve(NULL, "x", "sts", "aws-global", no_vars, NULL), "https://sts.amazonaws.com");

	/* legacy: the 16 legacy regions go global, others stay regional */
	const char *const legacy[] = {"AWS_STS_REGIONAL_ENDPOINTS", "legacy", NULL};
	C1_CHECK_INT(c1_aws_endpoint_resolve(&ep, NULL, "x", "sts", "eu-west-1",
					     &(struct c1_aws_env){fake_getenv, &(struct fake_env){legacy}}),
		     ==, 0);
	C1_CHECK_STR(ep.url, "https://sts.amazonaws.com");
	C1_CHECK_STR(ep.signing_region, "us-east-1");
	c1_aws_endpoint_dispose(&ep);
	C1_CHECK_STR(resolve(NULL, "x", "sts", "us-west-2", legacy, NULL), "https://sts.amazonaws.com");
	C1_CHECK_STR(resolve(NULL, "x", "sts", "af-south-1", legacy, NULL),
		     "https://sts.af-south-1.amazonaws.com");
	C1_CHECK_STR(resolve(NULL, "x", "sts", "cn-north-1", legacy, NULL),
		     "https://sts.cn-north-1.amazonaws.com.cn");

	/* from the profile; the environment wins over it */
	struct c1_aws_config *cfg = parse_ok("[profile l]\nsts_regional_endpoints = legacy\n"
					     "[profile bad]\nsts_regional_endpoints = Legacy\n");
	C1_CHECK_STR(resolve(cfg, "l", "sts", "us-east-2", no_vars, NULL), "https://sts.amazonaws.com");
	const char *const regional[] = {"AWS_STS_REGIONAL_ENDPOINTS", "regional", NULL};
	C1_CHECK_STR(resolve(cfg, "l", "sts", "us-east-2", regional, NULL),
		     "https://sts.us-east-2.amazonaws.com");
	C1_CHECK_STR(resolve(cfg, "bad", "sts", "us-east-2", no_vars, NULL), "ERR");
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:4");
	C1_CHECK_CONTAINS(c1_error_last(), "\"regional\" or \"legacy\"");
	c1_aws_config_free(cfg);
}

static const char *s_all_config = "[profile p]\n"
				  "services = local\n"
				  "endpoint_url = https://profile-wide.example\n"
				  "[services local]\n"
				  "cloudformation =\n"
				  "  endpoint_url = https://service-section.example\n"
				  "[profile only-global]\n"
				  "endpoint_url = https://profile-wide.example\n";

C1_TEST(override_precedence_matches_botocore)
{
	struct c1_aws_config *cfg = parse_ok(s_all_config);
	bool over = false;
	const char *const both_env[] = {"AWS_ENDPOINT_URL_CLOUDFORMATION", "https://env-service.example",
					"AWS_ENDPOINT_URL", "https://env-global.example", NULL};
	C1_CHECK_STR(resolve(cfg, "p", "cloudformation", "us-east-1", both_env, &over),
		     "https://env-service.example");
	C1_CHECK(over);
	/* AWS_ENDPOINT_URL beats the services section (botocore ConfiguredEndpointProvider order) */
	const char *const global_env[] = {"AWS_ENDPOINT_URL", "https://env-global.example", NULL};
	C1_CHECK_STR(resolve(cfg, "p", "cloudformation", "us-east-1", global_env, NULL),
		     "https://env-global.example");
	/* an empty variable counts as unset */
	const char *const empty_env[] = {"AWS_ENDPOINT_URL_CLOUDFORMATION", "", NULL};
	C1_CHECK_STR(resolve(cfg, "p", "cloudformation", "us-east-1", empty_env, NULL),
		     "https://service-section.example");
	/* other services of the same profile fall to the profile-wide endpoint_url */
	C1_CHECK_STR(resolve(cfg, "p", "sts", "us-east-1", no_vars, &over), "https://profile-wide.example");
	C1_CHECK(over);
	C1_CHECK_STR(resolve(cfg, "only-global", "s3", "us-east-1", no_vars, NULL),
		     "https://profile-wide.example");
	/* the service variable only applies to its service */
	const char *const sts_env[] = {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566", NULL};
	C1_CHECK_STR(resolve(cfg, "p", "sts", "us-east-1", sts_env, NULL), "http://127.0.0.1:4566");
	C1_CHECK_STR(resolve(cfg, "p", "cloudtrail", "us-east-1", sts_env, NULL),
		     "https://profile-wide.example");
	/* a profile without settings, or missing altogether */
	C1_CHECK_STR(resolve(cfg, "nosuch", "s3", "us-east-1", no_vars, &over),
		     "https://s3.us-east-1.amazonaws.com");
	C1_CHECK(!over);

	struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
	struct fake_env fe = {no_vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	C1_CHECK_INT(c1_aws_endpoint_resolve(&ep, cfg, "p", "cloudformation", "eu-west-1", &env), ==, 0);
	C1_CHECK(ep.source == C1_AWS_ENDPOINT_CONFIG_SERVICE);
	C1_CHECK_STR(ep.signing_region, "eu-west-1");
	C1_CHECK_CONTAINS(ep.origin, "[services local]");
	C1_CHECK_CONTAINS(ep.origin, "/t/config:5");
	c1_aws_endpoint_dispose(&ep);
	c1_aws_config_free(cfg);
}

C1_TEST(ignore_configured_endpoint_urls)
{
	struct c1_aws_config *cfg = parse_ok("[profile p]\nendpoint_url = https://x.example\n"
					     "[profile q]\nendpoint_url = https://x.example\n"
					     "ignore_configured_endpoint_urls = TRUE\n");
	const char *const env_true[] = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", "AWS_ENDPOINT_URL",
					"https://y.example", NULL};
	bool over = true;
	C1_CHECK_STR(resolve(cfg, "p", "s3", "us-east-1", env_true, &over),
		     "https://s3.us-east-1.amazonaws.com");
	C1_CHECK(!over);
	C1_CHECK_STR(resolve(cfg, "q", "s3", "us-east-1", no_vars, NULL),
		     "https://s3.us-east-1.amazonaws.com");
	/* the environment variable, when set, decides over the profile */
	const char *const env_false[] = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", NULL};
	C1_CHECK_STR(resolve(cfg, "q", "s3", "us-east-1", env_false, NULL), "https://x.example");
	c1_aws_config_free(cfg);
}

C1_TEST(plain_http_only_to_loopback)
{
	const char *const remote[] = {"AWS_ENDPOINT_URL", "http://sim.example.com:4566", NULL};
	C1_CHECK_STR(resolve(NULL, "x", "cloudformation", "us-east-1", remote, NULL), "ERR");
	C1_CHECK_CONTAINS(c1_error_last(), "AWS_ENDPOINT_URL");
	C1_CHECK_CONTAINS(c1_error_last(), "sim.example.com");
	struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
	C1_CHECK_INT(c1_aws_endpoint_resolve(&ep, NULL, "x", "sts", "us-east-1",
					     &(struct c1_aws_env){fake_getenv, &(struct fake_env){remote}}),
		     ==, C1_ECONFIG);

	const char *const local[] = {"AWS_ENDPOINT_URL", "http://localhost:4566", NULL};
	C1_CHECK_STR(resolve(NULL, "x", "cloudformation", "us-east-1", local, NULL), "http://localhost:4566");
	const char *const local6[] = {"AWS_ENDPOINT_URL_S3", "http://[::1]:9000/", NULL};
	C1_CHECK_STR(resolve(NULL, "x", "s3", "us-east-1", local6, NULL), "http://[::1]:9000/");

	struct c1_aws_config *cfg = parse_ok("[profile p]\n\nendpoint_url = http://10.1.2.3:4566\n");
	C1_CHECK_STR(resolve(cfg, "p", "s3", "us-east-1", no_vars, NULL), "ERR");
	C1_CHECK_CONTAINS(c1_error_last(), "endpoint_url of profile \"p\" (/t/config:3)");
	c1_aws_config_free(cfg);

	const char *const garbage[] = {"AWS_ENDPOINT_URL", "ftp://x", NULL};
	C1_CHECK_STR(resolve(NULL, "x", "s3", "us-east-1", garbage, NULL), "ERR");
}

C1_TEST(services_section_errors)
{
	struct c1_aws_config *cfg = parse_ok("[profile missing]\nservices = nope\n"
					     "[profile flat]\nservices = flat\n"
					     "[services flat]\ncloudformation = https://flat.example\n"
					     "[profile empty]\nservices = empty\n[services empty]\n");
	C1_CHECK_STR(resolve(cfg, "missing", "cloudformation", "us-east-1", no_vars, NULL), "ERR");
	C1_CHECK_CONTAINS(c1_error_last(), "[services nope]");
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:2");
	C1_CHECK_STR(resolve(cfg, "empty", "cloudformation", "us-east-1", no_vars, NULL), "ERR");
	C1_CHECK_STR(resolve(cfg, "flat", "cloudformation", "us-east-1", no_vars, NULL), "ERR");
	C1_CHECK_CONTAINS(c1_error_last(), "indented block");
	/* an environment override is found before the services section is looked at (botocore) */
	const char *const env[] = {"AWS_ENDPOINT_URL", "https://e.example", NULL};
	C1_CHECK_STR(resolve(cfg, "missing", "cloudformation", "us-east-1", env, NULL), "https://e.example");
	c1_aws_config_free(cfg);
}

C1_TEST(region_for_profile)
{
	struct c1_aws_config *cfg =
	    parse_ok("[profile p]\nregion = eu-west-2\n[profile bad]\nregion = eu west\n");
	char *region = NULL;
	struct fake_env fe = {no_vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	C1_CHECK_INT(c1_aws_region_for_profile(&region, cfg, "p", &env), ==, 0);
	C1_CHECK_STR(region, "eu-west-2");
	free(region);
	const char *const dflt[] = {"AWS_DEFAULT_REGION", "ap-south-1", "AWS_REGION", "", NULL};
	fe.vars = dflt;
	C1_CHECK_INT(c1_aws_region_for_profile(&region, cfg, "p", &env), ==, 0);
	C1_CHECK_STR(region, "ap-south-1");
	free(region);
	const char *const both[] = {"AWS_DEFAULT_REGION", "ap-south-1", "AWS_REGION", "ca-central-1", NULL};
	fe.vars = both;
	C1_CHECK_INT(c1_aws_region_for_profile(&region, cfg, "p", &env), ==, 0);
	C1_CHECK_STR(region, "ca-central-1");
	free(region);
	fe.vars = no_vars;
	C1_CHECK_INT(c1_aws_region_for_profile(&region, cfg, "none", &env), ==, C1_ENOTFOUND);
	C1_CHECK(region == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "\"none\"");
	C1_CHECK_INT(c1_aws_region_for_profile(&region, cfg, "bad", &env), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:4");
	c1_aws_config_free(cfg);
}

/* IAM is global: one endpoint per partition, signed for its home region (as botocore resolves it). */
C1_TEST(iam_is_global_per_partition)
{
	static const char *const cases[][3] = {
	    {"eu-west-1", "https://iam.amazonaws.com", "us-east-1"},
	    {"cn-north-1", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"},
	    {"us-gov-west-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_env fe = {no_vars};
		struct c1_aws_env env = {fake_getenv, &fe};
		struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
		C1_CHECK_INT(c1_aws_endpoint_resolve(&ep, NULL, "x", "iam", cases[i][0], &env), ==, 0);
		C1_CHECK_STR(ep.url, cases[i][1]);
		C1_CHECK_STR(ep.signing_region, cases[i][2]);
		c1_aws_endpoint_dispose(&ep);
	}
	/* an override wins, as for every service */
	static const char *const vars[] = {"AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:4566", NULL};
	C1_CHECK_STR(resolve(NULL, "x", "iam", "eu-west-1", vars, NULL), "http://127.0.0.1:4566");
}
