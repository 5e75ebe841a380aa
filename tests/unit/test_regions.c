/* Cloud One region code <-> AWS region table (SPEC 3, api-reference 1.2). */
#include "harness.h"

#include "engine/trend/regions.h"

static const char *const s_table[][2] = {
    {"us-1", "us-east-1"},      {"in-1", "ap-south-1"},   {"gb-1", "eu-west-2"},
    {"au-1", "ap-southeast-2"}, {"de-1", "eu-central-1"}, {"jp-1", "ap-northeast-1"},
    {"sg-1", "ap-southeast-1"}, {"ca-1", "ca-central-1"},
};

C1_TEST(maps_every_cloudone_region_both_ways)
{
	C1_CHECK_INT(c1_regions_count(), ==, 8);
	for (size_t i = 0; i < 8; i++) {
		C1_CHECK_STR(c1_regions_aws_for_cloudone(s_table[i][0]), s_table[i][1]);
		C1_CHECK_STR(c1_regions_cloudone_for_aws(s_table[i][1]), s_table[i][0]);
		C1_CHECK_STR(c1_regions_at(i)->cloudone, s_table[i][0]);
		C1_CHECK_CONTAINS(c1_regions_aws_list(), s_table[i][1]);
	}
	C1_CHECK(c1_regions_at(8) == NULL);
}

C1_TEST(unknown_regions_are_null)
{
	C1_CHECK(c1_regions_aws_for_cloudone("trend-us-1") == NULL); /* UNCONFIRMED in api-reference */
	C1_CHECK(c1_regions_aws_for_cloudone("ie-1") == NULL);
	C1_CHECK(c1_regions_aws_for_cloudone("US-1") == NULL);
	C1_CHECK(c1_regions_aws_for_cloudone(NULL) == NULL);
	C1_CHECK(c1_regions_cloudone_for_aws("eu-west-1") == NULL);
	C1_CHECK(c1_regions_cloudone_for_aws("us-1") == NULL);
	C1_CHECK(c1_regions_cloudone_for_aws(NULL) == NULL);
}
