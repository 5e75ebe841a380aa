/* Fuzz target for the AWS shared config/credentials parser: the input is the config file, then
 * (after the first 0x01 byte, if any) the credentials file. Every profile found is then looked up,
 * resolved to a credentials provider (nothing is run or sent) and to endpoints. */
#include "engine/aws/config_file.h"
#include "engine/aws/credentials.h"
#include "engine/aws/endpoints.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *s_no_env(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *split = memchr(text, 0x01, size);
	size_t config_len = split ? (size_t)(split - text) : size;
	const char *creds = split ? split + 1 : NULL;
	size_t creds_len = split ? size - config_len - 1 : 0;
	struct c1_aws_env env = {s_no_env, NULL};
	struct c1_aws_config *cfg = NULL;

	if (c1_aws_config_parse(&cfg, text, config_len, "config", creds, creds_len, "credentials") != 0)
		return 0;
	size_t n = 0;
	const char *const *names = c1_aws_config_profile_names(cfg, &n);
	for (size_t i = 0; i < n; i++) {
		struct c1_aws_credentials_provider *p = NULL;
		struct c1_aws_profile_provider_options opts = {.env = &env};
		if (c1_aws_credentials_provider_for_profile(&p, cfg, names[i], &opts) == 0)
			c1_aws_credentials_provider_release(p);
		struct c1_aws_endpoint ep = C1_AWS_ENDPOINT_INIT;
		if (c1_aws_endpoint_resolve(&ep, cfg, names[i], "cloudformation", "us-east-1", &env) == 0)
			c1_aws_endpoint_dispose(&ep);
		char *region = NULL;
		if (c1_aws_region_for_profile(&region, cfg, names[i], &env) == 0)
			free(region);
	}
	c1_aws_config_free(cfg);
	return 0;
}
