/* The TemplateURL of strategy template from --template-url / --qs-bucket / --qs-prefix. */
#include "engine/core/error.h"
#include "engine/run/strategy_template.h"
#include "tests/unit/harness.h"

C1_TEST(url_defaults_to_the_seed)
{
	char url[512];
	C1_CHECK_INT(c1_strategy_template_url(url, sizeof(url), NULL, NULL, NULL), ==, 0);
	C1_CHECK_STR(url, C1_DEFAULT_TEMPLATE_URL);
	C1_CHECK_INT(
	    c1_strategy_template_url(url, sizeof(url), C1_DEFAULT_TEMPLATE_URL, C1_DEFAULT_QS_BUCKET, ""), ==,
	    0);
	C1_CHECK_STR(url, C1_DEFAULT_TEMPLATE_URL);
}

C1_TEST(url_follows_own_bucket_and_prefix)
{
	char url[512];
	C1_CHECK_INT(
	    c1_strategy_template_url(url, sizeof(url), C1_DEFAULT_TEMPLATE_URL, "msp-templates", "c1/"), ==,
	    0);
	C1_CHECK_STR(url, "https://msp-templates.s3.amazonaws.com/c1/templates/trend-cloudone-onboard/"
			  "main.template.yaml");
	C1_CHECK_INT(c1_strategy_template_url(url, sizeof(url), NULL, NULL, "mirror/"), ==, 0);
	C1_CHECK_STR(url,
		     "https://cloudone-community.s3.amazonaws.com/mirror/templates/trend-cloudone-onboard/"
		     "main.template.yaml");
}

C1_TEST(explicit_url_wins_and_overflow_is_an_error)
{
	char url[64];
	C1_CHECK_INT(
	    c1_strategy_template_url(url, sizeof(url), "https://x.example/main.template.yaml", "b", "p/"), ==,
	    0);
	C1_CHECK_STR(url, "https://x.example/main.template.yaml");
	C1_CHECK_INT(c1_strategy_template_url(url, 16, NULL, "a-very-long-bucket-name", NULL), ==,
		     C1_ETOOBIG);
	C1_CHECK_CONTAINS(c1_error_last(), "--qs-bucket");
}
