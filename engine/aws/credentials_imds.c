/* EC2 instance metadata (IMDSv2, as botocore's InstanceMetadataFetcher): a session token from
 * PUT /latest/api/token, then the instance role's credentials; used for
 * `credential_source = Ec2InstanceMetadata`. */
#include "engine/aws/credentials.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_DEFAULT_ENDPOINT "http://169.254.169.254"
#define S_CREDS_PATH       "/latest/meta-data/iam/security-credentials/"
#define S_TOKEN_TTL        "21600"
#define S_BODY_MAX         ((size_t)64 * 1024)

struct s_imds {
	char *base; /* no trailing slash */
	bool v1_disabled;
	long timeout_ms;
	struct c1_http_transport *transport;
	char *why;
};

static void s_imds_free(void *ctx)
{
	struct s_imds *m = ctx;
	if (!m)
		return;
	free(m->base);
	free(m->why);
	free(m);
}

static bool s_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

/* One request; *status and body filled when any answer came. */
static int s_call(struct s_imds *m, const char *method, const char *path, const struct c1_secret *token,
		  struct c1_http_response *resp)
{
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	char *url = c1_asprintf("%s%s", m->base, path);
	req.method = method;
	req.url = url;
	req.timeout_ms = m->timeout_ms;
	req.aws_metadata = true;
	if (strcmp(method, "PUT") == 0)
		c1_headers_add(&req.headers, "x-aws-ec2-metadata-token-ttl-seconds", S_TOKEN_TTL);
	if (token && c1_secret_is_set(token))
		c1_headers_add(&req.headers, "x-aws-ec2-metadata-token", c1_secret_reveal(token));
	resp->body.max = S_BODY_MAX;
	int rc = c1_http_send(m->transport, &req, resp);
	if (rc && rc != C1_EINPROGRESS) {
		char inner[512];
		snprintf(inner, sizeof(inner), "%s", c1_error_last());
		c1_error_set("%s: the instance metadata service at %s did not answer %s %s: %s", m->why,
			     m->base, method, path, inner);
	}
	c1_http_request_dispose(&req);
	free(url);
	return rc;
}

/* Responses may hold the session token or credentials: wiped before they are freed. */
static void s_reset(struct c1_http_response *resp)
{
	c1_buf_dispose_secure(&resp->body);
	c1_http_response_dispose(resp);
	*resp = (struct c1_http_response)C1_HTTP_RESPONSE_INIT;
}

static int s_status_error(struct s_imds *m, const char *path, long status)
{
	c1_error_set("%s: the instance metadata service at %s answered HTTP %ld to %s", m->why, m->base,
		     status, path);
	return status == 429 ? C1_ETHROTTLED : status >= 500 ? C1_ETRANSPORT : C1_EAPI;
}

static int s_imds_fetch(void *ctx, struct c1_aws_credentials **out)
{
	struct s_imds *m = ctx;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	struct c1_secret token = C1_SECRET_INIT;
	char *role = NULL, *path = NULL;
	int rc = s_call(m, "PUT", "/latest/api/token", NULL, &resp);
	if (rc)
		goto cleanup;
	if (resp.status == 200 && resp.body.len > 0) {
		c1_secret_set(&token, resp.body.ptr, resp.body.len);
	} else if ((resp.status == 403 || resp.status == 404 || resp.status == 405) && !m->v1_disabled) {
		/* No IMDSv2 here: botocore goes on without a token (IMDSv1). */
	} else {
		rc = s_status_error(m, "PUT /latest/api/token", resp.status);
		goto cleanup;
	}
	s_reset(&resp);

	rc = s_call(m, "GET", S_CREDS_PATH, &token, &resp);
	if (rc)
		goto cleanup;
	if (resp.status == 404) {
		c1_error_set("%s: this instance has no IAM role (instance profile); attach one, or use "
			     "another credential_source",
			     m->why);
		rc = C1_EAUTH;
		goto cleanup;
	}
	if (resp.status != 200) {
		rc = s_status_error(m, S_CREDS_PATH, resp.status);
		goto cleanup;
	}
	const char *body = c1_buf_cstr(&resp.body);
	size_t n = strcspn(body, "\r\n");
	role = c1_strndup(body, n);
	if (!role[0] || strchr(role, '/') || strchr(role, '?')) {
		c1_error_set("%s: the instance metadata service named no usable IAM role", m->why);
		rc = C1_EAUTH;
		goto cleanup;
	}
	s_reset(&resp);

	path = c1_asprintf(S_CREDS_PATH "%s", role);
	rc = s_call(m, "GET", path, &token, &resp);
	if (rc)
		goto cleanup;
	if (resp.status != 200) {
		rc = s_status_error(m, path, resp.status);
		goto cleanup;
	}
	char *what = c1_asprintf("%s: the instance metadata service", m->why);
	char *source = c1_asprintf("%s (instance role %s)", m->why, role);
	rc = c1_aws_credentials_from_metadata_json(out, c1_buf_cstr(&resp.body), resp.body.len, what, source);
	free(what);
	free(source);
cleanup:
	s_reset(&resp);
	c1_secret_dispose(&token);
	free(role);
	free(path);
	return rc;
}

int c1_aws_credentials_provider_new_imds(struct c1_aws_credentials_provider **out,
					 const struct c1_aws_imds_options *opts)
{
	const char *why = opts->why ? opts->why : "instance metadata";
	*out = NULL;
	if (!opts->transport) {
		c1_error_set("%s: no HTTP transport to reach the instance metadata service", why);
		return C1_EINVALID;
	}
	if (s_true(c1_aws_env_get(opts->env, "AWS_EC2_METADATA_DISABLED"))) {
		c1_error_set("%s: the instance metadata service is disabled (AWS_EC2_METADATA_DISABLED=true)",
			     why);
		return C1_ECONFIG;
	}
	const char *endpoint = opts->endpoint;
	if (!endpoint || !endpoint[0])
		endpoint = c1_aws_env_get(opts->env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (!endpoint || !endpoint[0])
		endpoint = S_DEFAULT_ENDPOINT;
	if (c1_url_check_metadata_transport_allowed(endpoint) != 0) {
		char inner[512];
		snprintf(inner, sizeof(inner), "%s", c1_error_last());
		c1_error_set("%s: instance metadata endpoint: %s", why, inner);
		return C1_ECONFIG;
	}
	struct s_imds *m = c1_calloc(1, sizeof(*m));
	m->base = c1_strdup(endpoint);
	size_t len = strlen(m->base);
	while (len > 0 && m->base[len - 1] == '/')
		m->base[--len] = '\0';
	m->v1_disabled = s_true(c1_aws_env_get(opts->env, "AWS_EC2_METADATA_V1_DISABLED"));
	m->timeout_ms = 1000; /* botocore's default; AWS_METADATA_SERVICE_TIMEOUT in seconds */
	const char *t = c1_aws_env_get(opts->env, "AWS_METADATA_SERVICE_TIMEOUT");
	if (t && t[0]) {
		char *end = NULL;
		long s = strtol(t, &end, 10);
		if (end && *end == '\0' && s > 0 && s <= 600)
			m->timeout_ms = s * 1000;
	}
	m->transport = opts->transport;
	m->why = c1_strdup(why);
	char *desc = c1_asprintf("%s (instance metadata %s)", why, m->base);
	int rc = c1_aws_credentials_provider_new_cached(out, s_imds_fetch, m, s_imds_free, opts->clock,
							opts->refresh_margin_ms, desc);
	free(desc);
	return rc;
}
