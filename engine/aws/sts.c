#include "engine/aws/sts.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SERVICE "sts"

void c1_sts_identity_dispose(struct c1_sts_identity *id)
{
	if (!id)
		return;
	free(id->account);
	free(id->arn);
	free(id->user_id);
	*id = (struct c1_sts_identity)C1_STS_IDENTITY_INIT;
}

void c1_sts_credentials_dispose(struct c1_sts_credentials *creds)
{
	if (!creds)
		return;
	free(creds->access_key_id);
	c1_secret_dispose(&creds->secret_access_key);
	c1_secret_dispose(&creds->session_token);
	free(creds->assumed_role_arn);
	*creds = (struct c1_sts_credentials)C1_STS_CREDENTIALS_INIT;
}

static int s_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int64_t s_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int c1_sts_parse_time_ms(int64_t *out, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		goto bad;
	int year = s_digits(s, 4), mon = s_digits(s + 5, 2), day = s_digits(s + 8, 2);
	int h = s_digits(s + 11, 2), mi = s_digits(s + 14, 2), sec = s_digits(s + 17, 2);
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 60)
		goto bad;
	const char *p = s + 19;
	int ms = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (digits == 0)
			goto bad;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	int64_t offset_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh = s_digits(p + 1, 2), om = s_digits(p + 4, 2);
		if (oh < 0 || om < 0 || oh > 23 || om > 59)
			goto bad;
		offset_s = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		goto bad;
	}
	if (*p)
		goto bad;
	int64_t secs = ((s_days_from_civil(year, mon, day) * 24 + h) * 60 + mi) * 60 + sec - offset_s;
	*out = secs * 1000 + ms;
	return 0;
bad:
	c1_error_set("\"%.40s\" is not an ISO-8601 UTC time (want YYYY-MM-DDTHH:MM:SSZ)", s ? s : "");
	return C1_EINVALID;
}

static bool s_charset_ok(const char *s, const char *extra)
{
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

static int s_validate(const struct c1_sts_assume_role_input *in)
{
	size_t n;
	if (!in || !in->role_arn || strncmp(in->role_arn, "arn:", 4) != 0 ||
	    !strstr(in->role_arn, ":role/") || strlen(in->role_arn) < 20 || strlen(in->role_arn) > 2048) {
		c1_error_set(
		    "role ARN \"%.200s\" is not an IAM role ARN (want arn:aws:iam::<account-id>:role/<name>)",
		    in && in->role_arn ? in->role_arn : "");
		return C1_EINVALID;
	}
	if (in->role_session_name) {
		n = strlen(in->role_session_name);
		if (n < 2 || n > 64 || !s_charset_ok(in->role_session_name, "+=,.@_-")) {
			c1_error_set("role session name \"%.80s\" must be 2-64 characters of letters, digits "
				     "and +=,.@_-",
				     in->role_session_name);
			return C1_EINVALID;
		}
	}
	if (in->external_id) {
		/* Not printed: an external id is a shared secret between tenants. */
		n = strlen(in->external_id);
		if (n < 2 || n > 1224 || !s_charset_ok(in->external_id, "+=,.@:/_-")) {
			c1_error_set(
			    "external id for %.200s must be 2-1224 characters of letters, digits and "
			    "+=,.@:/_- (check the ExternalId column)",
			    in->role_arn);
			return C1_EINVALID;
		}
	}
	if (in->duration_seconds != 0 && (in->duration_seconds < 900 || in->duration_seconds > 43200)) {
		c1_error_set("AssumeRole duration %d s is outside 900-43200 s", in->duration_seconds);
		return C1_EINVALID;
	}
	return 0;
}

/* A 2xx body without the fields we need is the service's fault, reported like an API error. */
static int s_bad_response(struct c1_api_error *err, const struct c1_query_response *resp, const char *action,
			  const char *what)
{
	if (err) {
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
		err->http_status = resp->status;
		snprintf(err->code, sizeof(err->code), "InvalidResponse");
		snprintf(err->message, sizeof(err->message), "%s response has no %s", action, what);
		snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
	}
	c1_error_set("sts %s: response (request %s) has no %s", action, resp->request_id, what);
	return C1_EAPI;
}

int c1_sts_get_caller_identity(struct c1_sts_identity *out, const struct c1_aws_target *target,
			       const struct c1_sigv4_credentials *creds, struct c1_api_error *err)
{
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_query_request req = {S_SERVICE, "GetCallerIdentity", C1_STS_VERSION, NULL, 0};
	int rc = 0;

	*out = (struct c1_sts_identity)C1_STS_IDENTITY_INIT;
	rc = c1_query_call(&resp, target, creds, &req, err);
	if (rc)
		goto cleanup;
	out->account = c1_xml_text(resp.result, "Account");
	out->arn = c1_xml_text(resp.result, "Arn");
	out->user_id = c1_xml_text(resp.result, "UserId");
	if (!out->account || !out->arn || !*out->account || !*out->arn)
		rc = s_bad_response(err, &resp, req.action, "Account or Arn");

cleanup:
	if (rc)
		c1_sts_identity_dispose(out);
	c1_query_response_dispose(&resp);
	return rc;
}

/* Fill `out` from an AssumeRole* result. */
static int s_take_credentials(struct c1_sts_credentials *out, const struct c1_query_response *resp,
			      const char *action, struct c1_api_error *err)
{
	char *expiration = NULL;
	int rc = 0;
	xmlNode *cred = c1_xml_find(resp->result, "Credentials");
	out->access_key_id = c1_xml_text(cred, "AccessKeyId");
	if (!out->access_key_id || !*out->access_key_id) {
		rc = s_bad_response(err, resp, action, "Credentials/AccessKeyId");
		goto cleanup;
	}
	if (c1_xml_take_secret(&out->secret_access_key, cred, "SecretAccessKey") != 0 ||
	    c1_xml_take_secret(&out->session_token, cred, "SessionToken") != 0) {
		rc = s_bad_response(err, resp, action, "Credentials/SecretAccessKey or SessionToken");
		goto cleanup;
	}
	expiration = c1_xml_text(cred, "Expiration");
	if (!expiration || c1_sts_parse_time_ms(&out->expiration_ms, expiration) != 0) {
		rc = s_bad_response(err, resp, action, "valid Credentials/Expiration");
		goto cleanup;
	}
	out->assumed_role_arn = c1_xml_text(resp->result, "AssumedRoleUser/Arn");
cleanup:
	free(expiration);
	return rc;
}

int c1_sts_assume_role(struct c1_sts_credentials *out, const struct c1_aws_target *target,
		       const struct c1_sigv4_credentials *creds, const struct c1_sts_assume_role_input *in,
		       struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_query_request req = {S_SERVICE, "AssumeRole", C1_STS_VERSION, &params, 0};
	char session[64];
	int rc = 0;

	*out = (struct c1_sts_credentials)C1_STS_CREDENTIALS_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	rc = s_validate(in);
	if (rc)
		goto cleanup;
	const char *session_name = in->role_session_name;
	if (!session_name) {
		int64_t now_ms = target && target->clock ? c1_clock_wall_ms(target->clock) : 0;
		snprintf(session, sizeof(session), "c1onboard-%lld", (long long)(now_ms / 1000));
		session_name = session;
	}
	c1_query_params_add(&params, "RoleArn", in->role_arn);
	c1_query_params_add(&params, "RoleSessionName", session_name);
	c1_query_params_add(&params, "ExternalId", in->external_id);
	if (in->duration_seconds)
		c1_query_params_add_int(&params, "DurationSeconds", in->duration_seconds);

	rc = c1_query_call(&resp, target, creds, &req, err);
	if (rc)
		goto cleanup;
	rc = s_take_credentials(out, &resp, req.action, err);

cleanup:
	if (rc)
		c1_sts_credentials_dispose(out);
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

int c1_sts_assume_role_with_web_identity(struct c1_sts_credentials *out, const struct c1_aws_target *target,
					 const struct c1_sts_web_identity_input *in, struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_query_request req = {S_SERVICE, "AssumeRoleWithWebIdentity", C1_STS_VERSION, &params, 0};
	char session[64];
	int rc = 0;

	*out = (struct c1_sts_credentials)C1_STS_CREDENTIALS_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	struct c1_sts_assume_role_input check = {in->role_arn, in->role_session_name, NULL,
						 in->duration_seconds};
	rc = s_validate(&check);
	if (rc)
		goto cleanup;
	if (!in->token || !c1_secret_is_set(in->token) || in->token->len == 0) {
		c1_error_set("AssumeRoleWithWebIdentity %s: the web identity token is empty", in->role_arn);
		rc = C1_EINVALID;
		goto cleanup;
	}
	const char *session_name = in->role_session_name;
	if (!session_name) {
		int64_t now_ms = target && target->clock ? c1_clock_wall_ms(target->clock) : 0;
		snprintf(session, sizeof(session), "c1onboard-%lld", (long long)(now_ms / 1000));
		session_name = session;
	}
	c1_query_params_add(&params, "RoleArn", in->role_arn);
	c1_query_params_add(&params, "RoleSessionName", session_name);
	c1_query_params_add(&params, "WebIdentityToken", c1_secret_reveal(in->token));
	if (in->duration_seconds)
		c1_query_params_add_int(&params, "DurationSeconds", in->duration_seconds);

	rc = c1_query_call(&resp, target, NULL, &req, err);
	if (rc)
		goto cleanup;
	rc = s_take_credentials(out, &resp, req.action, err);

cleanup:
	if (rc)
		c1_sts_credentials_dispose(out);
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}
