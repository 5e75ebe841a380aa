/* Weak stand-ins for the modules other helpers own (sim_cfn.c,
 * sim_cloudone.c, sim_visionone.c) so c1sim links at every moment; their
 * strong definitions replace these (c1simlib is an OBJECT library, so every
 * object is linked and the strong symbol always wins). */
#include "sim.h"

#include <stdio.h>
#include <string.h>

static void s_not_yet(struct sim_request *req, struct sim_response *resp)
{
	sim_respond_service_error(resp, req, 501, "NotImplemented", "this service is not simulated yet");
}

__attribute__((weak))
const struct sim_service sim_service_cloudformation = {"cloudformation", s_not_yet, NULL, NULL, NULL};
__attribute__((weak))
const struct sim_service sim_service_cloudone = {"cloudone", s_not_yet, NULL, NULL, NULL};
__attribute__((weak))
const struct sim_service sim_service_visionone = {"visionone", s_not_yet, NULL, NULL, NULL};

__attribute__((weak)) bool sim_cfn_role_lookup(const char *account_id, const char *role_arn,
					       char *external_id_out, size_t ext_len, char *principal_out,
					       size_t principal_len)
{
	(void)account_id;
	(void)role_arn;
	if (ext_len)
		external_id_out[0] = '\0';
	if (principal_len)
		principal_out[0] = '\0';
	return false;
}

__attribute__((weak)) bool sim_cfn_role_named(const char *account_id, const char *name, char *arn_out,
					      size_t arn_len)
{
	(void)account_id;
	(void)name;
	if (arn_len)
		arn_out[0] = '\0';
	return false;
}

__attribute__((weak)) int sim_cloudone_cloudtrail_stack_event(const char *account_id, const char *region,
							      const char *service_token, bool created)
{
	(void)account_id;
	(void)region;
	(void)service_token;
	(void)created;
	return -1;
}

__attribute__((weak)) int sim_cloudone_template_onboard(const char *api_key, const char *v1_token,
							const char *account_id, const char *region,
							bool created, char *reason, size_t reason_len)
{
	(void)api_key;
	(void)v1_token;
	(void)account_id;
	(void)region;
	(void)created;
	snprintf(reason, reason_len, "Cloud One is not simulated yet");
	return -1;
}

__attribute__((weak)) void sim_cloudone_external_id(char *out, size_t out_len, const char *c1_account_id)
{
	snprintf(out, out_len, "c1sim-external-%s", c1_account_id);
}
