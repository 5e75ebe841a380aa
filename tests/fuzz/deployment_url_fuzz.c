/* Fuzz target for the URL readers: Cloud One's CloudTrail deploymentURL
 * (c1_cloudone_parse_deployment_url), the URN split, and engine/net/url.c under them. The input
 * is the URL text (cut at the first NUL, as a C string from a JSON reply would be). Percent
 * encoding must round-trip: decode(encode(s)) == s. */
#include "engine/core/alloc.h"
#include "engine/net/url.h"
#include "engine/trend/cloudone.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = c1_strndup((const char *)data, size);
	struct c1_cloudone_cloudtrail_params params;
	struct c1_url url = C1_URL_INIT;
	char region[32], account[16];

	if (c1_cloudone_parse_deployment_url(&params, text) == 0) {
		if (!params.template_url || !params.s3_bucket_name || !params.service_url ||
		    !params.api_version)
			abort();
	}
	c1_cloudone_cloudtrail_params_dispose(&params);
	(void)c1_cloudone_parse_urn(text, region, account);
	if (c1_url_parse(&url, text) == 0)
		(void)c1_url_host_is_loopback(url.host);
	c1_url_dispose(&url);
	(void)c1_url_check_transport_allowed(text);

	for (int slash = 0; slash < 2; slash++) {
		char *enc = c1_url_encode(text, slash);
		char *dec = c1_url_decode(enc, false);
		if (strcmp(dec, text) != 0) {
			fprintf(stderr, "percent-encoding does not round-trip\n");
			abort();
		}
		free(enc);
		free(dec);
	}
	free(c1_url_decode(text, true));
	free(text);
	return 0;
}
