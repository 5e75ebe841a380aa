/* STS (Query protocol, 2011-06-15): GetCallerIdentity, AssumeRole and the
 * unsigned AssumeRoleWithWebIdentity with minted stateless session
 * credentials. A web identity token is any JWT-shaped string (three
 * base64url parts) whose role is the account's OrganizationAccountAccessRole
 * (c1sim has no OIDC providers to check a signature against). Who may assume what: the MSP (or
 * the account itself) may assume OrganizationAccountAccessRole in any
 * account; any other role must have been created by a live stack, and its
 * trust policy's principal and sts:ExternalId are enforced. */
#include "sim.h"

#include "engine/core/alloc.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_NS       "https://sts.amazonaws.com/doc/2011-06-15/"
#define S_ORG_ROLE "OrganizationAccountAccessRole"

static void s_error(struct sim_response *resp, int status, const char *code, const char *message)
{
	sim_respond_aws_query_error(resp, status, S_NS, status >= 500 ? "Receiver" : "Sender", code, message);
}

static void s_send(struct sim_response *resp, struct c1_buf *xml, const char *rid)
{
	sim_respond_text(resp, 200, "text/xml", c1_buf_cstr(xml));
	c1_headers_set(&resp->headers, "x-amzn-RequestId", rid);
}

/* Four stable [A-Z0-9] characters naming `s` (the role ids AWS shows are opaque). */
static void s_tag4(char out[5], const char *s)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	for (int i = 0; i < 4; i++) {
		out[i] = alphabet[h % 36];
		h /= 36;
	}
	out[4] = '\0';
}

static void s_get_caller_identity(struct sim_request *req, struct sim_response *resp)
{
	char rid[40];
	char user_id[160];
	char tag[5];
	struct c1_buf xml = C1_BUF_INIT;
	const char *assumed = strstr(req->principal_arn, ":assumed-role/");
	if (assumed) {
		/* arn:aws:sts::<acct>:assumed-role/<role>/<session> -> AROA...:<session> */
		const char *role = assumed + strlen(":assumed-role/");
		const char *slash = strchr(role, '/');
		char *role_name = c1_strndup(role, slash ? (size_t)(slash - role) : strlen(role));
		s_tag4(tag, role_name);
		snprintf(user_id, sizeof(user_id), "AROA%s%s:%s", req->account_id, tag,
			 slash ? slash + 1 : "");
		free(role_name);
	} else {
		snprintf(user_id, sizeof(user_id), "AIDA%s%s", req->account_id, req->access_key_id + 16);
	}
	sim_new_request_id(rid, sizeof(rid));
	c1_buf_puts(&xml,
		    "<GetCallerIdentityResponse xmlns=\"" S_NS "\">\n  <GetCallerIdentityResult>\n    <Arn>");
	sim_xml_escape(&xml, req->principal_arn);
	c1_buf_puts(&xml, "</Arn>\n    <UserId>");
	sim_xml_escape(&xml, user_id);
	c1_buf_printf(
	    &xml,
	    "</UserId>\n    <Account>%s</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n"
	    "    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
	    req->account_id, rid);
	s_send(resp, &xml, rid);
	c1_buf_dispose(&xml);
}

/* arn:aws:iam::<12 digits>:role/[path/]<name>: account and name out. */
static bool s_parse_role_arn(const char *arn, char account[13], const char **name)
{
	static const char prefix[] = "arn:aws:iam::";
	if (!arn || strncmp(arn, prefix, sizeof(prefix) - 1) != 0)
		return false;
	const char *p = arn + sizeof(prefix) - 1;
	for (int i = 0; i < 12; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	if (strncmp(p + 12, ":role/", 6) != 0)
		return false;
	memcpy(account, p, 12);
	account[12] = '\0';
	const char *slash = strrchr(p + 18, '/');
	*name = slash ? slash + 1 : p + 18;
	if (!**name || strlen(*name) > 64)
		return false;
	for (const char *c = *name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("+=,.@_-", *c))
			return false;
	return true;
}

static bool s_session_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("+=,.@_-", *s))
			return false;
	return true;
}

/* May the caller assume the role? 0, or -1 with AccessDenied's message. */
static int s_authorize(const struct sim_request *req, const char *role_arn, const char *role_account,
		       const char *role_name, const char *external_id, char *msg, size_t msg_len)
{
	char want_ext[1300] = "";
	char principal[512] = "";
	bool allowed = false;
	if (strcmp(role_name, S_ORG_ROLE) == 0) {
		allowed = strcmp(req->account_id, SIM_MSP_ACCOUNT) == 0 ||
			  strcmp(req->account_id, role_account) == 0;
	} else if (sim_cfn_role_lookup(role_account, role_arn, want_ext, sizeof(want_ext), principal,
				       sizeof(principal))) {
		bool principal_ok = !principal[0] || strcmp(principal, "*") == 0 ||
				    strstr(principal, req->account_id) != NULL;
		bool ext_ok = !want_ext[0] || (external_id && strcmp(external_id, want_ext) == 0);
		allowed = principal_ok && ext_ok;
	}
	if (!allowed)
		snprintf(msg, msg_len,
			 "User: %s is not authorized to perform: sts:AssumeRole on resource: %s",
			 req->principal_arn, role_arn);
	return allowed ? 0 : -1;
}

static void s_assume_role(struct sim_request *req, struct sim_response *resp)
{
	char *role_arn = sim_form_get(req, "RoleArn");
	char *session = sim_form_get(req, "RoleSessionName");
	char *duration_s = sim_form_get(req, "DurationSeconds");
	char *external_id = sim_form_get(req, "ExternalId");
	char *token = NULL;
	char msg[700];
	char account[13];
	const char *role_name = NULL;
	struct c1_buf xml = C1_BUF_INIT;
	long duration = 3600;

	if (!role_arn || !session) {
		snprintf(msg, sizeof(msg),
			 "1 validation error detected: Value null at '%s' failed to satisfy "
			 "constraint: Member must not be null",
			 !role_arn ? "roleArn" : "roleSessionName");
		s_error(resp, 400, "ValidationError", msg);
		goto cleanup;
	}
	if (!s_parse_role_arn(role_arn, account, &role_name)) {
		snprintf(msg, sizeof(msg), "%.200s is invalid", role_arn);
		s_error(resp, 400, "ValidationError", msg);
		goto cleanup;
	}
	if (!s_session_name_ok(session)) {
		snprintf(msg, sizeof(msg),
			 "1 validation error detected: Value '%.64s' at 'roleSessionName' failed to satisfy "
			 "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
			 session);
		s_error(resp, 400, "ValidationError", msg);
		goto cleanup;
	}
	if (duration_s) {
		char *end = NULL;
		duration = strtol(duration_s, &end, 10);
		if (!end || *end || duration < 900 || duration > 43200) {
			snprintf(msg, sizeof(msg),
				 "1 validation error detected: Value '%.20s' at 'durationSeconds' failed to "
				 "satisfy "
				 "constraint: Member must have value %s",
				 duration_s,
				 duration < 900 ? "greater than or equal to 900"
						: "less than or equal to 43200");
			s_error(resp, 400, "ValidationError", msg);
			goto cleanup;
		}
	}
	if (external_id && (strlen(external_id) < 2 || strlen(external_id) > 1224)) {
		s_error(
		    resp, 400, "ValidationError",
		    "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member "
		    "must have length between 2 and 1224");
		goto cleanup;
	}
	if (strstr(req->principal_arn, ":assumed-role/") && duration > 3600) {
		s_error(resp, 400, "ValidationError",
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
			"role "
			"chaining.");
		goto cleanup;
	}
	if (s_authorize(req, role_arn, account, role_name, external_id, msg, sizeof(msg)) < 0) {
		s_error(resp, 403, "AccessDenied", msg);
		goto cleanup;
	}

	char assumed_arn[256];
	char akid[32];
	char secret[64];
	char expiration[32];
	char rid[40];
	char tag[5];
	int64_t expires = req->now_ms / 1000 + duration;
	snprintf(assumed_arn, sizeof(assumed_arn), "arn:aws:sts::%s:assumed-role/%s/%s", account, role_name,
		 session);
	sim_creds_mint_session(akid, sizeof(akid), secret, sizeof(secret), &token, account, assumed_arn,
			       expires);
	sim_format_time(expiration, sizeof(expiration), (int64_t)expires * 1000);
	s_tag4(tag, role_name);
	sim_new_request_id(rid, sizeof(rid));
	c1_buf_puts(&xml,
		    "<AssumeRoleResponse xmlns=\"" S_NS "\">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n"
		    "      <AssumedRoleId>");
	c1_buf_printf(&xml, "AROA%s%s:", account, tag);
	sim_xml_escape(&xml, session);
	c1_buf_puts(&xml, "</AssumedRoleId>\n      <Arn>");
	sim_xml_escape(&xml, assumed_arn);
	c1_buf_printf(
	    &xml,
	    "</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>%s</AccessKeyId>\n"
	    "      <SecretAccessKey>%s</SecretAccessKey>\n      <SessionToken>%s</SessionToken>\n"
	    "      <Expiration>%s</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n"
	    "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
	    "</AssumeRoleResponse>\n",
	    akid, secret, token, expiration, rid);
	c1_wipe(secret, sizeof(secret));
	s_send(resp, &xml, rid);
cleanup:
	c1_buf_dispose_secure(&xml);
	c1_free_secure_str(token);
	free(role_arn);
	free(session);
	free(duration_s);
	free(external_id);
}

static bool s_jwt_shaped(const char *t)
{
	int dots = 0;
	size_t n = t ? strlen(t) : 0;
	if (n < 4 || n > 20000)
		return false;
	for (; *t; t++) {
		if (*t == '.')
			dots++;
		else if (!isalnum((unsigned char)*t) && *t != '-' && *t != '_' && *t != '=')
			return false;
	}
	return dots == 2;
}

static void s_assume_role_web_identity(struct sim_request *req, struct sim_response *resp)
{
	char *role_arn = sim_form_get(req, "RoleArn");
	char *session = sim_form_get(req, "RoleSessionName");
	char *token = sim_form_get(req, "WebIdentityToken");
	char *duration_s = sim_form_get(req, "DurationSeconds");
	char *session_token = NULL;
	char msg[700];
	char account[13];
	const char *role_name = NULL;
	struct c1_buf xml = C1_BUF_INIT;
	long duration = 3600;

	if (!role_arn || !session || !token) {
		snprintf(msg, sizeof(msg),
			 "1 validation error detected: Value null at '%s' failed to satisfy "
			 "constraint: Member must not be null",
			 !role_arn  ? "roleArn"
			 : !session ? "roleSessionName"
				    : "webIdentityToken");
		s_error(resp, 400, "ValidationError", msg);
		goto cleanup;
	}
	if (!s_parse_role_arn(role_arn, account, &role_name)) {
		snprintf(msg, sizeof(msg), "%.200s is invalid", role_arn);
		s_error(resp, 400, "ValidationError", msg);
		goto cleanup;
	}
	if (!s_session_name_ok(session)) {
		s_error(resp, 400, "ValidationError",
			"1 validation error detected: Value at 'roleSessionName' failed to satisfy "
			"constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
		goto cleanup;
	}
	if (duration_s) {
		char *end = NULL;
		duration = strtol(duration_s, &end, 10);
		if (!end || *end || duration < 900 || duration > 43200) {
			s_error(resp, 400, "ValidationError",
				"1 validation error detected: Value at 'durationSeconds' failed to satisfy "
				"constraint");
			goto cleanup;
		}
	}
	if (!s_jwt_shaped(token)) {
		s_error(resp, 400, "InvalidIdentityToken",
			"The ID Token provided is not a valid JWT. (You may "
			"see this error if you sent an Access Token)");
		goto cleanup;
	}
	if (strcmp(role_name, S_ORG_ROLE) != 0) {
		snprintf(msg, sizeof(msg), "Not authorized to perform sts:AssumeRoleWithWebIdentity");
		s_error(resp, 403, "AccessDenied", msg);
		goto cleanup;
	}

	char assumed_arn[256];
	char akid[32];
	char secret[64];
	char expiration[32];
	char rid[40];
	char tag[5];
	int64_t expires = req->now_ms / 1000 + duration;
	snprintf(assumed_arn, sizeof(assumed_arn), "arn:aws:sts::%s:assumed-role/%s/%s", account, role_name,
		 session);
	sim_creds_mint_session(akid, sizeof(akid), secret, sizeof(secret), &session_token, account,
			       assumed_arn, expires);
	sim_format_time(expiration, sizeof(expiration), (int64_t)expires * 1000);
	s_tag4(tag, role_name);
	sim_new_request_id(rid, sizeof(rid));
	c1_buf_puts(&xml, "<AssumeRoleWithWebIdentityResponse xmlns=\"" S_NS
			  "\">\n  <AssumeRoleWithWebIdentityResult>\n"
			  "    <SubjectFromWebIdentityToken>system:serviceaccount:c1sim:c1onboard"
			  "</SubjectFromWebIdentityToken>\n    <Audience>sts.amazonaws.com</Audience>\n"
			  "    <AssumedRoleUser>\n      <Arn>");
	sim_xml_escape(&xml, assumed_arn);
	c1_buf_printf(&xml, "</Arn>\n      <AssumedRoleId>AROA%s%s:", account, tag);
	sim_xml_escape(&xml, session);
	c1_buf_printf(
	    &xml,
	    "</AssumedRoleId>\n    </AssumedRoleUser>\n    <Credentials>\n"
	    "      <SessionToken>%s</SessionToken>\n      <SecretAccessKey>%s</SecretAccessKey>\n"
	    "      <Expiration>%s</Expiration>\n      <AccessKeyId>%s</AccessKeyId>\n    </Credentials>\n"
	    "    <Provider>oidc.c1sim.local</Provider>\n  </AssumeRoleWithWebIdentityResult>\n"
	    "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
	    "</AssumeRoleWithWebIdentityResponse>\n",
	    session_token, secret, expiration, akid, rid);
	c1_wipe(secret, sizeof(secret));
	s_send(resp, &xml, rid);
cleanup:
	c1_buf_dispose_secure(&xml);
	c1_free_secure_str(session_token);
	c1_free_secure_str(token);
	free(role_arn);
	free(session);
	free(duration_s);
}

static void s_handle(struct sim_request *req, struct sim_response *resp)
{
	char msg[200];
	if (strcmp(req->route, "GetCallerIdentity") == 0) {
		s_get_caller_identity(req, resp);
	} else if (strcmp(req->route, "AssumeRole") == 0) {
		s_assume_role(req, resp);
	} else if (strcmp(req->route, "AssumeRoleWithWebIdentity") == 0) {
		s_assume_role_web_identity(req, resp);
	} else {
		snprintf(msg, sizeof(msg), "Could not find operation %.100s for version 2011-06-15",
			 req->route);
		s_error(resp, 400, "InvalidAction", msg);
	}
}

const struct sim_service sim_service_sts = {"sts", s_handle, NULL, NULL, NULL};

/* ---- IAM (2010-05-08): GetRole, all c1onboard asks IAM. A role exists when
 * a live stack made it, when it is the organization's access role, or when a
 * drift injection named it (a role someone made by hand). ---- */

#define S_IAM_NS "https://iam.amazonaws.com/doc/2010-05-08/"

static pthread_mutex_t s_iam_lock = PTHREAD_MUTEX_INITIALIZER;
static char **s_iam_roles; /* ARNs of roles made outside CloudFormation */
static size_t s_iam_nroles;

void sim_iam_add_role(const char *role_arn)
{
	pthread_mutex_lock(&s_iam_lock);
	bool known = false;
	for (size_t i = 0; i < s_iam_nroles && !known; i++)
		known = strcmp(s_iam_roles[i], role_arn) == 0;
	if (!known) {
		s_iam_roles = c1_realloc(s_iam_roles, (s_iam_nroles + 1) * sizeof(*s_iam_roles));
		s_iam_roles[s_iam_nroles++] = c1_strdup(role_arn);
	}
	pthread_mutex_unlock(&s_iam_lock);
}

/* The ARN of `account`'s hand-made role `name`, into arn_out; false when none. */
static bool s_iam_hand_made(const char *account, const char *name, char *arn_out, size_t arn_len)
{
	bool found = false;
	pthread_mutex_lock(&s_iam_lock);
	for (size_t i = 0; i < s_iam_nroles && !found; i++) {
		char acct[13];
		const char *n = NULL;
		if (s_parse_role_arn(s_iam_roles[i], acct, &n) && strcmp(acct, account) == 0 &&
		    strcmp(n, name) == 0) {
			snprintf(arn_out, arn_len, "%s", s_iam_roles[i]);
			found = true;
		}
	}
	pthread_mutex_unlock(&s_iam_lock);
	return found;
}

static void s_iam_reset(void)
{
	pthread_mutex_lock(&s_iam_lock);
	for (size_t i = 0; i < s_iam_nroles; i++)
		free(s_iam_roles[i]);
	free(s_iam_roles);
	s_iam_roles = NULL;
	s_iam_nroles = 0;
	pthread_mutex_unlock(&s_iam_lock);
}

static void s_get_role(struct sim_request *req, struct sim_response *resp)
{
	char *name = sim_form_get(req, "RoleName");
	char arn[512] = "";
	char msg[300];
	char rid[40];
	char tag[5];
	if (!name || !*name) {
		sim_respond_aws_query_error(resp, 400, S_IAM_NS, "Sender", "ValidationError",
					    "1 validation error detected: Value null at 'roleName' failed to "
					    "satisfy constraint: Member must not be null");
		free(name);
		return;
	}
	bool found = strcmp(name, S_ORG_ROLE) == 0;
	if (found)
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/%s", req->account_id, name);
	found = found || sim_cfn_role_named(req->account_id, name, arn, sizeof(arn)) ||
		s_iam_hand_made(req->account_id, name, arn, sizeof(arn));
	if (!found) {
		snprintf(msg, sizeof(msg), "The role with name %.64s cannot be found.", name);
		sim_respond_aws_query_error(resp, 404, S_IAM_NS, "Sender", "NoSuchEntity", msg);
		free(name);
		return;
	}
	struct c1_buf xml = C1_BUF_INIT;
	s_tag4(tag, name);
	sim_new_request_id(rid, sizeof(rid));
	c1_buf_puts(&xml, "<GetRoleResponse xmlns=\"" S_IAM_NS "\">\n  <GetRoleResult>\n    <Role>\n"
			  "      <Path>/</Path>\n      <Arn>");
	sim_xml_escape(&xml, arn);
	c1_buf_puts(&xml, "</Arn>\n      <RoleName>");
	sim_xml_escape(&xml, name);
	c1_buf_printf(&xml,
		      "</RoleName>\n      <RoleId>AROA%s%s</RoleId>\n"
		      "      <CreateDate>2026-01-01T00:00:00Z</CreateDate>\n    </Role>\n  </GetRoleResult>\n"
		      "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
		      "</GetRoleResponse>\n",
		      req->account_id, tag, rid);
	s_send(resp, &xml, rid);
	c1_buf_dispose(&xml);
	free(name);
}

static void s_iam_handle(struct sim_request *req, struct sim_response *resp)
{
	char msg[200];
	if (strcmp(req->route, "GetRole") == 0) {
		s_get_role(req, resp);
		return;
	}
	snprintf(msg, sizeof(msg), "Could not find operation %.100s for version 2010-05-08", req->route);
	sim_respond_aws_query_error(resp, 400, S_IAM_NS, "Sender", "InvalidAction", msg);
}

const struct sim_service sim_service_iam = {"iam", s_iam_handle, NULL, NULL, s_iam_reset};
