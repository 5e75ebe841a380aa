/* IAM GetRole over the Query protocol. */
#include "engine/aws/iam.h"

#include "engine/core/error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int c1_iam_get_role(const struct c1_aws_target *target, const struct c1_sigv4_credentials *creds,
		    const char *role_name, struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_api_error local = C1_API_ERROR_INIT;
	struct c1_api_error *e = err ? err : &local;
	if (!role_name || !*role_name || strlen(role_name) > 64) {
		c1_error_set("GetRole: role name must be 1-64 characters");
		return C1_EINVALID;
	}
	c1_query_params_add(&params, "RoleName", role_name);
	struct c1_query_request req = {"iam", "GetRole", C1_IAM_VERSION, &params, 0};
	int rc = c1_query_call(&resp, target, creds, &req, e);
	if (rc == C1_EAPI && strcmp(e->code, "NoSuchEntity") == 0) {
		c1_error_set("IAM role %s does not exist", role_name);
		rc = C1_ENOTFOUND;
	}
	c1_query_response_dispose(&resp);
	c1_query_params_dispose(&params);
	return rc;
}

bool c1_iam_role_arn_parse(const char *arn, char account[13], char *name, size_t name_len)
{
	if (!arn || strncmp(arn, "arn:", 4) != 0)
		return false;
	const char *p = strchr(arn + 4, ':'); /* after the partition */
	if (!p || strncmp(p, ":iam::", 6) != 0)
		return false;
	p += 6;
	for (int i = 0; i < 12; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	if (strncmp(p + 12, ":role/", 6) != 0)
		return false;
	const char *last = strrchr(p + 18, '/');
	const char *n = last ? last + 1 : p + 18;
	size_t len = strlen(n);
	if (len == 0 || len > 64 || len >= name_len)
		return false;
	memcpy(account, p, 12);
	account[12] = '\0';
	memcpy(name, n, len + 1);
	return true;
}
