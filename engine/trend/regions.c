#include "engine/trend/regions.h"

#include <string.h>

/* Order follows api-reference 1.2; messages list the regions in this order. */
static const struct c1_region_pair s_regions[] = {
    {"us-1", "us-east-1"},      {"in-1", "ap-south-1"},   {"gb-1", "eu-west-2"},
    {"au-1", "ap-southeast-2"}, {"de-1", "eu-central-1"}, {"jp-1", "ap-northeast-1"},
    {"sg-1", "ap-southeast-1"}, {"ca-1", "ca-central-1"},
};

#define S_COUNT (sizeof(s_regions) / sizeof(s_regions[0]))

const char *c1_regions_aws_for_cloudone(const char *c1_region)
{
	if (!c1_region)
		return NULL;
	for (size_t i = 0; i < S_COUNT; i++) {
		if (strcmp(s_regions[i].cloudone, c1_region) == 0)
			return s_regions[i].aws;
	}
	return NULL;
}

const char *c1_regions_cloudone_for_aws(const char *aws_region)
{
	if (!aws_region)
		return NULL;
	for (size_t i = 0; i < S_COUNT; i++) {
		if (strcmp(s_regions[i].aws, aws_region) == 0)
			return s_regions[i].cloudone;
	}
	return NULL;
}

size_t c1_regions_count(void)
{
	return S_COUNT;
}

const struct c1_region_pair *c1_regions_at(size_t i)
{
	return i < S_COUNT ? &s_regions[i] : NULL;
}

const char *c1_regions_aws_list(void)
{
	return "us-east-1, ap-south-1, eu-west-2, ap-southeast-2, eu-central-1, ap-northeast-1, "
	       "ap-southeast-1, ca-central-1";
}
